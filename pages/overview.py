"""LSP overview: an area's headline figures and every target's position, for the board."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard.metrics import period_label_expr
from dashboard.ui import components, loaders, state
from dashboard.ui.format import direction_expr, money, status_expr, value_expr

areas = loaders.areas()
if areas.is_empty():
    st.title("LSP overview")
    components.empty_state(
        "There are no areas in this database yet. Load the demo with `laa seed demo`, or import "
        "your own: `laa import indicators FILE`, `laa import areas FILE`, `laa import targets FILE`, "
        "`laa import actuals FILE` (see the README for the file formats)."
    )
    st.stop()

settings = loaders.business_settings()
area_code = state.area_picker(areas)
as_at = state.as_at_picker(settings["today"])  # type: ignore[arg-type]
area = areas.filter(pl.col("area_code") == area_code).row(0, named=True)
result = loaders.assessment(area_code, as_at)
targets = result.targets
agreement = result.scope.agreements.row(0, named=True) if result.scope.agreements.height else None

st.title(f"{area['area_name']} LSP overview")
if agreement:
    signed = (
        f"signed {agreement['signed_date']:%d %b %Y}"
        if agreement["status"] == "signed"
        else "draft"
    )
    st.caption(
        f"{area['region_name']} · {area['la_type'].replace('_', ' ')} · Local Area Agreement "
        f"{agreement['agreement_start']:%b %Y} – {agreement['agreement_end']:%b %Y} ({signed}) · "
        f"position as at {as_at:%d %B %Y}"
    )

if targets.is_empty():
    components.empty_state(
        "This area has no targets yet. Import them with `laa import targets FILE`."
    )
    st.stop()

summary = result.areas.row(0, named=True)
cards = st.columns(4)
for column, rag, caption in zip(
    cards,
    ["green", "amber", "red", None],
    [
        "at or ahead of trajectory",
        "slightly behind, or forecast to hit",
        "behind trajectory",
        "no actual yet",
    ],
    strict=True,
):
    count = summary["no_data"] if rag is None else summary[rag]
    with column:
        components.status_card(rag, int(count), caption)

st.write("")
reward_col, ppg_col, stake_col = st.columns(3)
maximum = summary["max_prg_gbp"]
share = float(summary["prg_gbp"]) / float(maximum) if maximum else None
reward_col.metric(
    "Performance Reward Grant forecast",
    money(summary["prg_gbp"], short=True),
    help="Actual reward where the target period's figure is in, else the forecast (DOMAIN §5). "
    "Range: the forecast's 80% interval.",
    border=True,
)
reward_col.caption(
    f"of {money(maximum, short=True)} maximum"
    + (f" ({share:.0%})" if share is not None else "")
    + f" · range {money(summary['prg_low_gbp'], short=True)} – "
    f"{money(summary['prg_high_gbp'], short=True)} · {summary['reward_targets']} reward targets"
)
ppg_col.metric(
    "Pump-priming grant",
    money(summary["ppg_gbp"], short=True),
    help="Paid up front on signing: £750,000 + £1 per head unless the agreement says otherwise.",
    border=True,
)
stake_col.metric(
    "Cliff edge",
    f"{summary['cliff_edge']} targets",
    help="Reward targets forecast at 50–60% of their stretch: reaching 60% pays 60% of the share.",
    border=True,
)
stake_col.caption(f"{money(summary['at_stake_gbp'], short=True)} at stake if they reach 60%")

st.subheader("Targets")
table = (
    targets.sort("block_order", "partnership", "indicator_code")
    .with_columns(
        latest=value_expr("latest_value"),
        expected=value_expr("expected_value"),
        period=period_label_expr("latest_period", "frequency", "period_basis").fill_null("–"),
        status=status_expr("rag"),
        travel=direction_expr("direction"),
        reward=pl.when(pl.col("is_reward")).then(pl.lit("★ reward")).otherwise(pl.lit("")),
        forecast_reward=pl.col("forecast_reward_gbp").cast(pl.Float64),
    )
    .select(
        pl.col("status").alias("Status"),
        pl.col("block_code").alias("Block"),
        pl.col("indicator_code").alias("Code"),
        pl.col("indicator_name").alias("Indicator"),
        pl.col("latest").alias("Latest"),
        pl.col("period").alias("Period"),
        pl.col("expected").alias("Expected"),
        pl.col("travel").alias("Direction"),
        pl.col("reward").alias("Type"),
        pl.col("forecast_reward").alias("Reward forecast £"),
        pl.col("partnership").alias("Thematic partnership"),
    )
)
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    height=min(38 + 35 * table.height, 720),
    column_config={
        "Status": st.column_config.TextColumn(
            width="small", help="Latest actual against the trajectory (DOMAIN §8)"
        ),
        "Block": st.column_config.TextColumn(width=60),
        "Code": st.column_config.TextColumn(width=80),
        "Indicator": st.column_config.TextColumn(width=300),
        "Expected": st.column_config.TextColumn(help="Where the trajectory says it should be"),
        "Reward forecast £": st.column_config.NumberColumn(
            format="localized", help="Reward this target is forecast to earn (reward targets only)"
        ),
        "Direction": st.column_config.TextColumn(
            help="Latest vs previous actual, judged by the indicator's polarity (↗ = better)"
        ),
    },
)
components.table_downloads(
    targets.select(
        "area_code",
        "block_code",
        "partnership",
        "indicator_code",
        "indicator_name",
        "is_reward",
        "latest_period",
        "latest_value",
        "expected_value",
        "rag",
        "direction",
        "forecast_value",
        pl.col("forecast_reward_gbp").cast(pl.Float64),
    ),
    f"targets-{area_code}-{as_at.isoformat()}",
    key="targets",
)
