"""Indicator page: one target of one area — trajectory, reward maths, negotiation note,
actuals with their revisions, and the commentary history."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import access
from dashboard.formatting import (
    DIRECTION,
    REWARD_STATUS,
    STATUS,
    unit_words,
    value_expr,
)
from dashboard.metrics import period_label_expr
from dashboard.metrics.assess import agreement_ended
from dashboard.reports import board
from dashboard.ui import commentary, components, loaders, nav, state
from dashboard.ui.plain import md

area_code, as_at, result, area = components.area_view("Indicator")

ordered = result.targets.sort("block_order", "indicator_code")
codes = ordered["indicator_code"].to_list()
labels = dict(zip(codes, ordered["indicator_name"].to_list(), strict=True))
code = state.select("indicator", "Indicator", codes, format_func=lambda c: f"{c} — {labels[c]}")
# Every figure and period label of the target in one pass (a scalar one is a polars query).
row = (
    components.with_value_texts(
        ordered.filter(pl.col("indicator_code") == code),
        "baseline_value", "without_reward_value", "target_value",
        numbers=("latest_value", "target_value", "expected_value", "target_period_value",
                 "forecast_value", "forecast_low", "forecast_high"),
    )
    .with_columns(
        latest_label=period_label_expr("latest_period", "frequency", "period_basis"),
        target_label=period_label_expr("target_period", "frequency", "period_basis"),
    )
    .row(0, named=True)
)  # fmt: skip
meta = loaders.indicator(code) or {}

nav.breadcrumbs(
    ("overview", f"{area['area_name']} LSP", {}),
    ("block", row["block_name"], {"block": row["block_code"]}),
    ("partnership", row["partnership"], {"partnership": row["partnership"]}),
    ("indicator", code, {"indicator": code}),
)
st.title(f"{md(code)} {md(row['indicator_name'])}")
facts = [
    row["block_name"],
    f"owner {row['partnership']}" + (f" ({row['lead_officer']})" if row["lead_officer"] else ""),
    "★ reward target" if row["is_reward"] else "ordinary target",
    f"{'higher' if row['polarity'] == 'higher' else 'lower'} is better",
    f"{row['frequency']} · {row['unit']}",
    f"version {row['version']}",
]
if row.get("focus"):
    facts.append(f"focus: {row['focus']}")
if row["measure"] == "cumulative":
    facts.append("cumulative: values are running totals from the agreement start")
st.caption(" · ".join(md(fact) for fact in facts))  # names, units: plain text
nav.link("compare", "Compare with other areas", icon=":material/compare_arrows:", indicator=code)

icon, word, colour = STATUS.get(row["rag"], STATUS[None])
cols = st.columns(5)
cols[0].html(
    f'<div class="laa-card" style="--c:{colour}"><div class="l">Status</div>'
    f'<div class="n word" style="color:{colour}">{icon} {word}</div>'
    f'<div class="s">{DIRECTION.get(row["direction"]) or "direction not known"}</div></div>'
)
latest_label = row["latest_label"] if row["latest_period"] else "no actual yet"
unit = unit_words(row["unit"])
cols[1].metric("Latest", row["latest_value_number"], help=f"Period: {latest_label}", border=True)
cols[1].caption(
    f"{unit} · {latest_label}" + (" · provisional" if row["latest_status"] == "provisional" else "")
)
target_label = row["target_label"]
if agreement_ended(row["agreement_end"], as_at):
    # After the agreement's end the target period's actual is the outturn, and what was
    # expected is the target itself.
    cols[2].metric("Expected", row["target_value_number"], border=True,
                   help="The agreement has ended: what was expected is the target")  # fmt: skip
    cols[2].caption(f"{unit} · the target")
else:
    cols[2].metric("Expected now", row["expected_value_number"], border=True,
                   help="Where the trajectory says the latest period should be")  # fmt: skip
    cols[2].caption(unit)
cols[3].metric("Target", row["target_value_number"], border=True)
cols[3].caption(f"{unit} · by {target_label}")
if agreement_ended(row["agreement_end"], as_at):
    cols[4].metric("Outturn", row["target_period_value_number"], border=True,
                   help="The actual for the target period, which the status is rated on")  # fmt: skip
    cols[4].caption(
        f"{unit} · {target_label}"
        if row["target_period_value"] is not None
        else f"{target_label}'s value is not in yet"
    )
else:
    cols[4].metric("Forecast", row["forecast_value_number"], border=True,
                   help="Least-squares trend of the last 8 actuals at the target period (80% range below)")  # fmt: skip
    if row["forecast_low"] is not None:
        cols[4].caption(
            f"{unit} · 80% range {row['forecast_low_number']} – {row['forecast_high_number']}"
        )

chart_col, side = st.columns([3, 2], gap="large")
with chart_col:
    components.trajectory(result, row["target_id"], height=420, key="indicator")
with side:
    if row["is_reward"]:
        r_icon, r_word, r_colour = REWARD_STATUS.get(row["reward_status"], REWARD_STATUS[None])
        st.markdown("#### Reward")
        st.html(f'<span style="color:{r_colour};font-weight:700">{r_icon} {r_word}</span>')
        st.write(board.reward_explanation(row))
    else:
        st.markdown("#### Reward")
        st.write(board.reward_explanation(row))
    st.markdown("#### Negotiation note")
    notes = {
        "Indicator": meta.get("definition") or row["indicator_name"],
        "Source of data": meta.get("data_source") or "–",
        "Clarifications/qualifications about the indicator": meta.get("clarifications") or "–",
        "Determining stretching performance": (
            (meta.get("stretch_rationale") or "")
            + f" Baseline {row['baseline_value_text']}; without reward "
            f"{row['without_reward_value_text']}; stretched target {row['target_value_text']}."
            if row["is_reward"]
            else f"Ordinary target: baseline {row['baseline_value_text']} to "
            f"{row['target_value_text']}."
        ),
        "Determining the level of reward": (
            (meta.get("reward_rationale") or "")
            + (f" Share £{float(row['reward_share_gbp']):,.2f}." if row["reward_share_gbp"] else "")
            if row["is_reward"]
            else "No reward attached."
        ),
    }
    for heading, text in notes.items():
        with st.expander(heading, expanded=heading == "Indicator"):
            components.plain(str(text).strip())

actuals_tab, comments_tab, target_tab = st.tabs(
    ["Actuals and revisions", nav.COMMENTARY_TAB, "Target and refresh"],
    key="tab", bind="query-params",  # so a link can open the Commentary tab
)  # fmt: skip
with target_tab:
    components.target_changes(row, area)
with actuals_tab:
    revisions = loaders.revisions(area_code, code).filter(pl.col("period") <= as_at)
    if revisions.is_empty():
        components.empty_state("No actuals yet for this indicator.")
    else:
        shown = (
            revisions.with_columns(
                frequency=pl.lit(row["frequency"]),
                period_basis=pl.lit(row["period_basis"]),
                decimals=pl.lit(row["decimals"]),
                unit=pl.lit(row["unit"]),
                current=pl.col("revision") == pl.col("revision").max().over("period"),
                earlier_final=(
                    (pl.col("status") == "final").cast(pl.Int32).sum().over("period")
                    - (pl.col("status") == "final").cast(pl.Int32)
                )
                > 0,
            )
            .with_columns(
                label=period_label_expr("period", "frequency", "period_basis"),
                shown_value=value_expr("value"),
                shown_status=pl.when(
                    (pl.col("status") == "final") & pl.col("earlier_final") & pl.col("current")
                )
                .then(pl.lit("revised"))
                .otherwise(pl.col("status")),
            )
            .sort("period", "revision", descending=[True, True])
        )
        show_all = st.toggle("Show every revision", key="all_revisions",
                             help="Corrections add revisions; nothing is overwritten.")  # fmt: skip
        table = shown if show_all else shown.filter(pl.col("current"))
        st.dataframe(
            table.select(
                pl.col("label").alias("Period"),
                pl.col("shown_value").alias("Value"),
                pl.col("shown_status").alias("Status"),
                pl.col("data_quality").str.replace("_", " ").alias("Data quality"),
                pl.col("revision").alias("Revision"),
                pl.col("recorded_at").dt.strftime("%d %b %Y %H:%M").alias("Recorded"),
                pl.col("recorded_by").alias("By"),
                pl.col("note").fill_null("").alias("Note"),
            ),
            hide_index=True,
            width="stretch",
        )
        components.table_downloads(
            revisions.with_columns(pl.col("recorded_at").dt.replace_time_zone(None)),
            f"actuals-{area_code}-{code}",
            key="actuals_dl",
        )
        actor = loaders.actor()
        if as_at == state.today() and access.can_write_value(actor, area_code, row["partnership"]):
            components.correction_form(shown.filter(pl.col("current")), row, area_code)
with comments_tab:
    commentary.commentary_form(area_code, row, loaders.revisions(area_code, code), as_at)
    history = board.commentary_history(result.scope.commentary, code, as_at, row)
    if history.is_empty():
        components.empty_state(
            "No commentary yet. Commentary is written by exception: when a value is behind its "
            "trajectory, the lead officer says why and what will be done."
        )
    for comment in history.iter_rows(named=True):  # newest first, each with its period
        st.caption(f"**{comment['period_label']}** · {comment['kind_label']}")
        components.quote(comment["said"], comment["author"], comment["recorded_at"])
