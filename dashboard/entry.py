"""Period data entry ("My updates"): what a user should report, checking it, saving it.

The hard rules are the importer's (`importer.validate`, one shared module); the grid and the
uploaded Excel template add the same soft ones (DOMAIN §6): a value outside the indicator's
plausible range, or far better than both its trajectory and the previous value, needs an
explicit confirmation, and commentary is required where a value is worse than its trajectory
(exception reporting). Saving writes every row in one transaction, or none.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Engine, select

from dashboard import access, db, metrics, store
from dashboard.access import AccessDenied, Actor
from dashboard.analysis import Assessment
from dashboard.formatting import SCIENTIFIC_FROM, format_value
from dashboard.importer import ImportResult, UnreadableFile, import_file, read_table, validate
from dashboard.metrics.periods import period_label_expr
from dashboard.metrics.status import RATIO_DECIMALS, gap_denominator_expr
from dashboard.store import WriteSummary
from data_models import User

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
            value=pl.lit(None, dtype=pl.Utf8),  # text: what was typed, parsed as a file's cell
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
        "expected_value": pl.Float64, "value": pl.Utf8, "status": pl.Utf8,
        "data_quality": pl.Utf8, "note": pl.Utf8, "commentary": pl.Utf8,
    }  # fmt: skip


# How far ahead a value must be, as a share of the gap's denominator abs(target - baseline),
# before it asks for a confirmation (see `far_better`).
FAR_BETTER_SHARE = 0.5


@dataclass
class EntryCheck:
    """The outcome of checking entries: rows to save, hard errors, values to confirm."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    commentary: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    implausible: list[str] = field(default_factory=list)
    far_better: list[str] = field(default_factory=list)
    # Beside each of `rows`: how a conflict message names it ("Row 2 (NI 111, quarter to ...)").
    places: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def to_confirm(self) -> list[str]:
        """Values saved only once the user ticks that they checked them."""
        return self.implausible + self.far_better


def far_better(
    value: float,
    expected: float | None,
    previous: float | None,
    polarity: str,
    denominator: float,
) -> bool:
    """The third soft rule, on the grid and the upload alike: a value better than its expected
    value by more than `FAR_BETTER_SHARE` (half) of the gap's denominator, and better than the
    previous value by more than that too, is more often a slip (7 typed for 27) than a leap, so
    it needs a confirmation. Without a previous value the trajectory alone decides."""
    if expected is None or denominator == 0:
        return False
    sign = 1.0 if polarity == "higher" else -1.0

    def ahead(reference: float) -> float:  # rounded like the gap ratios (metrics.status)
        return round(sign * (value - reference) / denominator, RATIO_DECIMALS)

    if ahead(expected) <= FAR_BETTER_SHARE:
        return False
    return previous is None or ahead(previous) > FAR_BETTER_SHARE


def entry_context(result: Assessment, entries: pl.DataFrame) -> pl.DataFrame:
    """Each entry (`indicator_code, period, value`) with what the soft rules compare it with:
    the plausible range, the expected value, the previous value (the latest before that
    period) and the tracked value (for a cumulative target the running total it makes)."""
    targets = result.targets.select(
        "target_id", "indicator_code", "polarity", "decimals", "plausible_min", "plausible_max",
        "measure", "agreement_start", denominator=gap_denominator_expr(),
    )  # fmt: skip
    rows = entries.with_row_index("_entry").join(
        targets, on="indicator_code", how="left", maintain_order="left"
    )
    rows = metrics.expected_values(
        result.scope.targets, result.scope.milestones, rows.select("_entry", "target_id", "period")
    ).join(rows, on=["_entry", "target_id", "period"])
    earlier = (
        rows.select("_entry", "target_id", "period", "agreement_start")
        .join(
            result.scope.actuals.select(
                "target_id", pl.col("period").alias("_p"), pl.col("value").alias("_v")
            ),
            on="target_id",
        )
        .filter(pl.col("_p") < pl.col("period"))
        .group_by("_entry")
        .agg(
            previous_value=pl.col("_v").sort_by("_p").last(),
            _before=pl.col("_v").filter(pl.col("_p") >= pl.col("agreement_start")).sum(),
        )
    )
    return (
        rows.join(earlier, on="_entry", how="left")
        .with_columns(
            tracked_value=pl.when(pl.col("measure") == "cumulative")
            .then(pl.col("value") + pl.col("_before").fill_null(0.0))
            .otherwise(pl.col("value"))
        )
        .sort("_entry")
        .drop("_entry", "_before")
    )


def _shown(value: float | None, decimals: int | None) -> str:
    """A value for a message: at the indicator's decimals plus one (an expected 29.2137 as
    29.21), never float noise."""
    if value is None:
        return ""
    return _bare(round(value, (decimals or 0) + 1))


def _bare(value: float) -> str:
    """`store.bare`, but a value held from before the import rules as `1.0e38` or `∞`, never
    a wall of 38 digits."""
    if not math.isfinite(value) or abs(value) >= SCIENTIFIC_FROM:
        return format_value(value, 0, "count")
    return store.bare(value) or ""


def _soft_checks(result: Assessment, entries: list[dict[str, Any]], check: EntryCheck) -> None:
    """The soft rules of both entry paths. `entries` carry `row` (the number in messages),
    `indicator_code`, `period`, `value` and `commentary`: a value outside the plausible range
    or far better than expected needs a confirmation; one behind its trajectory needs
    commentary (exception reporting)."""
    if not entries:
        return
    frame = pl.DataFrame(
        entries,
        schema={"row": pl.Int64, "indicator_code": pl.Utf8, "period": pl.Date,
                "value": pl.Float64, "commentary": pl.Utf8},
    )  # fmt: skip
    for r in entry_context(result, frame).iter_rows(named=True):
        if r["target_id"] is None:
            continue  # not a target of this area: the importer's rules and access decide
        where, code, decimals = f"row {r['row']}", r["indicator_code"], r["decimals"]
        value, low, high = r["value"], r["plausible_min"], r["plausible_max"]
        if (low is not None and value < low) or (high is not None and value > high):
            check.implausible.append(
                f"{where}, {code}: {store.bare(value)} is outside the plausible range "
                f"{'' if low is None else _bare(low)}–{'' if high is None else _bare(high)}"
            )
        expected, tracked = r["expected_value"], r["tracked_value"]
        if expected is None:
            continue
        behind = tracked < expected if r["polarity"] == "higher" else tracked > expected
        cumulative = " (running total)" if r["measure"] == "cumulative" else ""
        if behind and not (r["commentary"] or "").strip():
            check.errors.append(
                f"{where}, column commentary: {code} at {_shown(tracked, decimals)}{cumulative} "
                f"is behind its trajectory ({_shown(expected, decimals)} expected): say why and "
                "what will be done"
            )
        # A cumulative target compares running totals with the trajectory and period figures
        # with the previous one (as direction of travel does): shift the previous figure by the
        # total before this period, so that one comparison does both.
        previous = r["previous_value"]
        shifted = None if previous is None else previous + (tracked - value)
        if far_better(tracked, expected, shifted, r["polarity"], r["denominator"]):
            since = "" if previous is None else f" and than the previous value ({_bare(previous)})"
            check.far_better.append(
                f"{where}, {code}: {store.bare(value)} is far better than expected "
                f"({_shown(expected, decimals)}{cumulative}){since}: check it is not a slip"
            )


def _typed(value: Any) -> str:
    """A grid cell as the text the importer parses (the Value column is text: what was typed)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()


Seen = Mapping[tuple[str, date], int]  # (indicator, period) -> the revision the user saw


def check_entries(
    engine: Engine,
    actor: Actor,
    result: Assessment,
    edited: pl.DataFrame,
    today: date,
    seen: Seen | None = None,
) -> EntryCheck:
    """Check the grid rows where a value was typed: the importer's hard rules (the typed text
    is parsed as a file's cell is, so `abc` or `1x9` is refused, never read as 0 or 19),
    then the soft ones.

    `seen` is the revision each row was shown at when the grid was drawn (absent: no value
    yet, revision 0); saving is refused as a conflict if someone else saved a row since."""
    seen = seen or {}
    check = EntryCheck()
    edited = edited.with_columns(pl.col("period").cast(pl.Date))  # the editor may give datetimes
    typed = [_typed(v) for v in edited["value"].to_list()]
    filled = (
        edited.with_columns(value=pl.Series(typed, dtype=pl.Utf8))
        .with_row_index("grid_row", offset=1)
        .filter(pl.col("value") != "")
    )
    if filled.is_empty():
        return check
    area = result.targets["area_code"][0]
    frame = pl.DataFrame(
        {
            "area_code": [area] * filled.height,
            "indicator_code": filled["indicator_code"].to_list(),
            "period": [p.isoformat() if p else "" for p in filled["period"].to_list()],
            "value": filled["value"].to_list(),
            "status": [_typed(v) for v in filled["status"].to_list()],
            "data_quality": [_typed(v) for v in filled["data_quality"].to_list()],
            "note": [_typed(v) for v in filled["note"].to_list()],
        }
    )
    parsed, errors = validate(frame, "actuals", store.reference_codes(engine), today, first_line=1)
    # Report grid rows (the grid's own numbering), not positions among the filled rows.
    numbers = filled["grid_row"].to_list()
    check.errors = [_renumber(e, numbers) for e in errors]
    entries = []
    for grid_row, row, typed_row in zip(numbers, parsed, filled.iter_rows(named=True), strict=True):
        if row.get("value") is None or row.get("period") is None:
            continue
        comment = (typed_row.get("commentary") or "").strip()
        entries.append({"row": grid_row, "indicator_code": row["indicator_code"],
                        "period": row["period"], "value": row["value"], "commentary": comment})  # fmt: skip
        # What the user saw when the grid was drawn (no value yet, unless a conflict showed
        # someone else's): any other save meanwhile is a conflict, not overwritten.
        seen_revision = seen.get((row["indicator_code"], row["period"]), 0)
        check.rows.append(row | {"source": "data entry", "expected_revision": seen_revision})
        label = typed_row.get("period_label") or row["period"].isoformat()
        check.places.append(f"Row {grid_row} ({row['indicator_code']}, {label})")
        if comment:
            check.commentary.append(
                {"area_code": area, "indicator_code": row["indicator_code"],
                 "period": row["period"], "text": comment}
            )  # fmt: skip
    _soft_checks(result, entries, check)
    return check


def _renumber(message: str, numbers: list[int]) -> str:
    """`row 2, ...` (position among typed rows) -> the grid's own row number."""
    if message.startswith("row "):
        head, _, rest = message[4:].partition(",")
        if head.isdigit() and 1 <= int(head) <= len(numbers):
            return f"row {numbers[int(head) - 1]},{rest}"
    return message


def save_entries(engine: Engine, actor: Actor, check: EntryCheck) -> WriteSummary:
    """Write every checked value and comment in one transaction (or nothing). A row someone
    else saved since it was drawn refuses the whole save (`EntryConflict`, naming every such
    row): like every write of the app, nothing is half-written."""
    if not check.ok:
        raise ValueError("the entries have errors: nothing was saved")
    try:
        with db.write_transaction(engine) as conn:
            summary = store.save_actuals(conn, actor, check.rows, default_reason="data entry")
            if check.commentary:
                store.add_commentary(conn, actor, check.commentary)
    except store.ConcurrentChange as exc:
        raise _conflict(engine, actor, check.rows, check.places) from exc
    return summary


@dataclass(frozen=True)
class Conflict:
    """A value someone else saved after the user saw it: which, what, who and when."""

    place: str  # how the message names it: "Row 2 (NI 111, quarter to Sep 2008)"
    indicator_code: str
    period: date
    revision: int  # theirs: the revision the user has now seen
    value: float | None
    by: str  # their full name where the user is known
    at: datetime | None

    def describe(self, today: date, since: str = "you opened this page") -> str:
        when = ""
        if self.at is not None:
            day = "" if self.at.date() == today else f" on {self.at:%d %b %Y}"
            when = f"{day} at {self.at:%H:%M} UTC"
        return (
            f"{self.place}: {self.by} saved {store.bare(self.value)}{when} after {since} "
            "— review and save again"
        )


class EntryConflict(store.ConcurrentChange):
    """Someone else saved some of these values after the user saw them; nothing was saved.
    `seen` is the revisions now shown, for the next save once the user has reviewed them."""

    def __init__(self, conflicts: Sequence[Conflict], today: date) -> None:
        self.conflicts = list(conflicts)
        self.lines = [c.describe(today) for c in self.conflicts]
        super().__init__("; ".join(self.lines))

    @property
    def seen(self) -> dict[tuple[str, date], int]:
        return {(c.indicator_code, c.period): c.revision for c in self.conflicts}


def conflicts(
    engine: Engine, actor: Actor, rows: Sequence[Mapping[str, Any]], places: Sequence[str]
) -> list[Conflict]:
    """The rows (store rows carrying `expected_revision`, each named by `places`) whose
    current revision is not the one expected: someone else saved them meanwhile."""
    if not rows:
        return []
    asked = pl.DataFrame(
        {
            "area_code": [r["area_code"] for r in rows],
            "indicator_code": [r["indicator_code"] for r in rows],
            "period": [r["period"] for r in rows],
            "expected": [r.get("expected_revision") for r in rows],
            "place": list(places),
        },
        schema={"area_code": pl.Utf8, "indicator_code": pl.Utf8, "period": pl.Date,
                "expected": pl.Int64, "place": pl.Utf8},
    )  # fmt: skip
    keys = ["area_code", "indicator_code", "period"]
    current = store.current_actuals(
        engine,
        actor,
        asked["area_code"].unique().to_list(),
        indicators=asked["indicator_code"].unique().to_list(),
    ).select(*keys, "revision", "value", "recorded_by", "recorded_at")
    found = (
        asked.join(current, on=keys, how="left", maintain_order="left")
        .with_columns(pl.col("revision").fill_null(0))
        .filter(pl.col("expected").is_not_null() & (pl.col("revision") != pl.col("expected")))
    )
    names = _full_names(engine, found["recorded_by"].drop_nulls().unique().to_list())
    return [
        Conflict(
            place=r["place"],
            indicator_code=r["indicator_code"],
            period=r["period"],
            revision=r["revision"],
            value=r["value"],
            by=names.get(r["recorded_by"], r["recorded_by"] or "someone else"),
            at=r["recorded_at"],
        )
        for r in found.iter_rows(named=True)
    ]


def _full_names(engine: Engine, usernames: list[str]) -> dict[str, str]:
    """User name -> full name, for the users among `usernames` (loaders like `cli:...` are not)."""
    if not usernames:
        return {}
    with engine.connect() as conn:
        found = conn.execute(
            select(User.username, User.display_name).where(User.username.in_(usernames))
        ).all()
    return {username: name for username, name in found}


def _conflict(
    engine: Engine, actor: Actor, rows: Sequence[Mapping[str, Any]], places: Sequence[str]
) -> store.ConcurrentChange:
    """The store's refusal of a stale save, as a conflict naming every row concerned (the store
    stops at the first; the transaction is rolled back, so they are read afresh)."""
    found = conflicts(engine, actor, rows, places)
    if not found:  # the store's own words (e.g. two saves at the same instant)
        return store.ConcurrentChange(
            "someone else saved these values at the same moment: review them and save again"
        )
    return EntryConflict(found, store.business_today(engine))


TEMPLATE_COLUMNS = (
    "area_code", "indicator_code", "indicator_name", "unit", "period", "period_label",
    "last_value", "expected_value", "value", "status", "data_quality", "note", "commentary",
)  # fmt: skip
# The template's columns that are not part of an `actuals` import file: a guide beside each row
# (name, unit, last and expected values) and the commentary, which the page reads itself.
GUIDE_COLUMNS = ("indicator_name", "unit", "period_label", "last_value", "expected_value")
COMMENTARY_COLUMN = "commentary"


def template_workbook(result: Assessment, actor: Actor) -> bytes:
    """An Excel template of the values to report: one row per value, the keys filled in and
    the value empty, with the indicator's name, unit, last and expected values beside it and
    a commentary column (required where the value is behind its trajectory)."""
    import io

    from dashboard.formatting import spreadsheet_safe, spreadsheet_workbook

    grid = entry_grid(result, actor)
    area = result.targets["area_code"][0] if result.targets.height else ""
    units = result.targets.select("indicator_code", "unit", "decimals")
    rows = grid.join(units, on="indicator_code", how="left", maintain_order="left")
    # the trajectory at the indicator's decimals plus one (29.21), not float noise
    expected = [
        None if e is None else round(e, (d or 0) + 1)
        for e, d in zip(rows["expected_value"], rows["decimals"], strict=True)
    ]
    sheet = rows.with_columns(
        area_code=pl.lit(area),
        period=pl.col("period").cast(pl.Utf8),
        expected_value=pl.Series(expected, dtype=pl.Float64),
        value=pl.lit(None, dtype=pl.Utf8),
    ).select(TEMPLATE_COLUMNS)
    buffer = io.BytesIO()
    with spreadsheet_workbook(buffer) as workbook:  # names and notes stay text, never formulas
        spreadsheet_safe(sheet).write_excel(workbook, worksheet="Values", autofit=True)
    return buffer.getvalue()


def filled_rows(path: Path, out: Path) -> Path:
    """The uploaded template as an `actuals` CSV at `out` (the guide and commentary columns
    left out, every row kept so that messages name the template's own rows); import it with
    `skip_empty_values=True` (rows left blank are the ones not reported this time). Raises
    `importer.UnreadableFile` with a plain message when the file cannot be read."""
    read_table(path).drop(*GUIDE_COLUMNS, COMMENTARY_COLUMN, strict=False).write_csv(out)
    return out


def check_upload(engine: Engine, result: Assessment, path: Path, today: date) -> EntryCheck:
    """The soft rules of the grid, for an uploaded template that passed the importer's dry run:
    rows named by the file's line (the header is line 1), and the commentary column collected
    to be written with the values (`import_file(..., commentary=...)`)."""
    check = EntryCheck()
    frame = read_table(path)
    comments = (
        frame[COMMENTARY_COLUMN].to_list()
        if COMMENTARY_COLUMN in frame.columns
        else [""] * frame.height
    )
    imported = frame.drop(*GUIDE_COLUMNS, COMMENTARY_COLUMN, strict=False)
    parsed, _errors = validate(
        imported, "actuals", store.reference_codes(engine), today, skip_empty="value"
    )
    entries = []
    for row in parsed:
        if row.get("value") is None or row.get("period") is None:
            continue
        comment = (comments[row["_line"] - 2] or "").strip()
        entries.append({"row": row["_line"], "indicator_code": row["indicator_code"],
                        "period": row["period"], "value": row["value"], "commentary": comment})  # fmt: skip
        if comment:
            check.commentary.append(
                {"area_code": row["area_code"], "indicator_code": row["indicator_code"],
                 "period": row["period"], "text": comment}
            )  # fmt: skip
    _soft_checks(result, entries, check)
    return check


def upload_preview(engine: Engine, result: Assessment, path: Path) -> pl.DataFrame:
    """The uploaded values beside the current ones (the diff shown before committing), each
    with the file's row number."""
    uploaded = (
        read_table(path)
        .with_row_index("row", offset=2)
        .filter(pl.col("value") != "")
        .with_columns(pl.col("row").cast(pl.Int64))
    )
    current = result.scope.actuals.join(
        result.targets.select("target_id", "indicator_code"), on="target_id"
    ).select("indicator_code", pl.col("period").cast(pl.Utf8), pl.col("value").alias("current"))
    return (
        uploaded.with_columns(pl.col("period").str.slice(0, 10))
        .join(current, on=["indicator_code", "period"], how="left", maintain_order="left")
        .with_columns(
            change=pl.when(pl.col("current").is_null())
            .then(pl.lit("new"))
            .when(pl.col("value").cast(pl.Float64, strict=False) == pl.col("current"))
            .then(pl.lit("same"))
            .otherwise(pl.lit("correction"))
        )
    )


@dataclass
class UploadReview:
    """An uploaded template checked before anything is written: the importer's refusals
    (`errors`), else its dry run (`trial`), the soft rules (`check`) and the preview."""

    name: str
    errors: list[str] = field(default_factory=list)
    trial: ImportResult | None = None
    check: EntryCheck = field(default_factory=EntryCheck)
    preview: pl.DataFrame = field(default_factory=pl.DataFrame)
    # The revision of each uploaded value's period when checked (0: no value yet), and how a
    # conflict names it: the page keeps the first check's, so a save meanwhile is a conflict.
    seen: dict[tuple[str, str, date], int] = field(default_factory=dict)
    places: dict[tuple[str, str, date], str] = field(default_factory=dict)

    @property
    def writable(self) -> bool:
        """Nothing refused, no commentary missing, and something to write."""
        return (
            not self.errors
            and self.check.ok
            and self.trial is not None
            and self.trial.summary.changed > 0
        )


def review_upload(
    engine: Engine, actor: Actor, result: Assessment, raw: Path, name: str, today: date
) -> UploadReview:
    """Check an uploaded template (saved at `raw`, named `name` by the user) as the grid is
    checked: the importer's hard rules in a dry run, then the grid's soft rules."""
    review = UploadReview(name)
    try:
        values = filled_rows(raw, raw.with_name(f"{raw.stem}-values.csv"))
    except UnreadableFile as exc:
        review.errors = [str(exc)]
        return review
    try:
        trial = import_file(
            engine, actor, "actuals", values, dry_run=True, skip_empty_values=True,
            source_name=name,
        )  # fmt: skip
    except AccessDenied as exc:
        review.errors = [str(exc)]
        return review
    if not trial.ok:
        review.errors = trial.errors
        return review
    review.trial = trial
    review.check = check_upload(engine, result, raw, today)
    review.preview = upload_preview(engine, result, raw)
    review.seen, review.places = _shown_revisions(engine, actor, result, review.preview)
    return review


def _shown_revisions(
    engine: Engine, actor: Actor, result: Assessment, preview: pl.DataFrame
) -> tuple[dict[tuple[str, str, date], int], dict[tuple[str, str, date], str]]:
    """The current revision of every uploaded value (0 where none yet), and each one's place
    in the file ("Row 3 (BV126, 2008-10-31)")."""
    keys = ["area_code", "indicator_code", "period"]
    area = result.targets["area_code"][0]
    uploaded = preview.select(
        pl.col("area_code") if "area_code" in preview.columns else pl.lit(area).alias("area_code"),
        "indicator_code",
        pl.col("period").str.to_date(strict=False),
        "row",
    ).drop_nulls(keys)
    if uploaded.is_empty():
        return {}, {}
    current = store.current_actuals(
        engine,
        actor,
        uploaded["area_code"].unique().to_list(),
        indicators=uploaded["indicator_code"].unique().to_list(),
    ).select(*keys, "revision")
    shown = uploaded.join(current, on=keys, how="left").with_columns(
        pl.col("revision").fill_null(0),
        place=pl.format("Row {} ({}, {})", "row", "indicator_code", pl.col("period").cast(pl.Utf8)),
    )
    triples = list(zip(shown["area_code"], shown["indicator_code"], shown["period"], strict=True))
    return (
        dict(zip(triples, shown["revision"], strict=True)),
        dict(zip(triples, shown["place"], strict=True)),
    )


def write_upload(
    engine: Engine,
    actor: Actor,
    raw: Path,
    review: UploadReview,
    seen: Mapping[tuple[str, str, date], int] | None = None,
) -> ImportResult:
    """Write a reviewed upload: its values and commentary in one transaction (or nothing); the
    audit rows name the user's file. `seen` is the revisions shown when the file was first
    checked (default: this review's): a value someone else saved since refuses the whole file,
    each such row named with who saved what and when."""
    if not review.writable:
        raise ValueError("the upload has errors: nothing was written")
    seen = review.seen if seen is None else seen
    values = filled_rows(raw, raw.with_name(f"{raw.stem}-values.csv"))
    done = import_file(
        engine, actor, "actuals", values, skip_empty_values=True, source_name=review.name,
        commentary=review.check.commentary, seen=seen,
    )  # fmt: skip
    if not done.ok:
        rows = [
            {"area_code": a, "indicator_code": i, "period": p, "expected_revision": r}
            for (a, i, p), r in seen.items()
        ]
        places = [review.places.get(key, f"{key[1]}, {key[2]}") for key in seen]
        found = conflicts(engine, actor, rows, places)
        if found:
            today = store.business_today(engine)
            done.errors = [c.describe(today, "you uploaded this file") for c in found]
    return done


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
    period_label: str | None = None,
) -> WriteSummary:
    """A correction adds a revision with its reason (nothing is overwritten). Refused when the
    reason is missing, the importer's rules fail, or someone saved since `seen_revision`
    (`EntryConflict`, naming the value by its indicator and `period_label`)."""
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
    try:
        with db.write_transaction(engine) as conn:
            return store.save_actuals(conn, actor, [row], default_reason=reason.strip())
    except store.ConcurrentChange as exc:
        place = f"{indicator_code}, {period_label or period.isoformat()}"
        raise _conflict(engine, actor, [row], [place]) from exc
