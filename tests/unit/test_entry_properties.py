"""Property tests: the Excel template of "My updates", filled in and spoiled at random, goes
through the page's upload path whole or not at all.

The path is the page's: `entry.filled_rows` on the uploaded .xlsx or .csv, a dry run of
`import_file` as the lead, `entry.upload_preview` when it passes, then the real import.
Uploads start from the downloaded template (D10, the lead's partnership) with values typed,
then get spoiled: bad numbers, wrong or future periods, unknown codes, another partnership's
or area's indicator, missing, extra, duplicated or renamed columns, junk rows and cells, and
Excel's own cell types (numbers, dates, booleans). Every upload must be refused (the
database exactly as it was), applied (only values and their audit rows added, each typed
value now current), or refused by AccessDenied when it holds a row the lead may not write
(and then nothing is written either).

Speed: one migrated, seeded demo database per module, copied per example.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine
from sqlmodel import SQLModel

from dashboard import accounts, db, entry, store
from dashboard.access import AccessDenied, Actor
from dashboard.analysis import Assessment, assess_areas
from dashboard.importer import import_file, read_table
from seed_data.demo import DEMO_TODAY, seed_demo

AREA = "D10"
LOCKED_THROUGH = date(2008, 3, 31)  # the board has seen 2007/08: corrections to it are refused
READER = store.cli_actor("property-reader")

PROPERTY_SETTINGS = settings(
    max_examples=int(os.environ.get("ENTRY_PROPERTY_EXAMPLES", "30")),  # raise for a deep run
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# ------------------------------------------------------------------------ the template database


@dataclass(frozen=True)
class Template:
    folder: Path
    path: Path
    before: dict[str, list[tuple]]
    lead: Actor
    result: Assessment  # the lead's view of D10, as the page holds it
    header: list[str]  # the downloaded template's Values sheet
    rows: list[list[str | None]]
    mine: frozenset[str]  # D10 indicators of the lead's partnership
    others: tuple[str, ...]  # D10 indicators of other partnerships
    untargeted: tuple[str, ...]  # known indicators without a D10 target
    areas: frozenset[str]
    indicators: frozenset[str]
    counter: Iterator[int]


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    with engine.connect() as conn:
        return {
            table.name: sorted((tuple(r) for r in conn.execute(table.select())), key=repr)
            for table in SQLModel.metadata.sorted_tables
        }


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    """The demo, with D10's periods locked through March 2008, and the lead's template."""
    folder = tmp_path_factory.mktemp("entry_properties")
    path = folder / "template.db"
    url = f"sqlite:///{path}"
    store.upgrade(url)
    engine = db.get_engine(url)
    seed_demo(engine, store.cli_actor("tester"))
    store.lock_periods(engine, accounts.actor_for(engine, "officer"), AREA, LOCKED_THROUGH, "seen")
    lead = accounts.actor_for(engine, "lead")
    result = assess_areas(engine, lead, [AREA], DEMO_TODAY)
    workbook = folder / "template.xlsx"
    workbook.write_bytes(entry.template_workbook(result, lead))
    sheet = pl.read_excel(workbook, sheet_name="Values", infer_schema_length=0).fill_null("")
    everything = assess_areas(engine, READER, [AREA], DEMO_TODAY).targets
    mine = frozenset(entry.writable_targets(result, lead)["indicator_code"].to_list())
    codes = store.reference_codes(engine)
    before = snapshot(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose_all()
    assert sheet.height > 3 and set(sheet["indicator_code"]) <= mine
    yield Template(
        folder=folder,
        path=path,
        before=before,
        lead=lead,
        result=result,
        header=sheet.columns,
        rows=[[c or None for c in r] for r in sheet.rows()],
        mine=mine,
        others=tuple(sorted(set(everything["indicator_code"]) - mine)),
        untargeted=tuple(sorted(codes["indicator"] - set(everything["indicator_code"]))),
        areas=frozenset(codes["area"]),
        indicators=frozenset(codes["indicator"]),
        counter=itertools.count(),
    )


@contextmanager
def fresh_copy(template: Template) -> Iterator[Engine]:
    """A private copy of the template database, with the app's SQLite configuration."""
    path = template.folder / f"example_{next(template.counter)}.db"
    shutil.copy(template.path, path)
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 30})
    db._configure_sqlite(engine)  # foreign keys, WAL, BEGIN IMMEDIATE: as the app runs
    try:
        yield engine
    finally:
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)


# ------------------------------------------------------------------------------ the uploads

# A cell as Excel holds it: text, a number, a date, a boolean, or blank (None).
Cell = str | float | datetime | bool | None

JUNK_NUMBERS = [
    *["12,5", "1 000", "1.000,5", "n/a", "-", "nan", "NaN", "inf", "-inf", "1e400", "£5"],
    *["12%", "½", "٣", "0x1A", "1_000", "1.2.3", "5.", ".5", "+3", "-0", "1e-400", "TRUE"],
]
JUNK_PERIODS = [
    *["2008-12-31", "2009-03-31", "2999-12-31", "2008-02-30", "2008-13-31", "31/10/2008"],
    *["2008-10", "20081031", "2008-10-31T00:00:00", "Oct 2008", "2008-09-30", "2008-03-31"],
    *["2007-10-31", "2008-10-15"],
]
JUNK_CODES = ["NOPE", "bcs-c", "d10", "D05", "ZZ9", "X01", "", " ", "BCS-C ", "=1+1"]
JUNK_HEADERS = ["colour", "", "Value", "value ", "comment", "area_code"]
# Text a person may type or paste (no control characters: those are not valid in a workbook).
text = st.text(alphabet=st.characters(exclude_categories=("Cs", "Cc")), max_size=12)
junk = st.sampled_from([*JUNK_NUMBERS, *JUNK_PERIODS, *JUNK_CODES]) | text
numbers = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False) | st.sampled_from(
    [0.0, 12.5, 101.3, 1e-7, 1e300, -3.0]
)
value_cell = numbers | numbers.map(repr) | st.integers(0, 5000).map(str)
any_cell: st.SearchStrategy[Cell] = st.one_of(
    junk, numbers, st.none(), st.booleans(), st.just(datetime(2008, 10, 31))
)


@dataclass
class Sheet:
    header: list[str]
    rows: list[list[Cell]]

    def column(self, name: str) -> int | None:
        return self.header.index(name) if name in self.header else None

    def set(self, row: int, name: str, cell: Cell) -> None:
        j = self.column(name)
        if j is not None and self.rows:
            target = self.rows[row % len(self.rows)]
            if j < len(target):
                target[j] = cell


@st.composite
def corruption(draw: st.DrawFn, template: Template) -> tuple:
    """One way a person (or their spreadsheet) spoils the template."""
    row = draw(st.integers(0, 99))
    foreign = [*template.others, *template.untargeted]
    return draw(
        st.one_of(
            st.tuples(st.just("set"), st.just(row), st.just("value"), junk),
            st.tuples(
                st.just("set"),
                st.just(row),
                st.just("period"),
                st.sampled_from(JUNK_PERIODS) | st.just(datetime(2008, 10, 31)),
            ),
            st.tuples(
                st.just("set"),
                st.just(row),
                st.just("indicator_code"),
                st.sampled_from([*JUNK_CODES, *foreign]),
            ),
            st.tuples(
                st.just("set"), st.just(row), st.just("area_code"), st.sampled_from(JUNK_CODES)
            ),
            st.tuples(
                st.just("set"),
                st.just(row),
                st.sampled_from(["status", "data_quality", "note"]),
                any_cell,
            ),
            st.tuples(st.just("cell"), st.just(row), st.integers(0, 99), any_cell),
            st.tuples(st.just("drop_column"), st.integers(0, 99)),
            st.tuples(st.just("extra_column"), st.sampled_from(JUNK_HEADERS), any_cell),
            st.tuples(st.just("duplicate_column"), st.integers(0, 99)),
            st.tuples(st.just("rename_column"), st.integers(0, 99)),
            st.tuples(st.just("swap_columns"), st.integers(0, 99), st.integers(0, 99)),
            st.tuples(st.just("junk_row"), st.lists(any_cell, min_size=1, max_size=9)),
            st.tuples(st.just("blank_row")),
            st.tuples(st.just("duplicate_row"), st.just(row)),
        )
    )


def corrupt(sheet: Sheet, op: tuple) -> None:
    kind, *args = op
    width = len(sheet.header)
    if kind == "set":
        sheet.set(args[0], args[1], args[2])
    elif kind == "cell" and sheet.rows:
        target = sheet.rows[args[0] % len(sheet.rows)]
        target[args[1] % len(target)] = args[2]
    elif kind == "drop_column" and width > 1:
        i = args[0] % width
        del sheet.header[i]
        for r in sheet.rows:
            del r[i]
    elif kind == "extra_column":
        sheet.header.append(args[0])
        for r in sheet.rows:
            r.append(args[1])
    elif kind == "duplicate_column":
        i = args[0] % width
        sheet.header.append(sheet.header[i])
        for r in sheet.rows:
            r.append(r[i])
    elif kind == "rename_column":
        i = args[0] % width
        sheet.header[i] = sheet.header[i].upper()
    elif kind == "swap_columns":  # the header and its cells move together: still a valid file
        i, j = args[0] % width, args[1] % width
        sheet.header[i], sheet.header[j] = sheet.header[j], sheet.header[i]
        for r in sheet.rows:
            r[i], r[j] = r[j], r[i]
    elif kind == "junk_row":
        sheet.rows.append((list(args[0]) + [None] * width)[:width])
    elif kind == "blank_row":
        sheet.rows.append([None] * width)
    elif kind == "duplicate_row" and sheet.rows:
        sheet.rows.append(list(sheet.rows[args[0] % len(sheet.rows)]))


def as_text(cell: Cell) -> str:
    """A cell as a CSV export writes it."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        return repr(cell)
    return str(cell)


def render(sheet: Sheet, fmt: str) -> bytes:
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(sheet.header)
        writer.writerows([as_text(c) for c in r] for r in sheet.rows)
        return out.getvalue().encode("utf-8")
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"strings_to_numbers": False}) as workbook:
        ws = workbook.add_worksheet("Values")
        dates = workbook.add_format({"num_format": "yyyy-mm-dd"})
        for j, name in enumerate(sheet.header):
            ws.write_string(0, j, name)
        for i, r in enumerate(sheet.rows, start=1):
            for j, cell in enumerate(r):
                if cell is None:
                    continue
                if isinstance(cell, bool):
                    ws.write_boolean(i, j, cell)
                elif isinstance(cell, float):
                    ws.write_number(i, j, cell)
                elif isinstance(cell, datetime):
                    ws.write_datetime(i, j, cell, dates)
                else:
                    ws.write_string(i, j, cell)
    return buffer.getvalue()


@st.composite
def uploads(draw: st.DrawFn, template: Template) -> tuple[str, bytes]:
    """(suffix, content) of a filled-in template, spoiled or not."""
    sheet = Sheet(list(template.header), [list(r) for r in template.rows])
    value = sheet.column("value")
    typed = draw(st.sets(st.integers(0, len(sheet.rows) - 1), max_size=len(sheet.rows)))
    for i in sorted(typed):
        sheet.rows[i][value] = draw(value_cell)  # type: ignore[index]
    for op in draw(st.lists(corruption(template), max_size=4)):
        corrupt(sheet, op)
    fmt = draw(st.sampled_from(["xlsx", "csv"]))
    return fmt, render(sheet, fmt)


# ----------------------------------------------------------------------------------- checks

ROW_ERROR = re.compile(r"^row (\d+), column (.+?), value '(.*)': (\S.*)$", re.DOTALL)
COLUMN_ERROR = re.compile(
    r"^column (.*): (required column is missing|unknown column|appears more than once)$",
    re.DOTALL,
)
LOCK_ERROR = re.compile(
    rf"^{AREA} \S+ \S+: periods ending on or before {LOCKED_THROUGH} are locked"
)


def _foreign(template: Template, frame: pl.DataFrame) -> list[tuple[str, str]]:
    """Rows of known codes the lead may not write (another partnership's, another area's)."""
    if not {"area_code", "indicator_code"} <= set(frame.columns):
        return []
    return [
        (a, i)
        for a, i in frame.select("area_code", "indicator_code").iter_rows()
        if a in template.areas
        and i in template.indicators
        and not (a == AREA and i in template.mine)
    ]


def _changed_tables(before: dict, after: dict) -> set[str]:
    return {name for name in before if before[name] != after[name]}


def upload(template: Template, suffix: str, data: bytes) -> str:
    """Send one upload through the page's path on a fresh copy; check it; return its outcome."""
    n = next(template.counter)
    raw = template.folder / f"upload_{n}.{suffix}"
    raw.write_bytes(data)
    before = template.before
    try:
        with fresh_copy(template) as engine:
            try:
                path = entry.filled_rows(raw, template.folder / f"values_{n}.csv")
            except Exception:  # the page says "could not be read"; only the reader may fail
                with pytest.raises(Exception):  # noqa: B017 (whatever the reader raises)
                    read_table(raw)
                assert snapshot(engine) == before
                return "unreadable"
            frame = read_table(path)
            if "value" in frame.columns:  # rows left blank are not reported (skip_empty_values)
                frame = frame.filter(pl.col("value").str.strip_chars() != "")
            foreign = _foreign(template, frame)
            lead = template.lead
            try:
                trial = import_file(
                    engine, lead, "actuals", path, dry_run=True, skip_empty_values=True
                )
            except AccessDenied:
                assert foreign, "refused as another partnership's, but every row is the lead's"
                assert snapshot(engine) == before
                with pytest.raises(AccessDenied):
                    import_file(engine, lead, "actuals", path, skip_empty_values=True)
                assert snapshot(engine) == before
                return "denied"
            assert snapshot(engine) == before, "a dry run wrote"
            if trial.ok:
                preview = entry.upload_preview(engine, template.result, path)
                assert preview.height == frame.height
            done = import_file(engine, lead, "actuals", path, skip_empty_values=True)
            after = snapshot(engine)
            assert done.ok == trial.ok and done.errors == trial.errors
            if not done.ok:
                assert after == before, done.describe()
                for message in done.errors:
                    assert (
                        ROW_ERROR.match(message)
                        or COLUMN_ERROR.match(message)
                        or LOCK_ERROR.match(message)
                    ), f"unexpected message: {message!r}"
                return f"refused ({done.errors[0].split(':')[0].split(', value')[0]})"
            assert not foreign, f"the lead wrote another partnership's values: {foreign}"
            assert done.summary.changed == trial.summary.changed
            if done.summary.changed == 0:
                assert after == before
                return "applied, nothing changed"
            assert _changed_tables(before, after) == {"actual_revision", "audit_event"}
            added = len(after["actual_revision"]) - len(before["actual_revision"])
            assert added == done.summary.changed
            current = store.current_actuals(engine, READER, [AREA])
            now = {
                (i, p): v
                for i, p, v in current.select("indicator_code", "period", "value").iter_rows()
            }
            for r in frame.iter_rows(named=True):
                period = date.fromisoformat(r["period"].removesuffix(" 00:00:00"))
                assert now[(r["indicator_code"], period)] == float(r["value"]), r
            return "applied"
    finally:
        raw.unlink(missing_ok=True)


# ------------------------------------------------------------------------------------ tests


@PROPERTY_SETTINGS
@given(data=st.data())
def test_an_upload_is_refused_whole_applied_or_denied(template: Template, data: Any) -> None:
    """A filled-in template, spoiled at random, is refused, applied, or denied: never half."""
    suffix, content = data.draw(uploads(template), label="upload")
    event(upload(template, suffix, content))


def _filled(template: Template, values: dict[int, Cell]) -> Sheet:
    sheet = Sheet(list(template.header), [list(r) for r in template.rows])
    for i, cell in values.items():
        sheet.set(i, "value", cell)
    return sheet


def test_a_clean_filled_template_is_applied(template: Template) -> None:
    """Two typed values (one an Excel number, one text) are written, the empty rows skipped."""
    sheet = _filled(template, {0: 101.3, 2: "17.5"})
    assert upload(template, "xlsx", render(sheet, "xlsx")) == "applied"


def test_another_partnerships_row_is_denied_and_writes_nothing(template: Template) -> None:
    """A row of another partnership's indicator refuses the whole upload (AccessDenied)."""
    outcomes = []
    for other in template.others:  # one whose calendar has a period ending 31 March 2008
        sheet = _filled(template, {0: 101.3, 1: 99.0})
        sheet.set(1, "indicator_code", other)
        sheet.set(1, "period", "2008-03-31")
        outcomes.append(upload(template, "csv", render(sheet, "csv")))
        if outcomes[-1] == "denied":
            break
    assert outcomes[-1] == "denied", outcomes


def test_a_correction_to_a_locked_period_is_refused(template: Template) -> None:
    """A typed value for a period the board has locked refuses the whole upload."""
    sheet = _filled(template, {0: 101.3, 1: 99.0})
    sheet.set(1, "period", LOCKED_THROUGH.isoformat())
    assert upload(template, "csv", render(sheet, "csv")).startswith("refused")


def test_a_refusal_names_the_row_of_the_uploaded_template(template: Template, tmp_path) -> None:
    """A bad value in the template's 8th data row is reported as row 9 (the header is row 1)."""
    sheet = _filled(template, {7: "12,5"})
    raw = tmp_path / "upload.xlsx"
    raw.write_bytes(render(sheet, "xlsx"))
    path = entry.filled_rows(raw, tmp_path / "values.csv")
    with fresh_copy(template) as engine:
        trial = import_file(
            engine, template.lead, "actuals", path, dry_run=True, skip_empty_values=True
        )
    assert [e.split(", value")[0] for e in trial.errors] == ["row 9, column value"]


def test_a_date_that_ends_no_period_of_the_indicator_is_refused(template: Template) -> None:
    """A monthly indicator's value for 15 October (not a month end) is refused."""
    sheet = _filled(template, {0: 101.3})
    sheet.set(0, "period", "2008-10-15")
    assert upload(template, "csv", render(sheet, "csv")).startswith("refused")
