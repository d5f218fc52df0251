"""Period data entry ("My updates"): what a user should report, checking it, saving it.

The hard rules are the importer's (`importer.validate`, one shared module); the grid adds two
soft ones (DOMAIN §6): a value outside the indicator's plausible range needs an explicit
confirmation, and commentary is required where a value is worse than its trajectory
(exception reporting). Saving writes every row in one transaction, or none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import Engine

from dashboard import access, db, metrics, store
from dashboard.access import Actor
from dashboard.analysis import Assessment
from dashboard.importer import validate
from dashboard.metrics.periods import period_label_expr
from dashboard.store import WriteSummary

GRID_COLUMNS = (
    "indicator_code", "indicator_name", "period", "period_label", "state", "last_value",
    "last_entered", "expected_value", "value", "status", "data_quality", "note", "commentary",
)  # fmt: skip


def writable_targets(result: Assessment, actor: Actor) -> pl.DataFrame:
    """The area's targets whose values the actor may record (all for officers and admins)."""
    targets = result.targets
    if targets.is_empty():
        return targets
    area = targets["area_code"][0]
    own = access.writable_partnerships(actor, area)
    if own is None:
        return targets
    return targets.filter(pl.col("partnership").is_in(sorted(own)))


def entry_grid(result: Assessment, actor: Actor) -> pl.DataFrame:
    """One row per value to report: every ended period without a value (open, due, overdue)
    of the actor's targets, oldest first, with the last value and the expected one."""
    mine = writable_targets(result, actor)
    missing = result.missing.join(mine.select("target_id"), on="target_id")
    if missing.is_empty():
        return pl.DataFrame(schema=_grid_schema())
    expected = metrics.expected_values(
        result.scope.targets, result.scope.milestones, missing.select("target_id", "period")
    )
    return (
        missing.join(
            expected.select("target_id", "period", "expected_value"), on=["target_id", "period"]
        )
        .join(
            mine.select(
                "target_id",
                "indicator_code",
                "indicator_name",
                "frequency",
                "period_basis",
                pl.col("latest_period_value").alias("last_value"),
                "block_order",
                pl.col("last_updated").dt.strftime("%d %b %Y").alias("last_entered"),
            ),
            on="target_id",
        )
        .with_columns(
            period_label=period_label_expr("period", "frequency", "period_basis"),
            value=pl.lit(None, dtype=pl.Float64),
            status=pl.lit("provisional"),
            data_quality=pl.lit("checked"),
            note=pl.lit(None, dtype=pl.Utf8),
            commentary=pl.lit(None, dtype=pl.Utf8),
        )
        .sort(
            pl.col("state").replace_strict(
                {"overdue": 0, "due": 1, "open": 2}, return_dtype=pl.Int8
            ),
            "block_order",
            "indicator_code",
            "period",
        )
        .select(GRID_COLUMNS)
    )


def _grid_schema() -> dict[str, Any]:
    return {
        "indicator_code": pl.Utf8, "indicator_name": pl.Utf8, "period": pl.Date,
        "period_label": pl.Utf8, "state": pl.Utf8, "last_value": pl.Float64, "last_entered": pl.Utf8,
        "expected_value": pl.Float64, "value": pl.Float64, "status": pl.Utf8,
        "data_quality": pl.Utf8, "note": pl.Utf8, "commentary": pl.Utf8,
    }  # fmt: skip


@dataclass
class EntryCheck:
    """The outcome of checking a grid: rows to save, hard errors, soft warnings."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    commentary: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    implausible: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()


def check_entries(
    engine: Engine, actor: Actor, result: Assessment, edited: pl.DataFrame, today: date
) -> EntryCheck:
    """Check the rows where a value was typed: the importer's hard rules, then the soft ones."""
    check = EntryCheck()
    # The editor may hand dates back as datetimes and numbers as text: normalise first.
    edited = edited.with_columns(
        pl.col("period").cast(pl.Date), pl.col("value").cast(pl.Float64, strict=False)
    )
    filled = edited.with_row_index("grid_row", offset=1).filter(pl.col("value").is_not_null())
    if filled.is_empty():
        return check
    area = result.targets["area_code"][0]
    frame = pl.DataFrame(
        {
            "area_code": [area] * filled.height,
            "indicator_code": filled["indicator_code"].to_list(),
            "period": [p.isoformat() if p else "" for p in filled["period"].to_list()],
            "value": [_text(v) for v in filled["value"].to_list()],
            "status": [_text(v) for v in filled["status"].to_list()],
            "data_quality": [_text(v) for v in filled["data_quality"].to_list()],
            "note": [_text(v) for v in filled["note"].to_list()],
        }
    )
    parsed, errors = validate(frame, "actuals", store.reference_codes(engine), today, first_line=1)
    # Report grid rows (the grid's own numbering), not positions among the filled rows.
    numbers = filled["grid_row"].to_list()
    check.errors = [_renumber(e, numbers) for e in errors]
    targets = result.targets.select(
        "indicator_code", "polarity", "plausible_min", "plausible_max", "unit", "decimals"
    )
    by_code = {r["indicator_code"]: r for r in targets.iter_rows(named=True)}
    for grid_row, row, typed in zip(numbers, parsed, filled.iter_rows(named=True), strict=True):
        meta = by_code.get(row["indicator_code"], {})
        value = row.get("value")
        if value is None:
            continue
        low, high = meta.get("plausible_min"), meta.get("plausible_max")
        if (low is not None and value < low) or (high is not None and value > high):
            check.implausible.append(
                f"row {grid_row}, {row['indicator_code']}: {store.bare(value)} is outside the "
                f"plausible range {store.bare(low)}–{store.bare(high)}"
            )
        expected = typed.get("expected_value")
        worse = expected is not None and (
            value < expected if meta.get("polarity") == "higher" else value > expected
        )
        comment = (typed.get("commentary") or "").strip()
        if worse and not comment:
            check.errors.append(
                f"row {grid_row}, column commentary: {row['indicator_code']} at {store.bare(value)} "
                f"is behind its trajectory ({store.bare(round(expected, 4))} expected): say why "
                "and what will be done"
            )
        # The grid lists periods without a value: if one appears meanwhile, that is a conflict.
        check.rows.append(row | {"source": "data entry", "expected_revision": 0})
        if comment:
            check.commentary.append(
                {"area_code": area, "indicator_code": row["indicator_code"],
                 "period": row["period"], "text": comment}
            )  # fmt: skip
    return check


def _renumber(message: str, numbers: list[int]) -> str:
    """`row 2, ...` (position among typed rows) -> the grid's own row number."""
    if message.startswith("row "):
        head, _, rest = message[4:].partition(",")
        if head.isdigit() and 1 <= int(head) <= len(numbers):
            return f"row {numbers[int(head) - 1]},{rest}"
    return message


def save_entries(engine: Engine, actor: Actor, check: EntryCheck) -> WriteSummary:
    """Write every checked value and comment in one transaction (or nothing)."""
    if not check.ok:
        raise ValueError("the entries have errors: nothing was saved")
    with db.write_transaction(engine) as conn:
        summary = store.save_actuals(conn, actor, check.rows, default_reason="data entry")
        if check.commentary:
            store.add_commentary(conn, actor, check.commentary)
    return summary


TEMPLATE_COLUMNS = (
    "area_code",
    "indicator_code",
    "period",
    "value",
    "status",
    "data_quality",
    "note",
)


def template_workbook(result: Assessment, actor: Actor) -> bytes:
    """An Excel template of the values to report: sheet 1 is an `actuals` import file with the
    keys filled in and the values empty; sheet 2 is a guide (names, last and expected values)."""
    import io

    import xlsxwriter

    grid = entry_grid(result, actor)
    area = result.targets["area_code"][0] if result.targets.height else ""
    sheet = grid.select(
        pl.lit(area).alias("area_code"),
        "indicator_code",
        pl.col("period").cast(pl.Utf8),
        pl.lit(None, dtype=pl.Utf8).alias("value"),
        "status",
        "data_quality",
        pl.lit(None, dtype=pl.Utf8).alias("note"),
    )
    guide = grid.select(
        pl.col("indicator_code").alias("Code"),
        pl.col("indicator_name").alias("Indicator"),
        pl.col("period_label").alias("Period"),
        pl.col("state").alias("State"),
        pl.col("last_value").alias("Last value"),
        pl.col("expected_value").round(4).alias("Expected"),
    )
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer) as workbook:
        sheet.write_excel(workbook, worksheet="Values", autofit=True)
        guide.write_excel(workbook, worksheet="Guide", autofit=True)
    return buffer.getvalue()


def filled_rows(path, out):  # type: ignore[no-untyped-def]
    """The uploaded template as an `actuals` CSV at `out`, every row kept so that messages name
    the template's own rows; import it with `skip_empty_values=True` (rows left blank are the
    ones not reported this time)."""
    from dashboard.importer import read_table

    read_table(path).write_csv(out)
    return out


def upload_preview(engine: Engine, result: Assessment, path) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    """The uploaded values beside the current ones (the diff shown before committing)."""
    from dashboard.importer import read_table

    uploaded = read_table(path).filter(pl.col("value") != "")
    current = result.scope.actuals.join(
        result.targets.select("target_id", "indicator_code"), on="target_id"
    ).select("indicator_code", pl.col("period").cast(pl.Utf8), pl.col("value").alias("current"))
    return (
        uploaded.with_columns(pl.col("period").str.slice(0, 10))
        .join(current, on=["indicator_code", "period"], how="left")
        .with_columns(
            change=pl.when(pl.col("current").is_null())
            .then(pl.lit("new"))
            .when(pl.col("value").cast(pl.Float64, strict=False) == pl.col("current"))
            .then(pl.lit("same"))
            .otherwise(pl.lit("correction"))
        )
    )


def correct_value(
    engine: Engine,
    actor: Actor,
    *,
    area_code: str,
    indicator_code: str,
    period: date,
    value: float,
    status: str,
    data_quality: str | None,
    reason: str,
    seen_revision: int,
    today: date,
) -> WriteSummary:
    """A correction adds a revision with its reason (nothing is overwritten). Refused when the
    reason is missing, the importer's rules fail, or someone saved since `seen_revision`."""
    if not reason.strip():
        raise ValueError("a correction needs a reason")
    frame = pl.DataFrame(
        {
            "area_code": [area_code],
            "indicator_code": [indicator_code],
            "period": [period.isoformat()],
            "value": [repr(float(value))],
            "status": [status],
            "data_quality": [data_quality or ""],
            "note": [reason.strip()],
        }
    )
    rows, errors = validate(frame, "actuals", store.reference_codes(engine), today, first_line=1)
    if errors:
        raise ValueError("; ".join(e.removeprefix("row 1, ") for e in errors))
    row = rows[0] | {"expected_revision": seen_revision, "source": "correction"}
    with db.write_transaction(engine) as conn:
        return store.save_actuals(conn, actor, [row], default_reason=reason.strip())
