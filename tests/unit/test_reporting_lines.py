"""Reporting lines as data (issue 6): audited writes, the CSV import and department families.

A fresh migrated database per test (SQLite, and PostgreSQL when TEST_DATABASE_URL is set)
holding the framework's indicators, imported as a user would.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, func, select

from dashboard import db, store
from dashboard.access import AccessDenied, Actor, Grant
from dashboard.importer import import_file
from data_models import AuditEvent, ReportingLine
from tests.conftest import FRAMEWORK_INDICATORS

HEADER = "indicator_code,recipient_type,recipient_code,return_name,frequency,laa_status,format,due_days\n"
ROWS = (
    "BV128,department,HO,iQuanta monthly recorded crime,monthly,continues,online,20\n"
    "BV128,go,GO,Fund quarterly monitoring,quarterly,replaced,spreadsheet,30\n"
    "NEET,department,DfES,Connexions annual report,annual,stops,,\n"
)


@pytest.fixture
def framework(engine: Engine, admin: store.Actor) -> Engine:
    result = import_file(engine, admin, "indicators", FRAMEWORK_INDICATORS)
    assert result.ok, result.describe()
    return engine


def line(**changes: object) -> dict[str, object]:
    base = {"indicator_code": "BV128", "recipient_type": "department", "recipient_code": "HO",
            "return_name": "iQuanta", "frequency": "monthly", "laa_status": "continues",
            "format": None, "due_days": 20}  # fmt: skip
    return base | changes


def stored(engine: Engine) -> dict[tuple, tuple]:
    table = ReportingLine.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return {
            tuple(r[k] for k in store.REPORTING_LINE_KEY): tuple(
                r[k] for k in store.REPORTING_LINE_FIELDS
            )
            for r in conn.execute(select(table)).mappings()
        }


def audit(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                AuditEvent.user,
                AuditEvent.action,
                AuditEvent.indicator_code,
                AuditEvent.before,
                AuditEvent.after,
            )
            .where(AuditEvent.action.like("reporting_line:%"))
            .order_by(AuditEvent.id)
        ).mappings()
        return [dict(r) for r in rows]


def counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(ReportingLine)).scalar_one(),
            conn.execute(select(func.count()).select_from(AuditEvent)).scalar_one(),
        )


def write(tmp_path: Path, text: str, name: str = "lines.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------- save_reporting_lines


def test_insert_update_remove_are_audited(framework: Engine, admin: store.Actor) -> None:
    created = line()
    with db.write_transaction(framework) as conn:
        summary = store.save_reporting_lines(conn, admin, [created])
    assert (summary.inserted, summary.updated, summary.removed) == (1, 0, 0)
    key = ("BV128", "department", "HO", "iQuanta")
    assert stored(framework) == {key: ("monthly", "continues", None, 20)}

    with db.write_transaction(framework) as conn:  # the same line again: nothing changes
        assert store.save_reporting_lines(conn, admin, [created]).changed == 0
    with db.write_transaction(framework) as conn:
        summary = store.save_reporting_lines(
            conn, admin, [line(frequency="quarterly", laa_status="replaced")]
        )
    assert (summary.inserted, summary.updated) == (0, 1)
    assert stored(framework) == {key: ("quarterly", "replaced", None, 20)}

    with db.write_transaction(framework) as conn:
        assert store.save_reporting_lines(conn, admin, [], remove=[line()]).removed == 1
    assert stored(framework) == {}

    text = ("indicator_code=BV128 | recipient_type=department | recipient_code=HO | "
            "return_name=iQuanta | frequency={} | laa_status={} | format=None | due_days=20")  # fmt: skip
    monthly, quarterly = text.format("monthly", "continues"), text.format("quarterly", "replaced")
    assert audit(framework) == [
        {"user": "tester", "action": "reporting_line:create", "indicator_code": "BV128",
         "before": None, "after": monthly},
        {"user": "tester", "action": "reporting_line:change", "indicator_code": "BV128",
         "before": monthly, "after": quarterly},
        {"user": "tester", "action": "reporting_line:remove", "indicator_code": "BV128",
         "before": quarterly, "after": None},
    ]  # fmt: skip


def test_removing_a_line_that_does_not_exist_writes_nothing(
    framework: Engine, admin: store.Actor
) -> None:
    before = counts(framework)
    gone = line(return_name="Other")
    with (
        pytest.raises(store.RuleViolation, match="no reporting line"),
        db.write_transaction(framework) as conn,
    ):
        store.save_reporting_lines(conn, admin, [line()], remove=[gone])
    assert counts(framework) == before


@pytest.mark.parametrize(
    "grant",
    [
        Grant("officer", area_code="X01"),
        Grant("go", region_code="GOEM"),
        Grant("department", department_code="HO"),
    ],
    ids=["officer", "go", "department"],
)
def test_only_an_administrator_changes_reporting_lines(framework: Engine, grant: Grant) -> None:
    before = counts(framework)
    with pytest.raises(AccessDenied), db.write_transaction(framework) as conn:
        store.save_reporting_lines(conn, Actor("someone", (grant,)), [line()])
    assert counts(framework) == before


# ------------------------------------------------------------------------------------ import


def test_import_adds_updates_and_leaves_unchanged(
    framework: Engine, admin: store.Actor, tmp_path: Path
) -> None:
    path = write(tmp_path, HEADER + ROWS)
    dry = import_file(framework, admin, "reporting_lines", path, dry_run=True)
    assert dry.ok and dry.summary.inserted == 3, dry.describe()
    assert counts(framework)[0] == 0  # a dry run writes nothing

    result = import_file(framework, admin, "reporting_lines", path)
    assert result.ok and (result.summary.inserted, result.rows) == (3, 3), result.describe()
    assert stored(framework) == {
        ("BV128", "department", "HO", "iQuanta monthly recorded crime"):
            ("monthly", "continues", "online", 20),
        ("BV128", "go", "GO", "Fund quarterly monitoring"): ("quarterly", "replaced", "spreadsheet", 30),
        ("NEET", "department", "DfES", "Connexions annual report"): ("annual", "stops", None, None),
    }  # fmt: skip
    assert [a["action"] for a in audit(framework)] == ["reporting_line:create"] * 3

    again = import_file(framework, admin, "reporting_lines", path)
    assert again.ok and again.summary.changed == 0, again.describe()

    changed = write(tmp_path, HEADER + ROWS.replace("monthly,continues", "quarterly,continues"))
    result = import_file(framework, admin, "reporting_lines", changed)
    assert result.ok and (result.summary.updated, result.summary.unchanged) == (1, 2)
    assert audit(framework)[-1]["action"] == "reporting_line:change"


def test_a_file_without_the_optional_columns_keeps_format_and_due_days(
    framework: Engine, admin: store.Actor, tmp_path: Path
) -> None:
    assert import_file(framework, admin, "reporting_lines", write(tmp_path, HEADER + ROWS)).ok
    short = "indicator_code,recipient_type,recipient_code,return_name,frequency,laa_status\n"
    short += "BV128,department,HO,iQuanta monthly recorded crime,monthly,stops\n"
    short += "BV99,department,DfT,Road safety return,annual,continues\n"
    result = import_file(framework, admin, "reporting_lines", write(tmp_path, short, "b.csv"))
    assert result.ok and (result.summary.inserted, result.summary.updated) == (1, 1)
    lines = stored(framework)
    assert lines[("BV128", "department", "HO", "iQuanta monthly recorded crime")] == (
        "monthly", "stops", "online", 20,
    )  # fmt: skip
    assert lines[("BV99", "department", "DfT", "Road safety return")] == (
        "annual", "continues", None, None,
    )  # fmt: skip
    # An empty cell in a column the file has clears the value.
    cleared = HEADER + "BV128,go,GO,Fund quarterly monitoring,quarterly,replaced,,\n"
    assert import_file(framework, admin, "reporting_lines", write(tmp_path, cleared, "c.csv")).ok
    assert stored(framework)[("BV128", "go", "GO", "Fund quarterly monitoring")] == (
        "quarterly", "replaced", None, None,
    )  # fmt: skip


def test_a_bad_file_is_refused_row_by_row_and_nothing_is_written(
    framework: Engine, admin: store.Actor, tmp_path: Path
) -> None:
    assert import_file(framework, admin, "reporting_lines", write(tmp_path, HEADER + ROWS)).ok
    before = counts(framework)
    bad = HEADER + (
        "BV128,department,HO,iQuanta monthly recorded crime,monthly,stops,online,20\n"  # fine
        "NOPE,department,HO,A return,monthly,continues,,\n"  # row 3: unknown indicator
        "BV128,department,HO,A return,weekly,continues,,\n"  # row 4: bad frequency
        "BV128,go,GO,Fund quarterly monitoring,quarterly,stops,,\n"  # row 5: fine
        "BV128,go,GO,Fund quarterly monitoring,annual,stops,,\n"  # row 6: duplicate of row 5
        "BV128,department,XYZ,A return,monthly,continues,,\n"  # row 7: unknown department
        "BV128,ministry,HO,A return,monthly,continues,,\n"  # row 8: bad recipient type
        "BV128,regulator,AC,A return,monthly,ended,,-5\n"  # row 9: bad status, negative days
    )
    result = import_file(framework, admin, "reporting_lines", write(tmp_path, bad, "bad.csv"))
    assert not result.ok
    assert result.errors == [
        "row 3, column indicator_code, value 'NOPE': is not a known indicator code",
        "row 4, column frequency, value 'weekly': is not a known frequency (expected one of: "
        "annual, biennial, monthly, quarterly, termly, triennial)",
        "row 6, column return_name, value 'Fund quarterly monitoring': duplicate of row 5 "
        "(indicator_code, recipient_type, recipient_code, return_name must be unique in a file)",
        "row 7, column recipient_code, value 'XYZ': is not a known department code",
        "row 8, column recipient_type, value 'ministry': is not a known recipient type "
        "(expected one of: department, go, lsp_board, regulator)",
        "row 9, column laa_status, value 'ended': is not a known LAA status (expected one of: "
        "continues, replaced, stops)",
        "row 9, column due_days, value '-5': must not be negative",
    ]
    assert "nothing was written" in result.describe()
    assert counts(framework) == before


def test_missing_columns_are_named(framework: Engine, admin: store.Actor, tmp_path: Path) -> None:
    path = write(tmp_path, "indicator_code,recipient_code,colour\nBV128,HO,red\n")
    result = import_file(framework, admin, "reporting_lines", path)
    assert set(result.errors) == {
        "column recipient_type: required column is missing",
        "column return_name: required column is missing",
        "column frequency: required column is missing",
        "column laa_status: required column is missing",
        "column colour: unknown column",
    }


def test_a_non_administrator_import_is_refused(framework: Engine, tmp_path: Path) -> None:
    officer = Actor("officer", (Grant("officer", area_code="X01"),))
    with pytest.raises(AccessDenied):
        import_file(framework, officer, "reporting_lines", write(tmp_path, HEADER + ROWS))
    assert counts(framework) == (0, counts(framework)[1])
    assert stored(framework) == {}


# ------------------------------------------------------------------------ department family


@pytest.mark.parametrize(
    ("code", "family"),
    [
        ("DCSF", {"DCSF", "DfES"}),  # not its sibling DIUS
        ("DIUS", {"DIUS", "DfES"}),
        ("DfES", {"DfES", "DCSF", "DIUS"}),  # a predecessor's lines count for each successor
        ("DCLG", {"DCLG", "ODPM"}),
        ("ODPM", {"ODPM", "DCLG"}),
        ("BERR", {"BERR", "DTI"}),
        ("HO", {"HO"}),
    ],
)
def test_department_family(engine: Engine, code: str, family: set[str]) -> None:
    with engine.connect() as conn:
        assert store.department_family(conn, [code]) == family


def test_department_indicators_follow_each_family(framework: Engine, admin: store.Actor) -> None:
    """A DfES line counts for DfES, DCSF and DIUS; a DIUS line for DIUS and DfES, not DCSF;
    the same pairs `department_lines` gives one department at a time."""
    with db.write_transaction(framework) as conn:
        store.save_reporting_lines(conn, admin, [
            line(indicator_code="BV38", recipient_code="DfES", return_name="KS4"),
            line(indicator_code="SFL", recipient_code="DIUS", return_name="Skills for Life"),
        ])  # fmt: skip
    pairs = store.department_indicators(framework)
    got = {c: set(pairs.filter(pl.col("department_code") == c)["indicator_code"])
           for c in ("DfES", "DCSF", "DIUS", "HO")}  # fmt: skip
    assert got == {"DfES": {"BV38", "SFL"}, "DCSF": {"BV38"}, "DIUS": {"BV38", "SFL"}, "HO": set()}
    for code in got:
        assert got[code] == set(store.department_lines(framework, code)["indicator_code"])
