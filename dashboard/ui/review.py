"""The GO six-monthly review's parts: the GO's list of packs to review, the sign-off, the pack's
download, its headline figures, the block self-assessment, the exceptions with commentary and
the reward forecast. The page (`pages/review.py`) reads the selections and calls these."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from html import escape
from typing import TYPE_CHECKING

import polars as pl
import streamlit as st

from dashboard import access, store
from dashboard.access import AccessDenied, Actor
from dashboard.formatting import (
    DIRECTION,
    REWARD_STATUS,
    STATUS,
    money,
    percent,
    status_expr,
    with_value_texts,
)
from dashboard.metrics import period_label_expr
from dashboard.reports.review import NO_COMMENTARY, ReviewPack
from dashboard.ui import components, loaders, nav
from dashboard.ui.plain import indicator_label, md

if TYPE_CHECKING:
    import pandas as pd
    from pandas.io.formats.style import Styler

AXES = ("performance", "progress", "risk")
SIGNOFF = {  # newest sign-off state -> (symbol, word, colour), in the house's status colours
    "reviewed": (STATUS["green"][0], "Reviewed", STATUS["green"][2]),
    "reopened": (STATUS["amber"][0], "Reopened", STATUS["amber"][2]),
    None: (STATUS[None][0], "To review", STATUS[None][2]),
}
WARNING_CSS = (
    "margin:0.3rem 0 0 0;padding:0.3rem 0.8rem;border-left:4px solid #f47738;"
    "background:#fff4e5;color:#0b0c0c;font-size:0.92rem"
)
FLASH = "review_flash"


def markdown_text(column: str) -> pl.Expr:
    """Framework text for `st.table`, whose cells are Markdown: its specials escaped."""
    return pl.col(column).str.replace_all(r"([\\`*_\[\]<>#|~$:])", r"\$1")


def half_year(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def coloured(frame: pl.DataFrame, palettes: dict[str, dict[str, str]]) -> Styler:
    """The frame as a pandas Styler whose status words are drawn in their colours."""

    def paint(palette: dict[str, str]) -> Callable[[pd.Series], pd.Series]:
        css = {
            text: f"color:{colour};font-weight:600;white-space:nowrap"
            for text, colour in palette.items()
        }
        return lambda column: column.map(css).fillna("")  # one vectorised map per column

    styler = frame.to_pandas().style
    for column, palette in palettes.items():
        styler = styler.apply(paint(palette), subset=[column])
    return styler


def words(table: dict) -> dict[str, str]:
    """`{"● Good": "#00703c", ...}`: each word as `status_expr` shows it, and its colour."""
    return {f"{icon} {word}": colour for icon, word, colour in table.values()}


# The axis ratings in the words and colours of `components.axis_badge` (Good / Mixed / Poor).
AXIS = {k: (STATUS[k][0], word, STATUS[k][2]) for k, word in components.AXIS_WORDS.items()}
BASIS = {"none": "No data yet", "actual": "Actual", "forecast": "Forecast"}
NBSP = "\u00a0"  # keeps "✖ Poor" on one line in the static table
AXIS_COLOURS = {text.replace(" ", NBSP): colour for text, colour in words(AXIS).items()}
SIGNOFF_COLOURS = words(SIGNOFF)


def status_of_areas(
    areas: pl.DataFrame, signed: pl.DataFrame, review: date, area_code: str
) -> None:
    """The packs of the areas a GO oversees, still to review first; a row opens its pack."""
    overview = (
        areas.select("area_code", "area_name", "region_name")
        .join(signed, on="area_code", how="left")
        .with_columns(_todo=pl.col("state").ne("reviewed").fill_null(True))
        .sort("_todo", "area_name", descending=[True, False])
    )
    done = overview.height - int(overview["_todo"].sum())
    st.subheader("Review status of your areas")
    st.caption(
        f"Half-year ending {half_year(review)} · {done} of {overview.height} packs reviewed, "
        f"{overview.height - done} still to review · select a row to open that area's pack."
    )
    table = overview.select(
        pl.format("{} ({})", "area_name", "area_code").alias("Area"),
        pl.col("region_name").str.replace(r"^Government Office for (the )?", "").alias("Region"),
        pl.lit(f"{review:%d %b %Y}").alias("Half-year ending"),
        status_expr("state", SIGNOFF).alias("Sign-off"),
        pl.col("by").fill_null("").alias("By"),
        pl.col("at").dt.strftime("%d %b %Y %H:%M").fill_null("").alias("On (UTC)"),
        pl.col("note").fill_null("").alias("Note"),
    )
    picked = st.dataframe(
        coloured(table, {"Sign-off": SIGNOFF_COLOURS}),
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * table.height, 420),
        key=f"review_status_{area_code}",  # a fresh selection whenever the area changes
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "Area": st.column_config.TextColumn(width="medium"),
            "On (UTC)": st.column_config.TextColumn(width="medium"),
            "Note": st.column_config.TextColumn(width="large"),
        },
    )
    rows = picked.selection.rows if picked else []  # type: ignore[union-attr]
    if rows and (chosen := overview["area_code"][rows[0]]) != area_code:
        nav.go("review", area=chosen)
    st.divider()


def signoff(actor: Actor, area: dict, pack: ReviewPack, current: dict | None) -> None:
    """The pack's newest sign-off, and the form that marks it reviewed or reopens it (for
    those who may: the area's GO or an administrator)."""
    if flash := st.session_state.pop(FLASH, None):
        st.success(flash, icon=":material/task_alt:")
    icon, word, colour = SIGNOFF[current["state"] if current else None]
    if current:
        detail = f" by {escape(current['by'])} on {current['at']:%d %b %Y at %H:%M} UTC"
    else:
        detail = ": the Government Office has not signed off this half-year's pack yet"
    st.html(
        f'<div style="font-size:0.8rem;color:#505a5f">GO sign-off</div>'
        f'<div><span style="color:{colour};font-weight:600">{icon} {word}</span>{detail}</div>'
    )
    if current and current["note"]:
        st.html(
            '<p style="margin:0;padding:0.2rem 0.8rem;border-left:4px solid #b1b4b6;'
            f'white-space:pre-wrap">{escape(current["note"])}</p>'
        )
    if not access.can_sign_off_review(actor, area["region_code"]):
        st.caption(f"Only the {area['region_name']} or an administrator signs off this pack.")
        return
    reviewed = bool(current and current["state"] == "reviewed")
    with st.form("review_signoff", border=False, clear_on_submit=True):
        note = st.text_input(
            "Note (optional)", key="review_note", max_chars=500,
            placeholder="e.g. why it is reopened: revised figures to come"
            if reviewed
            else "e.g. discussed with the LSP on 12 November; NEET commentary to follow",
        )  # fmt: skip
        if reviewed:
            clicked = st.form_submit_button("Reopen", key="review_reopen", icon=":material/undo:")
        else:
            clicked = st.form_submit_button(
                "Mark as reviewed", type="primary", key="review_mark", icon=":material/task_alt:"
            )
    if not clicked:
        return
    try:
        store.mark_review(
            loaders.engine(), actor, area["area_code"], pack.review,
            state="reopened" if reviewed else "reviewed", note=note.strip() or None,
        )  # fmt: skip
    except (AccessDenied, store.RuleViolation) as exc:
        st.error(f"The sign-off was not recorded: {exc}", icon=":material/error:")
    else:
        st.session_state[FLASH] = "Pack reopened." if reviewed else "Pack marked as reviewed."
        st.rerun()


def downloads(pack: ReviewPack, area_code: str) -> None:
    st.markdown("**The pack, in one file**")
    name = f"review-{area_code}-{pack.review.isoformat()}"
    buttons = st.container(horizontal=True, gap="small")
    buttons.download_button(
        "Download review pack (Excel)", data=pack.excel_bytes, file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="review_xlsx", type="primary", icon=":material/download:",
    )  # fmt: skip
    buttons.download_button(
        "CSV", data=pack.csv_bytes, file_name=f"{name}.csv", mime="text/csv",
        key="review_csv", icon=":material/download:",
        help="One row per block: its self-assessment, status counts and reward forecast.",
    )  # fmt: skip
    st.caption("Excel: blocks, exceptions with commentary, reward forecast and an About sheet.")


def silent_exceptions(pack: ReviewPack) -> int:
    """Exceptions without commentary: commentary by exception is expected."""
    return int((pack.exceptions["commentary"] == NO_COMMENTARY).sum())


def reward_totals(pack: ReviewPack) -> tuple[object, object]:
    """The area's reward forecast and maximum: the sums of its blocks'."""
    return pack.blocks["reward_forecast_gbp"].sum(), pack.blocks["reward_maximum_gbp"].sum()


def headline(pack: ReviewPack) -> None:
    """Targets, exceptions, exceptions without commentary, reward forecast."""
    blocks, exceptions, silent = pack.blocks, pack.exceptions, silent_exceptions(pack)
    forecast, maximum = reward_totals(pack)
    cards = st.columns(4)
    cards[0].metric("Targets", int(blocks["targets"].sum()), border=True)
    cards[0].caption(
        f"{int(blocks['green'].sum())} on track · {int(blocks['amber'].sum())} behind · "
        f"{int(blocks['red'].sum())} off track"
    )
    cards[1].metric("Exceptions", exceptions.height, border=True)
    cards[1].caption("Targets off track or worsening")
    cards[2].metric("Exceptions without commentary", silent, border=True)
    cards[2].caption(
        "Commentary by exception is expected" if silent else "Every exception explained"
    )
    cards[3].metric("Reward forecast", money(forecast, short=True), border=True)
    cards[3].caption(
        f"of {money(maximum, short=True)} maximum"
        + (f" ({percent(float(forecast) / float(maximum))})" if maximum else "")
    )


def block_assessment(blocks: pl.DataFrame) -> None:
    """The three-axis self-assessment per block, as a static table."""
    st.subheader("Self-assessment by block")
    st.caption(
        f"Rated by the rules in {nav.help_link('block-assessment')} · performance: ≥ 75% of "
        "targets on track is good, more than 25% off track is poor · progress: (improving − "
        "worsening) / targets ≥ 0.2 is good, ≤ −0.2 is poor · risk: reward forecast ≥ 80% of "
        "the maximum is good, under 60% is poor."
    )
    forecast, maximum = (
        pl.col(c).cast(pl.Float64) for c in ("reward_forecast_gbp", "reward_maximum_gbp")
    )
    table = blocks.select(
        markdown_text("block_name").alias("Block"),
        *[
            status_expr(a, AXIS).str.replace_all(" ", NBSP, literal=True).alias(a.title())
            for a in AXES
        ],
        pl.col("targets").alias("Targets"),
        pl.col("green").alias("On track"),
        pl.col("amber").alias("Behind"),
        pl.col("red").alias("Off track"),
        pl.col("no_data").alias("No data"),
        forecast.alias("Reward forecast"),
        maximum.alias("Reward maximum"),
        (forecast / maximum).alias("Forecast of maximum"),
    )
    # A static table: a pack is read, not explored, and it fits the page without scrolling.
    st.table(
        coloured(table, {a.title(): AXIS_COLOURS for a in AXES})
        .format("£{:,.0f}", subset=["Reward forecast", "Reward maximum"], na_rep="–")
        .format("{:.0%}", subset=["Forecast of maximum"], na_rep="–"),
        hide_index=True,
    )


# The key of a block's expander of exceptions, before the area's and the block's codes.
BLOCK_EXCEPTIONS_KEY = "review_exceptions_"


def exceptions_with_commentary(pack: ReviewPack, targets: pl.DataFrame, area_code: str) -> None:
    """The exceptions, block by block, each with its commentary or a prompt to write it."""
    exceptions, silent = pack.exceptions, silent_exceptions(pack)
    st.subheader(f"Exceptions and commentary ({exceptions.height})")
    about = (
        "Targets off track or worsening, worst first within each block. Each should say why, "
        "and what will be done: the Government Office reviews by exception."
    )
    if exceptions.is_empty():
        st.caption(about)
        st.success("No target is off track or worsening.", icon=":material/check_circle:")
        return
    st.caption(f"{about} Open a block to read its exceptions; the pack's download holds all.")
    if silent:
        st.warning(
            f"{silent} of {exceptions.height} exceptions have no commentary yet. Ask their lead "
            "officers to add it before the pack goes to the Government Office.",
            icon=":material/warning:",
        )
    described = targets.select(
        "indicator_code", "decimals", "unit", "frequency", "period_basis"
    ).unique("indicator_code")
    shown = with_value_texts(
        exceptions.join(described, on="indicator_code", how="left"),
        "latest_value",
        "expected_value",
    ).with_columns(
        _period=period_label_expr("latest_period", "frequency", "period_basis").fill_null("–"),
    )
    listed = pack.blocks.filter(pl.col("block_code").is_in(shown["block_code"].implode()))
    for block in listed.iter_rows(named=True):
        rows = shown.filter(pl.col("block_code") == block["block_code"])
        missing = int((rows["commentary"] == NO_COMMENTARY).sum())
        # A block's cards are drawn only once it is opened (a rerun): a national area's
        # forty-odd exceptions made the page four screens long and most of its drawing.
        opened = st.expander(
            f"**{md(block['block_name'])}** · {rows.height} "
            f"exception{'s' if rows.height != 1 else ''}"
            + (f" · {missing} without commentary" if missing else ""),
            key=f"{BLOCK_EXCEPTIONS_KEY}{area_code}_{block['block_code']}",  # per area
            on_change="rerun",
        )
        if opened.open:
            with opened:
                for row in rows.iter_rows(named=True):
                    _exception(row, area_code)


def _exception(row: dict, area_code: str) -> None:
    # The link, then one element for status, figures, owner and commentary, as the overview's
    # cards: a card of columns was ten elements, and a national area's forty-odd exceptions
    # were most of the page's 470 elements and of its drawing in the browser.
    line = [
        components.status_badge(row["rag"]),
        f"{escape(row['latest_value_text'])} ({escape(row['_period'])}) vs "
        f"{escape(row['expected_value_text'])} expected",
    ]
    if row["direction"]:
        line.append(DIRECTION[row["direction"]])
    owner = escape(row["partnership"]) + (" · ★ reward target" if row["is_reward"] else "")
    if row["commentary"] == NO_COMMENTARY:  # commentary by exception is expected
        said = (
            f'<div class="laa-no-commentary" style="{WARNING_CSS}">⚠ <b>No commentary '
            "yet</b>: the lead officer should say why, and what will be done.</div>"
        )
    else:  # user-written: escaped, never run as HTML or Markdown
        said = f'<div class="laa-quote">{escape(row["commentary"])}</div>'
    with st.container(border=True, gap="small"):
        nav.link("indicator", indicator_label(row), indicator=row["indicator_code"])
        st.html(components.card_lines(line, owner) + said)
        if row["commentary"] == NO_COMMENTARY:  # to where it is written
            nav.commentary_link(
                row["indicator_code"], area_code, label="Add it on the indicator page"
            )


def reward_forecast(pack: ReviewPack) -> None:
    """The Performance Reward Grant per reward target: share, forecast, range, status."""
    forecast, maximum = reward_totals(pack)
    st.subheader("Reward forecast")
    st.caption(
        "Performance Reward Grant per reward target: the share it can earn, the forecast and "
        f"its 80% range. In all {money(forecast)} forecast of {money(maximum)} maximum."
    )
    names = pack.blocks.select("block_code", pl.col("block_name").alias("Block"))
    pounds = {
        "reward_share_gbp": "Share", "reward_forecast_gbp": "Forecast",
        "forecast_low_gbp": "Low (80%)", "forecast_high_gbp": "High (80%)",
    }  # fmt: skip
    reward = pack.reward.join(names, on="block_code", how="left").select(
        markdown_text("Block"),
        pl.format("**{}** {}", markdown_text("indicator_code"), markdown_text("indicator_name"))
        .alias("Indicator"),
        pl.col("basis")
        .replace_strict(BASIS, default=pl.col("basis").str.to_titlecase())
        .alias("Basis"),
        pl.col("achieved_fraction").cast(pl.Float64).alias("Achieved of stretch"),
        *(pl.col(column).cast(pl.Float64).alias(label) for column, label in pounds.items()),
        status_expr("reward_status", REWARD_STATUS)
        .str.replace_all(" ", NBSP, literal=True)
        .alias("Status"),
        pl.when(pl.col("cliff_edge"))
        .then(pl.lit("⚠ yes"))
        .otherwise(pl.lit(""))
        .alias("Cliff edge"),
    )  # fmt: skip
    palette = {t.replace(" ", NBSP): c for t, c in words(REWARD_STATUS).items()}
    st.table(
        coloured(reward, {"Status": palette})
        .format("£{:,.0f}", subset=list(pounds.values()), na_rep="–")
        .format("{:.0%}", subset=["Achieved of stretch"], na_rep="–"),
        hide_index=True,
    )
    if reward.is_empty():
        st.caption("This area's agreement has no reward targets.")
