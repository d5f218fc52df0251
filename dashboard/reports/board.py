"""What the board looks at first: exceptions, the cliff edge, changes since last quarter.

Pure functions over an assessment's frames (no Streamlit, no SQL), shared by the pages and,
later, the board pack and GO returns.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

import polars as pl

from dashboard.formatting import format_value, money
from dashboard.metrics import period_label_expr

RAG_ORDER = {"red": 0, "amber": 1, "green": 2}


def previous_quarter_end(as_at: date) -> date:
    """The end of the quarter before the one `as_at` falls in (the last board meeting's view)."""
    first_month = 3 * ((as_at.month - 1) // 3) + 1
    return date(as_at.year, first_month, 1) - timedelta(days=1)


def commentary_text() -> pl.Expr:
    """A comment as one text: why, then what is being done (when the officer said)."""
    action = pl.col("action")
    return (
        pl.when(action.is_not_null() & (action != ""))
        .then(pl.format("{}\nWhat is being done: {}", pl.col("text"), action))
        .otherwise(pl.col("text"))
    )


def latest_commentary(commentary: pl.DataFrame, as_at: date) -> pl.DataFrame:
    """The newest officer commentary per area × indicator about a period that exists at
    `as_at` (board comments are the board's questions, not the lead officer's explanation)."""
    if "kind" in commentary.columns:
        commentary = commentary.filter(pl.col("kind") == "officer")
    if "action" not in commentary.columns:
        commentary = commentary.with_columns(action=pl.lit(None, pl.Utf8))
    return (
        commentary.filter(pl.col("period").is_null() | (pl.col("period") <= as_at))
        .sort("recorded_at", descending=True, maintain_order=True)
        .group_by("area_code", "indicator_code", maintain_order=True)
        .first()
        .select(
            "area_code",
            "indicator_code",
            commentary_text().alias("commentary"),
            pl.col("author").alias("commentary_author"),
            pl.col("recorded_at").alias("commentary_at"),
            pl.col("period").alias("commentary_period"),
        )
    )


COMMENTARY_KIND_WORDS = {"officer": "Officer commentary", "board": "Board comment"}


def commentary_history(
    commentary: pl.DataFrame, indicator_code: str, as_at: date, target: dict
) -> pl.DataFrame:
    """Every comment on one indicator about a period that exists at `as_at` (and general
    ones), newest first, each labelled with its period and kind."""
    if "action" not in commentary.columns:
        commentary = commentary.with_columns(action=pl.lit(None, pl.Utf8))
    if "kind" not in commentary.columns:
        commentary = commentary.with_columns(kind=pl.lit("officer"))
    return (
        commentary.filter(
            (pl.col("indicator_code") == indicator_code)
            & (pl.col("period").is_null() | (pl.col("period") <= as_at))
        )
        .sort("recorded_at", descending=True, maintain_order=True)
        .with_columns(
            frequency=pl.lit(target["frequency"]),
            period_basis=pl.lit(target.get("period_basis")),
        )
        .with_columns(
            period_label=period_label_expr("period", "frequency", "period_basis").fill_null(
                "General"
            ),
            kind_label=pl.col("kind").replace_strict(COMMENTARY_KIND_WORDS, default=pl.col("kind")),
            said=commentary_text(),
        )
        .select("period", "period_label", "kind", "kind_label", "said", "author", "recorded_at")
    )


def exceptions(targets: pl.DataFrame, commentary: pl.DataFrame, as_at: date) -> pl.DataFrame:
    """Targets off track (red) or worsening, worst first, with their latest commentary."""
    return (
        targets.filter((pl.col("rag") == "red") | (pl.col("direction") == "worsening"))
        .join(latest_commentary(commentary, as_at), on=["area_code", "indicator_code"], how="left")
        .with_columns(
            _rank=pl.col("rag").replace_strict(RAG_ORDER, default=3, return_dtype=pl.Int8),
            _worse=(pl.col("direction") == "worsening").fill_null(False),
        )
        .sort(
            ["_rank", "_worse", "is_reward", "gap", "block_order"],
            descending=[False, True, True, True, False],
            nulls_last=True,
        )
        .drop("_rank", "_worse")
    )


def reported_targets(targets: pl.DataFrame, partnerships: set[str] | None) -> pl.DataFrame:
    """The targets owned by the given partnerships (None: every target), for "my targets"."""
    if partnerships is None:
        return targets
    return targets.filter(pl.col("partnership").is_in(sorted(partnerships)))


def reward_share_total(targets: pl.DataFrame) -> Decimal:
    """The sum of the reward shares of these targets' reward targets: the part of the area's
    maximum grant they carry (a department's own maximum)."""
    shares = targets.filter(pl.col("is_reward").fill_null(False))["reward_share_gbp"]
    return sum((Decimal(str(v)) for v in shares.drop_nulls().to_list()), Decimal(0))


def department_label(codes: Iterable[str], departments: pl.DataFrame, on: date) -> str:
    """The departments' names as they were `on` that date (e.g. "Home Office"), for headings."""
    names = []
    for code in sorted(codes):
        rows = departments.filter(pl.col("code") == code)
        held = rows.filter(
            (pl.col("valid_from").is_null() | (pl.col("valid_from") <= on))
            & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= on))
        )
        names.append(str((held if held.height else rows)["name"][0]) if rows.height else code)
    return " and ".join(names)


def cliff_edge(targets: pl.DataFrame) -> pl.DataFrame:
    """Reward targets forecast at 50–60% of their stretch, most at stake first (DOMAIN §8)."""
    return targets.filter(pl.col("cliff_edge").fill_null(False)).sort(
        "at_stake_gbp", "achieved_fraction", descending=[True, True]
    )


def status_counts(targets: pl.DataFrame) -> dict[str | None, int]:
    """How many targets are green, amber, red and without data."""
    counts = targets.group_by("rag").len()
    found = dict(zip(counts["rag"].to_list(), counts["len"].to_list(), strict=True))
    return {key: int(found.get(key, 0)) for key in ("green", "amber", "red", None)}


def status_change(current: pl.DataFrame, previous: pl.DataFrame) -> dict[str | None, int]:
    """Change in each status count since an earlier assessment of the same targets."""
    now, before = status_counts(current), status_counts(previous)
    return {key: now[key] - before[key] for key in now}


def block_summary(targets: pl.DataFrame, blocks: pl.DataFrame) -> pl.DataFrame:
    """Per block: name, order, status counts and the three-axis self-assessment (DOMAIN §8)."""
    names = targets.group_by("block_code").agg(
        pl.col("block_name").first(),
        pl.col("block_order").first(),
        green=(pl.col("rag") == "green").sum().cast(pl.Int64),
        amber=(pl.col("rag") == "amber").sum().cast(pl.Int64),
        red=(pl.col("rag") == "red").sum().cast(pl.Int64),
        no_data=pl.col("rag").is_null().sum().cast(pl.Int64),
        targets=pl.len().cast(pl.Int64),
        reward_targets=pl.col("is_reward").sum().cast(pl.Int64),
    )
    axes = blocks.select("block_code", "performance", "progress", "risk")
    return names.join(axes, on="block_code", how="left").sort("block_order")


def _stretch_text(without: float | None, stretched: float | None, decimals: int, unit: str) -> str:
    if without is None or stretched is None:
        return "–"
    size = abs(stretched - without)
    if unit == "%":  # a difference of percentages is in points, not per cent
        return f"{size:,.{decimals}f} percentage points"
    return format_value(size, decimals, unit)


def reward_explanation(row: dict) -> str:
    """The reward maths of one reward target in words and numbers (DOMAIN §5).

    e.g. "At 7.3 (the 2007/08 actual) the target achieves 64% of its stretch: £267,857 of £416,667."
    """
    if not row.get("is_reward"):
        return "This is not a reward target: it carries no Performance Reward Grant."
    d, unit = int(row.get("decimals") or 0), str(row.get("unit") or "")

    w, s = row.get("without_reward_value"), row.get("target_value")
    share = money(row.get("reward_share_gbp"))
    basis = row.get("basis")
    head = (
        f"Without reward {format_value(w, d, unit)}, stretched target {format_value(s, d, unit)}: the stretch is "
        f"{_stretch_text(w, s, d, unit)}. "
    )
    if basis == "invalid":
        return head + (
            "The stretched figure equals the without-reward figure, so there is no stretch to "
            "achieve: the target is invalid and earns no reward until it is corrected."
        )
    if basis == "none":
        return (
            head
            + "There is no actual or forecast yet: at least three actuals are needed to forecast."
        )
    fraction = row.get("achieved_fraction")
    pct = "–" if fraction is None else f"{fraction * 100:.0f}%"
    value = format_value(row.get("assessed_value"), d, unit)
    if basis == "actual":
        text = f"At {value} (the actual for the target period) the target achieves {pct} of its stretch"
    else:
        text = f"At the forecast {value} the target would achieve {pct} of its stretch"
    paid = row.get("paid_fraction") or 0
    if paid == 0:
        text += f", below the 60% threshold: £0 of {share}."
    else:
        text += f": {money(row.get('reward_gbp'))} of {share}."
    if basis == "forecast" and row.get("forecast_reward_low_gbp") is not None:
        text += (
            f" Within the forecast's 80% range the reward would be "
            f"{money(row.get('forecast_reward_low_gbp'))} to {money(row.get('forecast_reward_high_gbp'))}."
        )
    return head + text


def status_counts_row(targets: pl.DataFrame) -> dict[str, int]:
    """Status counts keyed like `block_summary` columns (green, amber, red, no_data)."""
    counts = status_counts(targets)
    return {
        "green": counts["green"],
        "amber": counts["amber"],
        "red": counts["red"],
        "no_data": counts[None],
    }
