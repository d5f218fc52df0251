"""The reporting burden: data items a year sent upward with and without the LAA (DOMAIN §8).

Counting rule: each indicator × recipient line sends its frequency's items a year (monthly
12, quarterly 4, termly 3, annual 1, biennial 1/2, triennial 1/3). Without the LAA every
line counts; with it, lines that stop or are replaced once the LAA is signed do not. With the
dashboard each figure is entered once, at the most frequent continuing line's frequency, and
every return is built from it ("collect once, use many times"): the rest are items saved by
reporting once.

Items are kept as exact sixths of an item (the least common multiple of the frequencies'
denominators) in integers, so the sums are exact; the ``*_items`` columns divide by 6 at the end.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

__all__ = [
    "BURDEN_COLUMNS",
    "ITEMS_PER_YEAR",
    "UPWARD",
    "burden",
    "indicator_burden",
    "upward",
]

# Upward (vertical) recipients; the LSP board is the partnership itself (horizontal).
UPWARD = ("department", "go", "regulator")

ITEMS_PER_YEAR = {
    "monthly": 12.0,
    "quarterly": 4.0,
    "termly": 3.0,
    "annual": 1.0,
    "biennial": 0.5,
    "triennial": 1 / 3,
}
_SIXTHS = {k: round(v * 6) for k, v in ITEMS_PER_YEAR.items()}

BURDEN_COLUMNS = (
    "indicators",  # indicator × area pairs counted (indicators, for the framework view)
    "lines_before",  # reporting lines without the LAA
    "lines_after",  # lines that continue once the LAA is signed
    "items_before",  # data items a year without the LAA
    "items_after",  # data items a year with the LAA (still sent upward)
    "items_removed",  # before − after: what the LAA stopped or replaced
    "items_once",  # items entered once into the dashboard
    "items_saved_by_once",  # after − once: duplicates the one dataset serves
    "duplicated_before",  # indicators going to two or more recipients without the LAA
    "duplicated_after",  # ... and with it
)


def upward(lines: pl.DataFrame) -> pl.DataFrame:
    """The lines that go upward: to departments, the GO and regulators."""
    return lines.filter(pl.col("recipient_type").is_in(UPWARD))


def indicator_burden(lines: pl.DataFrame) -> pl.DataFrame:
    """One row per indicator: lines, items (in sixths) before/after/once and duplication.

    ``lines`` needs ``indicator_code, recipient_type, recipient_code, frequency, laa_status``.
    A recipient is counted once per indicator and frequency, even if it names two returns.
    """
    unknown = set(lines["frequency"].unique().to_list()) - set(_SIXTHS)
    if unknown:
        raise ValueError(f"unknown frequency {', '.join(sorted(map(str, unknown)))}")
    sixths = pl.col("frequency").replace_strict(_SIXTHS, return_dtype=pl.Int64)
    continues = pl.col("laa_status") == "continues"
    per_line = lines.select(
        "indicator_code",
        "recipient_type",
        "recipient_code",
        "return_name",
        sixths=sixths,
        continues=continues,
    )
    recipients = pl.struct("recipient_type", "recipient_code")
    # A stream is indicator × recipient × frequency: two returns carrying the same figure to
    # the same recipient at the same frequency send it once.
    stream = ["indicator_code", "recipient_type", "recipient_code", "sixths"]
    before = (
        per_line.unique(stream).group_by("indicator_code").agg(sixths_before=pl.col("sixths").sum())
    )
    after = (
        per_line.filter(pl.col("continues"))
        .unique(stream)
        .group_by("indicator_code")
        .agg(sixths_after=pl.col("sixths").sum(), sixths_once=pl.col("sixths").max())
    )
    counts = per_line.group_by("indicator_code").agg(
        lines_before=pl.len().cast(pl.Int64),
        lines_after=pl.col("continues").sum().cast(pl.Int64),
        recipients_before=recipients.n_unique().cast(pl.Int64),
        recipients_after=recipients.filter(pl.col("continues")).n_unique().cast(pl.Int64),
    )
    return (
        counts.join(before, on="indicator_code", how="left")
        .join(after, on="indicator_code", how="left")
        .with_columns(pl.col("sixths_after", "sixths_once").fill_null(0))
    )


def burden(
    lines: pl.DataFrame, reported: pl.DataFrame | None = None, by: Sequence[str] = ()
) -> pl.DataFrame:
    """Sum the burden by ``by`` columns.

    ``reported`` (one row per area × indicator an area reports, with the ``by`` columns) turns
    the framework count into an area count; without it each indicator counts once (its
    ``by`` columns, e.g. ``block_code``, must then be on ``lines``).
    """
    per_indicator = indicator_burden(lines)
    if reported is None:
        keys = lines.select("indicator_code", *by).unique("indicator_code")
        rows = per_indicator.join(keys, on="indicator_code", how="inner")
    else:
        rows = reported.select("indicator_code", *by).join(
            per_indicator, on="indicator_code", how="inner"
        )
    six = pl.lit(6.0)
    sums = (rows.group_by(*by) if by else rows.group_by(pl.lit(True).alias("_all"))).agg(
        indicators=pl.len().cast(pl.Int64),
        lines_before=pl.col("lines_before").sum(),
        lines_after=pl.col("lines_after").sum(),
        _before=pl.col("sixths_before").sum(),
        _after=pl.col("sixths_after").sum(),
        _once=pl.col("sixths_once").sum(),
        duplicated_before=(pl.col("recipients_before") >= 2).sum().cast(pl.Int64),
        duplicated_after=(pl.col("recipients_after") >= 2).sum().cast(pl.Int64),
    )
    out = sums.with_columns(
        items_before=pl.col("_before") / six,
        items_after=pl.col("_after") / six,
        items_removed=(pl.col("_before") - pl.col("_after")) / six,
        items_once=pl.col("_once") / six,
        items_saved_by_once=(pl.col("_after") - pl.col("_once")) / six,
    ).select(*by, *BURDEN_COLUMNS)
    return out.sort(*by) if by else out
