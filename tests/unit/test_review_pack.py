"""The GO six-monthly review pack and its sign-off (issue 6), on the demo.

Block ratings and counts are compared with the core assessment of the same area and date;
commentary is read back from the commentary table with SQL. Sign-off writes only add rows,
so the tests here use their own areas and periods and compare before and after. The demo
is seeded once per module, on SQLite and on PostgreSQL when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import polars as pl
import pytest
from sqlalchemy import Engine, func, select, text

from dashboard import analysis, db, store
from dashboard.access import AccessDenied, Actor, Grant
from dashboard.reports.returns import department_return
from dashboard.reports.review import NO_COMMENTARY, REVIEW_COLUMNS, review_pack
from data_models import AuditEvent, CapacityAssessment, ReviewSignOff
from seed_data.demo import DEMO_TODAY, seed_demo
from tests.conftest import _BACKENDS, backend_database

ADMIN = store.cli_actor("review-test")
GOEM = Actor("go-em", (Grant("go", region_code="GOEM"),))  # D10's region
GONW = Actor("go-nw", (Grant("go", region_code="GONW"),))
AREA = "D10"


@pytest.fixture(scope="module", params=_BACKENDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    url = backend_database(request.param, tmp_path_factory.mktemp("review"))
    engine = db.get_engine(url)
    seed_demo(engine, ADMIN)
    yield engine
    db.dispose_all()


def region_of(engine: Engine, area: str) -> str:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT region_code FROM area WHERE code = :a"), {"a": area}
        ).scalar_one()


def counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(ReviewSignOff)).scalar_one(),
            conn.execute(select(func.count()).select_from(AuditEvent)).scalar_one(),
        )


def latest_commentary(engine: Engine, area: str, as_at: date) -> dict[str, str]:
    """The newest comment per indicator about a period that exists at `as_at`, by SQL."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT indicator_code, text FROM commentary WHERE area_code = :a "
                "AND (period IS NULL OR period <= :d) ORDER BY recorded_at, id"
            ),
            {"a": area, "d": as_at},
        ).all()
    return dict(rows)  # later rows overwrite earlier ones: the newest wins


# ------------------------------------------------------------------------------------ tests


@pytest.mark.parametrize("as_at", [DEMO_TODAY, date(2008, 3, 31)])
def test_blocks_equal_the_core_assessment(demo: Engine, as_at: date) -> None:
    pack = review_pack(demo, ADMIN, AREA, as_at)
    table = pack.table()
    assert table.columns == list(REVIEW_COLUMNS)
    core = analysis.assess_areas(demo, ADMIN, [AREA], as_at)
    axes = core.blocks.select("block_code", "performance", "progress", "risk")
    got = table.select("block_code", "performance", "progress", "risk")
    assert got.sort("block_code").equals(axes.sort("block_code"))
    assert set(table["area_code"]) == {AREA}
    # Status counts per block, from the assessed targets.
    want = core.targets.group_by("block_code").agg(
        targets=pl.len().cast(pl.Int64),
        green=(pl.col("rag") == "green").sum().cast(pl.Int64),
        amber=(pl.col("rag") == "amber").sum().cast(pl.Int64),
        red=(pl.col("rag") == "red").sum().cast(pl.Int64),
    )
    got_counts = table.select("block_code", "targets", "green", "amber", "red")
    assert got_counts.sort("block_code").equals(want.sort("block_code"))
    assert table["targets"].sum() == core.targets.height > 0
    # Reward forecast and maximum: the core's figures, in pounds to the penny.
    money = core.blocks.select("block_code", "reward_forecast_gbp", "reward_maximum_gbp")
    for row in table.join(money, on="block_code").iter_rows(named=True):
        for column in ("reward_forecast_gbp", "reward_maximum_gbp"):
            assert Decimal(row[column]) == Decimal(str(row[f"{column}_right"])).quantize(
                Decimal("0.01")
            ), (row["block_code"], column)


def test_exceptions_are_code_colon_commentary_joined_by_bars(demo: Engine) -> None:
    pack = review_pack(demo, ADMIN, AREA, DEMO_TODAY)
    core = analysis.assess_areas(demo, ADMIN, [AREA], DEMO_TODAY).targets
    off_track = core.filter((pl.col("rag") == "red") | (pl.col("direction") == "worsening"))
    said = latest_commentary(demo, AREA, DEMO_TODAY)
    with_text = without = 0
    for row in pack.table().iter_rows(named=True):
        block = row["block_code"]
        expected_codes = set(off_track.filter(pl.col("block_code") == block)["indicator_code"])
        order = pack.exceptions.filter(pl.col("block_code") == block)["indicator_code"].to_list()
        assert set(order) == expected_codes, block
        items = [f"{code}: {said.get(code, NO_COMMENTARY)}" for code in order]
        assert row["exceptions"] == " | ".join(items), block
        with_text += sum(code in said for code in order)
        without += sum(code not in said for code in order)
    assert with_text > 0 and without > 0  # the demo has both kinds in D10
    assert NO_COMMENTARY == "no commentary yet"
    # The CSV keeps the joined string in one cell.
    rows = list(csv.DictReader(io.StringIO(pack.csv_bytes().decode("utf-8"))))
    assert [r["exceptions"] for r in rows] == pack.table()["exceptions"].to_list()
    assert tuple(rows[0]) == REVIEW_COLUMNS


def test_an_area_without_exceptions_in_a_block_has_an_empty_cell(demo: Engine) -> None:
    pack = review_pack(demo, ADMIN, AREA, DEMO_TODAY)
    quiet = set(pack.table()["block_code"]) - set(pack.exceptions["block_code"])
    assert quiet, "the demo's D10 has a block with no exceptions"
    cells = pack.table().filter(pl.col("block_code").is_in(sorted(quiet)))["exceptions"]
    assert (cells == "").all()


def test_the_go_of_the_region_signs_off_and_reopens_with_audit(demo: Engine) -> None:
    assert region_of(demo, AREA) == "GOEM"
    review = date(2008, 9, 30)
    pack = review_pack(demo, GOEM, AREA, DEMO_TODAY)
    assert pack.review == review
    assert pack.signoff == "not reviewed"
    rows, audits = counts(demo)

    store.mark_review(demo, GOEM, AREA, review, note="pack discussed with the LSP")
    assert counts(demo) == (rows + 1, audits + 1)
    signed = review_pack(demo, GOEM, AREA, DEMO_TODAY).signoff
    assert signed.startswith("reviewed by go-em on ")
    # The return shows the same GO sign-off for the area.
    returned = department_return(demo, ADMIN, "HO", review, DEMO_TODAY).completeness()
    assert returned.filter(pl.col("area_code") == AREA)["go_signoff"].to_list() == [signed]
    other = returned.filter(pl.col("area_code") != AREA)["go_signoff"]
    assert set(other) == {"not reviewed"}

    store.mark_review(demo, GOEM, AREA, review, state="reopened")
    assert counts(demo) == (rows + 2, audits + 2)
    assert review_pack(demo, GOEM, AREA, DEMO_TODAY).signoff == "not reviewed"

    trail = store.audit_frame(demo, ADMIN, AREA).filter(pl.col("action").str.starts_with("review:"))
    actions = trail.select("user", "action", "period", "before", "after", "reason").to_dicts()
    assert actions[-2:] == [  # oldest first
        {"user": "go-em", "action": "review:reviewed", "period": review, "before": None,
         "after": "reviewed", "reason": "pack discussed with the LSP"},
        {"user": "go-em", "action": "review:reopened", "period": review, "before": "reviewed",
         "after": "reopened", "reason": None},
    ]  # fmt: skip
    state = store.review_signoffs(demo, GOEM, [AREA]).filter(pl.col("period") == review)
    assert state["state"].to_list() == ["reopened"]


@pytest.mark.parametrize(
    "actor",
    [
        GONW,
        Actor("board-d10", (Grant("board", area_code=AREA),)),
        Actor("dept", (Grant("department", department_code="HO"),)),
    ],
    ids=["go-other-region", "board", "department"],
)
def test_others_may_not_sign_off(demo: Engine, actor: Actor) -> None:
    before = counts(demo)
    with pytest.raises(AccessDenied):
        store.mark_review(demo, actor, AREA, date(2008, 3, 31))
    assert counts(demo) == before


def test_unknown_state_or_area_is_refused(demo: Engine) -> None:
    before = counts(demo)
    with pytest.raises(ValueError, match="unknown review state"):
        store.mark_review(demo, ADMIN, AREA, date(2008, 3, 31), state="approved")
    with pytest.raises(store.RuleViolation, match="unknown area"):
        store.mark_review(demo, ADMIN, "Z99", date(2008, 3, 31))
    assert counts(demo) == before


def test_a_go_reads_only_its_own_region_s_packs(demo: Engine) -> None:
    with pytest.raises(AccessDenied):
        review_pack(demo, GONW, AREA, DEMO_TODAY)


def test_excel_pack_has_the_blocks(demo: Engine) -> None:
    pack = review_pack(demo, ADMIN, AREA, DEMO_TODAY)
    blocks = pl.read_excel(io.BytesIO(pack.excel_bytes()), sheet_name="Blocks")
    assert blocks.columns == list(REVIEW_COLUMNS)
    assert blocks["block_code"].to_list() == pack.table()["block_code"].to_list()


def go_judgement(engine: Engine, area: str, as_at: date) -> tuple | None:
    """The GO's newest capacity assessment of an area on or before a date, by SQL."""
    a = CapacityAssessment
    with engine.connect() as conn:
        found = conn.execute(
            select(a.overall, a.assessed_on, a.recommendation, a.conditions)
            .where(a.area_code == area, a.kind == "go", a.assessed_on <= as_at)
            .order_by(a.assessed_on.desc(), a.id.desc())
            .limit(1)
        ).first()
    return tuple(found) if found else None


@pytest.mark.parametrize("as_at", [DEMO_TODAY, date(2008, 9, 30)])
def test_the_pack_carries_the_go_s_capacity_judgement(demo: Engine, as_at: date) -> None:
    """The trailing columns, the page's `capacity` and the About sheet hold the GO's latest
    judgement by the as-at date (October's review on today, March's before it)."""
    expected = go_judgement(demo, AREA, as_at)
    assert expected is not None
    overall, assessed_on, recommendation, conditions = expected
    assert assessed_on.month == (10 if as_at == DEMO_TODAY else 3)
    pack = review_pack(demo, GOEM, AREA, as_at)
    table = pack.table()
    assert table.columns[-3:] == ["capacity_judgement", "capacity_assessed_on",
                                  "signoff_recommendation"]  # fmt: skip
    assert set(table.select(table.columns[-3:]).rows()) == {(overall, assessed_on, recommendation)}
    assert pack.capacity is not None
    assert pack.capacity["conditions"] == (conditions or "").splitlines()
    assert pack.capacity["judgement"] == overall.capitalize()
    about = dict(pl.read_excel(io.BytesIO(pack.excel_bytes()), sheet_name="About").iter_rows())
    assert about["capacity judgement (GO)"] == overall.capitalize()
    assert about["capacity assessed on"] == assessed_on.isoformat()
    assert about["sign-off recommendation"].startswith(
        {"ready": "Ready for sign-off", "ready_with_conditions": "Ready with conditions",
         "not_ready": "Not ready"}[recommendation]
    )  # fmt: skip
    header, *rows = list(csv.reader(io.StringIO(pack.csv_bytes().decode("utf-8"))))
    assert header == list(REVIEW_COLUMNS)
    assert {tuple(r[-3:]) for r in rows} == {(overall, assessed_on.isoformat(), recommendation)}


def test_a_pack_before_any_go_assessment_has_empty_capacity_columns(demo: Engine) -> None:
    as_at = date(2008, 1, 31)
    assert go_judgement(demo, AREA, as_at) is None
    pack = review_pack(demo, ADMIN, AREA, as_at)
    assert pack.capacity is None
    trailing = pack.table().select("capacity_judgement", "capacity_assessed_on",
                                   "signoff_recommendation")  # fmt: skip
    assert all(v is None for row in trailing.rows() for v in row)
    _, first = list(csv.reader(io.StringIO(pack.csv_bytes().decode("utf-8"))))[:2]
    assert first[-3:] == ["", "", ""]
    about = dict(pl.read_excel(io.BytesIO(pack.excel_bytes()), sheet_name="About").iter_rows())
    assert about["capacity judgement (GO)"] == "not assessed by the Government Office yet"
