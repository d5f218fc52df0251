"""The audit trail: `laa export audit`, the pure functions of dashboard/reports/audit.py, and
who may read it (store.audit_frame).

CLI tests drive `laa` in-process on a fresh migrated database per test (SQLite, and PostgreSQL
when TEST_DATABASE_URL is set), as tests/unit/test_cli.py does.
"""

from __future__ import annotations

import csv
import getpass
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from dashboard import db, store
from dashboard.access import AccessDenied, Actor, Grant
from dashboard.cli import app
from dashboard.reports import audit
from tests.conftest import FIXTURES, FRAMEWORK_INDICATORS

WORKED = FIXTURES / "worked_example"
HEADER = [
    "at",
    "user",
    "action",
    "area_code",
    "indicator_code",
    "period",
    "before",
    "after",
    "reason",
]
CLI_USER = f"cli:{getpass.getuser()}"
runner = CliRunner()


def run(*args: str | Path, code: int = 0):  # type: ignore[no-untyped-def]
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == code, (
        f"laa {' '.join(map(str, args))} exited {result.exit_code}, expected {code}\n"
        f"stdout: {result.stdout!r}\nstderr: {result.stderr!r}\nexception: {result.exception!r}"
    )
    return result


def export(*args: str) -> list[dict[str, str]]:
    """`laa export audit ARGS`: check it is CSV with exactly the spec's header; its rows."""
    result = run("export", "audit", *args)
    assert result.stderr == ""
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == HEADER
    assert all(len(r) == len(HEADER) for r in rows[1:])
    return [dict(zip(HEADER, r, strict=True)) for r in rows[1:]]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def add_admin(username: str) -> None:
    """`--as NAME` acts as that user with their own roles: an administrator here."""
    run("user", "add", username, "--password", "a-long-password")
    run("user", "grant", username, "admin")


def load_worked_example(*prefix: str) -> None:
    for kind, path in [
        ("indicators", FRAMEWORK_INDICATORS),
        ("areas", WORKED / "areas.csv"),
        ("targets", WORKED / "targets.csv"),
        ("actuals", WORKED / "actuals.csv"),
    ]:
        run(*prefix, "import", kind, path)


ACTUALS = "area_code,indicator_code,period,value,status,data_quality,note\n"
SECOND_AREA = (
    "area_code,area_name,region_code,la_type,population,net_budget_requirement_gbp,"
    "agreement_start,agreement_end\n"
    "X02,Second Borough,GOEE,county,500000,300000000,2006-04-01,2009-03-31\n"
)


@pytest.fixture
def eng(engine: Engine) -> Iterator[Engine]:
    cli_engine = db.get_engine()
    assert cli_engine.url == engine.url
    yield engine
    cli_engine.dispose()


@pytest.fixture
def loaded(eng: Engine) -> Engine:
    load_worked_example()
    return eng


def audit_count(engine: Engine) -> int:
    return store.audit_frame(engine, store.cli_actor()).height


# ------------------------------------------------------------------------------- the export


def test_export_after_the_worked_example_and_a_correction(loaded: Engine, tmp_path: Path) -> None:
    first = export()
    assert len(first) == audit_count(loaded)
    assert {r["user"] for r in first} == {CLI_USER}
    # one row per value imported: nothing before it, the bare value as written in the file
    values = [r for r in first if r["action"] == "value"]
    assert len(values) == 18
    bv128 = [r for r in values if r["indicator_code"] == "BV128" and r["period"] == "2008-03-31"]
    assert [(r["area_code"], r["before"], r["after"]) for r in bv128] == [("X01", "", "12.2")]
    assert bv128[0]["reason"] == "import of actuals.csv"
    smoking = {r["after"] for r in values if r["indicator_code"] == "SMOK-Q"}
    assert smoking == {"1700", "1800"}  # not 1700.0
    assert sum(r["action"] == "indicator:create" and r["area_code"] == "" for r in first) == 40
    assert sum(r["action"] == "target:create" for r in first) == 13

    fix = write(
        tmp_path, "fix.csv", ACTUALS + "X01,BV128,2008-03-31,12.0,final,checked,ONS revision\n"
    )
    run("import", "actuals", fix)
    rows = export()
    assert rows[: len(first)] == first  # append-only: earlier rows unchanged, new ones after
    (new,) = rows[len(first) :]
    assert {k: v for k, v in new.items() if k != "at"} == {
        "user": CLI_USER,
        "action": "value",
        "area_code": "X01",
        "indicator_code": "BV128",
        "period": "2008-03-31",
        "before": "12.2",
        "after": "12",
        "reason": "ONS revision",
    }
    stamps = [datetime.fromisoformat(r["at"]) for r in rows]
    assert all(s.utcoffset() is not None and s.utcoffset().total_seconds() == 0 for s in stamps)
    assert all(r["at"].endswith("+00:00") for r in rows)
    assert stamps == sorted(stamps)  # oldest first
    assert abs((datetime.now(UTC) - stamps[-1]).total_seconds()) < 600


def test_export_area_filter(loaded: Engine, tmp_path: Path) -> None:
    add_admin("alice")
    run("--as", "alice", "import", "areas", write(tmp_path, "areas.csv", SECOND_AREA))
    everything = export()
    x01, x02 = export("--area", "X01"), export("--area", "X02")
    assert x01 and {r["area_code"] for r in x01} == {"X01"}
    assert [(r["user"], r["action"]) for r in x02] == [
        ("alice", "area:create"),
        ("alice", "agreement:create"),
    ]
    # the rows about no area (indicators, settings) are in the unfiltered export only
    assert len(everything) == len(x01) + len(x02) + 40
    assert x01 == [r for r in everything if r["area_code"] == "X01"]


def test_export_since_filter(eng: Engine, tmp_path: Path) -> None:
    with store.backdated(datetime(2007, 1, 1, 9, 30, tzinfo=UTC)):
        load_worked_example()
    fix = write(tmp_path, "fix.csv", ACTUALS + "X01,NEET,2008-03-31,7.1,final,checked,\n")
    run("import", "actuals", fix)
    everything = export()
    assert {r["at"] for r in everything[:-1]} == {"2007-01-01T09:30:00+00:00"}
    assert export("--since", "2007-01-01") == everything
    today = datetime.now(UTC).date().isoformat()
    (recent,) = export("--since", "2007-01-02")
    assert (recent["indicator_code"], recent["before"], recent["after"]) == ("NEET", "7.3", "7.1")
    assert recent["reason"] == "import of fix.csv"
    assert export("--since", today, "--area", "X01") == [recent]
    assert export("--since", "2099-01-01") == []


def test_a_status_or_grade_change_alone_gets_its_own_row(loaded: Engine, tmp_path: Path) -> None:
    before = export()
    status = write(tmp_path, "s.csv", ACTUALS + "X01,BV82ab,2008-03-31,34.4,provisional,,\n")
    run("import", "actuals", status)
    (row,) = export()[len(before) :]
    assert (row["action"], row["before"], row["after"]) == ("status", "final", "provisional")
    assert (row["indicator_code"], row["period"]) == ("BV82ab", "2008-03-31")

    grade = write(tmp_path, "g.csv", ACTUALS + "X01,BV82ab,2008-03-31,34.4,provisional,audited,\n")
    add_admin("bob")
    run("--as", "bob", "import", "actuals", grade)
    (row,) = export()[len(before) + 1 :]
    assert (row["user"], row["action"], row["before"], row["after"]) == (
        "bob",
        "data_quality",
        "checked",
        "audited",
    )

    # value and status together: one row, the value's
    both = write(tmp_path, "b.csv", ACTUALS + "X01,BV82ab,2008-03-31,34.6,final,audited,\n")
    run("import", "actuals", both)
    (row,) = export()[len(before) + 2 :]
    assert (row["action"], row["before"], row["after"]) == ("value", "34.4", "34.6")


def test_refused_imports_leave_no_audit_row(loaded: Engine, tmp_path: Path) -> None:
    before = export()
    bad = write(
        tmp_path,
        "bad.csv",
        ACTUALS + "X01,NEET,2008-03-31,7.0,final,checked,\nZZ9,NEET,2008-03-31,7.0,final,,\n",
    )
    run("import", "actuals", bad, code=1)
    run("import", "actuals", bad, "--dry-run", code=1)
    good = write(tmp_path, "good.csv", ACTUALS + "X01,NEET,2008-03-31,7.0,final,checked,\n")
    run("import", "actuals", good, "--dry-run")  # a dry run writes nothing either
    # a domain rule refuses it: a reward target of a signed agreement is frozen
    run("agreement", "sign", "--area", "X01", "--date", "2005-03-20")
    signed = export()
    original = (WORKED / "targets.csv").read_text(encoding="utf-8")
    neet = "X01,NEET,Children's Trust,2005-03-31,8.6,2008-03-31,6.8,8.2,"
    frozen = write(tmp_path, "t.csv", original.replace(neet, neet.replace(",6.8,", ",6.5,")))
    run("import", "targets", frozen, code=1)
    assert export() == signed
    assert [r["action"] for r in signed[len(before) :]] == ["agreement:sign"]


def test_unchanged_imports_leave_no_audit_row(loaded: Engine) -> None:
    before = export()
    load_worked_example()
    add_admin("alice")
    load_worked_example("--as", "alice")
    assert export() == before


def test_as_names_the_user_and_o_writes_a_file(loaded: Engine, tmp_path: Path) -> None:
    fix = write(tmp_path, "fix.csv", ACTUALS + "X01,SPORT,2008-03-31,24.5,final,checked,\n")
    add_admin("carol")
    run("--as", "carol", "import", "actuals", fix)
    expected = run("export", "audit").stdout
    assert export()[-1]["user"] == "carol"
    out = tmp_path / "audit.csv"
    result = run("export", "audit", "-o", out)
    assert result.stdout == ""
    assert result.stderr == f"wrote {audit_count(loaded)} rows to {out}\n"
    assert out.read_text(encoding="utf-8") == expected


def test_export_refuses_an_unknown_area_or_a_bad_date(loaded: Engine) -> None:
    result = run("export", "audit", "--area", "ZZ9", code=2)
    assert (result.stdout, result.stderr) == ("", "--area: 'ZZ9' is not a known area code\n")
    result = run("export", "audit", "--since", "2008-02-30", code=2)
    assert (result.stdout, result.stderr) == (
        "",
        "--since: '2008-02-30' is not a date (YYYY-MM-DD)\n",
    )


def test_an_empty_database_exports_just_the_header(eng: Engine) -> None:
    assert run("export", "audit").stdout.splitlines() == [",".join(HEADER)]


# ------------------------------------------------------------------------------ who may read


def test_officers_read_their_own_areas_trail_only(loaded: Engine, tmp_path: Path) -> None:
    run("import", "areas", write(tmp_path, "areas.csv", SECOND_AREA))
    officer = Actor("priya", (Grant("officer", area_code="X01"),))
    own = store.audit_frame(loaded, officer, "X01")
    assert own.height > 0 and set(own["area_code"]) == {"X01"}
    for area in (None, "X02"):
        with pytest.raises(AccessDenied):
            store.audit_frame(loaded, officer, area)
    for grant in (
        Grant("viewer", area_code="X01"),
        Grant("board", area_code="X01"),
        Grant("lead", area_code="X01", partnership="Children's Trust"),
        Grant("go", region_code="GOWM"),
        Grant("department", department_code="HO"),
    ):
        with pytest.raises(AccessDenied):
            store.audit_frame(loaded, Actor("someone", (grant,)), "X01")


# ------------------------------------------------------------------------- pure functions


def _frame(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema=[
            ("at", pl.Datetime("us", "UTC")),
            ("user", pl.Utf8),
            ("action", pl.Utf8),
            ("area_code", pl.Utf8),
            ("indicator_code", pl.Utf8),
            ("period", pl.Date),
            ("before", pl.Utf8),
            ("after", pl.Utf8),
            ("reason", pl.Utf8),
        ],
        orient="row",
    )


def _at(day: int, hour: int = 12) -> datetime:
    return datetime(2008, 6, day, hour, tzinfo=UTC)


SAMPLE = _frame(
    [
        (_at(1), "cli:ops", "indicator:create", None, "NEET", None, None, "NEET young people", None),
        (_at(2), "cli:ops", "partnership:create", "X01", None, None, None, "Children's Trust", None),
        (_at(2), "cli:ops", "value", "X01", "NEET", date(2008, 3, 31), None, "7.3", "import"),
        (_at(3), "priya", "value", "X01", "NEET", date(2008, 3, 31), "7.3", "7.1", "revised"),
        (_at(3), "priya", "status", "X01", "SPORT", date(2008, 3, 31), "final", "provisional", None),
        (_at(4, 0), "alice", "target:target_value", "X01", "SPORT", date(2008, 3, 31), "24", "25", "refresh"),
        (_at(4, 23), "alice", "setting:today", None, None, None, "2008-06-01", "2008-06-04", None),
        (_at(5), "alice", "value", "X02", "NEET", date(2008, 3, 31), "6", "5.9", None),
    ]
)  # fmt: skip
OWNERS = {("X01", "NEET"): "Children's Trust", ("X01", "SPORT"): "Sport Partnership"}


@pytest.mark.parametrize(
    ("action", "before", "words"),
    [
        ("value", "7.3", "Value corrected"),
        ("value", None, "Value recorded"),
        ("status", "final", "Status changed"),
        ("data_quality", "checked", "Data-quality grade changed"),
        ("target:target_value", "6.8", "Target value changed"),
        ("target:baseline_value", "8", "Target baseline changed"),
        ("target:create", None, "Target added"),
        ("target:milestones", "", "Target milestones changed"),
        ("area:name", "Old", "Area name changed"),
        ("area:net_budget_requirement_gbp", "1", "Area net budget requirement changed"),
        ("agreement:sign", "draft", "Agreement signed"),
        ("agreement:end_date", "2008-03-31", "Agreement end date changed"),
        ("indicator:create", None, "Indicator added"),
        ("commentary", None, "Commentary added"),
        ("setting:today", "2008-01-01", "Setting “today” changed"),
        ("partnership:create", None, "Partnership added"),
        ("something_new", None, "Something new"),
        ("widget:colour_code", "1", "Widget colour code changed"),
    ],
)
def test_action_words(action: str, before: str | None, words: str) -> None:
    assert audit.action_label(action, before) == words
    frame = _frame([(_at(1), "u", action, None, None, None, before, "x", None)])
    assert audit.display_table(frame)["What"].to_list() == [words]


def test_partnership_comes_from_the_target_owners() -> None:
    owned = audit.with_partnership(SAMPLE, OWNERS)
    assert owned.columns == [*SAMPLE.columns, "partnership"]
    assert owned.drop("partnership").equals(SAMPLE)  # same rows, same order
    assert owned["partnership"].to_list() == [
        None,  # an indicator is nobody's
        "Children's Trust",  # the partnership's own creation
        "Children's Trust",
        "Children's Trust",
        "Sport Partnership",
        "Sport Partnership",
        None,
        None,  # X02's NEET: not in the owners given
    ]
    assert audit.choices(owned, "partnership") == ["Children's Trust", "Sport Partnership"]
    assert audit.with_partnership(SAMPLE.clear(), {}).height == 0


def test_filters_narrow_by_partnership_user_and_whole_days() -> None:
    owned = audit.with_partnership(SAMPLE, OWNERS)

    def kept(**filters) -> list[str]:  # type: ignore[no-untyped-def]
        return audit.filter_audit(owned, **filters)["action"].to_list()

    assert kept() == owned["action"].to_list()
    assert kept(partnership="Sport Partnership") == ["status", "target:target_value"]
    assert kept(user="priya") == ["value", "status"]
    assert kept(user="alice", partnership="Children's Trust") == []
    # whole days in UTC: 4 June 00:00 and 23:00 are both "on 4 June"
    assert kept(since=date(2008, 6, 4), until=date(2008, 6, 4)) == [
        "target:target_value",
        "setting:today",
    ]
    assert kept(since=date(2008, 6, 5)) == ["value"]
    assert kept(until=date(2008, 6, 1)) == ["indicator:create"]
    assert kept(since=date(2008, 6, 5), until=date(2008, 6, 4)) == []


def test_display_is_newest_first_and_export_oldest_first() -> None:
    shuffled = SAMPLE.reverse()  # as if written out of time order (backdated history)
    table = audit.display_table(shuffled)
    assert table.columns == [
        "When", "Who", "What", "Area", "Indicator", "Period", "Before", "After", "Reason",
    ]  # fmt: skip
    assert table["When"].to_list() == sorted(SAMPLE["at"].to_list(), reverse=True)
    assert table["What"][0] == "Value corrected" and table["What"][-1] == "Indicator added"

    exported = audit.export_table(shuffled)
    assert exported.columns == HEADER
    assert exported["at"].to_list()[:2] == [
        "2008-06-01T12:00:00+00:00",
        "2008-06-02T12:00:00+00:00",
    ]
    assert exported.dtypes[0] == pl.Utf8 and exported["period"].dtype == pl.Date
    # same time: the order written is kept (reversed here, so partnership after value)
    assert exported["action"].to_list()[1:3] == ["value", "partnership:create"]
    csv_text = audit.export_table(SAMPLE).write_csv()
    assert csv_text.splitlines()[1] == (
        "2008-06-01T12:00:00+00:00,cli:ops,indicator:create,,NEET,,,NEET young people,"
    )
    micro = _frame([(datetime(2008, 6, 1, 12, 0, 0, 250, tzinfo=UTC), "u", "value", *[None] * 6)])
    assert audit.export_table(micro)["at"][0] == "2008-06-01T12:00:00.000250+00:00"
