"""The region and national views (issue 13): the grid against each area's own assessment,
the red-flag rules on hand-made frames, the national counts against the region grids, and
who may read what. The demo is seeded once per module, on SQLite and on PostgreSQL when
TEST_DATABASE_URL is set; area counts always come from the store, never a fixed number."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

import polars as pl
import pytest
from sqlalchemy import Engine

from dashboard import db, store
from dashboard.access import AccessDenied, Actor, Grant
from dashboard.analysis import Assessment, assess_areas
from dashboard.reports import board
from dashboard.reports import region as core
from dashboard.store import RuleViolation
from seed_data.demo import DEMO_TODAY, seed_demo
from tests.conftest import _BACKENDS, backend_database

ADMIN = store.cli_actor("region-test")
GOEM = Actor("go-em", (Grant("go", region_code="GOEM"),))
HOME_OFFICE = Actor("ho", (Grant("department", department_code="HO"),))
OFFICER = Actor("officer-d10", (Grant("officer", area_code="D10"),))
REGION = "GOEM"


@pytest.fixture(scope="module", params=_BACKENDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    url = backend_database(request.param, tmp_path_factory.mktemp("region"))
    engine = db.get_engine(url)
    seed_demo(engine, ADMIN)
    yield engine
    db.dispose_all()


def region_codes(engine: Engine, region: str = REGION) -> list[str]:
    areas = store.list_areas(engine, ADMIN)
    return areas.filter(pl.col("region_code") == region)["area_code"].to_list()


# ------------------------------------------------------------------------ the region grid


def test_each_cell_equals_the_areas_own_overview_counts(demo: Engine) -> None:
    view = core.region_view(demo, GOEM, REGION, DEMO_TODAY)
    grid, _ = core.region_tables(view, core.Filters())
    codes = region_codes(demo)
    assert sorted(grid["area_code"]) == sorted(codes) and len(codes) >= 2
    checked = 0
    for code in codes:  # each area on its own, as its overview loads it
        own = assess_areas(demo, ADMIN, [code], DEMO_TODAY)
        row = grid.filter(pl.col("area_code") == code).row(0, named=True)
        for block in board.block_summary(own.targets, own.blocks).iter_rows(named=True):
            b = block["block_code"]
            for column in (*core.COUNTS, "targets", *core.AXES):
                assert row[f"{b}_{column}"] == block[column], (code, b, column)
                checked += 1
        summary = own.areas.row(0, named=True)
        for column in ("prg_gbp", "max_prg_gbp", "prg_low_gbp", "prg_high_gbp", "at_stake_gbp"):
            assert row[column] == summary[column], (code, column)
        assert row["overdue_values"] == own.missing.filter(pl.col("state") == "overdue").height
        start = own.scope.agreements["agreement_start"][0]
        assert row["cohort"] == start.year
    assert checked > 0
    ratings = {grid[f"{b}_performance"].drop_nulls().n_unique() for b in core.block_codes(
        view.assessment.targets)}  # fmt: skip
    assert max(ratings) > 1  # the region has good and poor blocks: a real comparison


def test_a_pilot_area_has_no_fourth_block(demo: Engine) -> None:
    """The 2005 pilots had no EDE block: their EDE cells are empty, not zeros."""
    view = core.region_view(demo, ADMIN, REGION, DEMO_TODAY)
    grid, _ = core.region_tables(view, core.Filters())
    pilots = grid.filter(pl.col("cohort") == 2005)
    assert pilots.height > 0
    assert pilots["EDE_targets"].null_count() == pilots.height


def test_signoff_and_reward_range_are_per_area(demo: Engine) -> None:
    view = core.region_view(demo, GOEM, REGION, DEMO_TODAY)
    grid, _ = core.region_tables(view, core.Filters())
    assert set(grid["go_signoff"].str.split(" ").list.first()) <= {"reviewed", "not"}
    assert (grid["prg_low_gbp"] <= grid["prg_gbp"]).all()
    assert (grid["prg_gbp"] <= grid["prg_high_gbp"]).all()


def test_each_area_carries_its_latest_go_capacity_judgement(demo: Engine) -> None:
    view = core.region_view(demo, GOEM, REGION, DEMO_TODAY)
    grid, _ = core.region_tables(view, core.Filters())
    latest = store.latest_capacity(demo, ADMIN, region_codes(demo))
    assert latest.height > 0  # the demo assesses its GO's areas
    shown = grid.join(latest, on="area_code", how="left")
    assert shown["capacity_overall"].to_list() == shown["overall"].to_list()
    assert shown["capacity_recommendation"].to_list() == shown["recommendation"].to_list()
    assert shown["capacity_assessed_on"].to_list() == shown["assessed_on"].to_list()


def test_filters_narrow_areas_and_blocks(demo: Engine) -> None:
    view = core.region_view(demo, ADMIN, REGION, DEMO_TODAY)
    whole, _ = core.region_tables(view, core.Filters())
    cohort = int(whole["cohort"][0])
    by_cohort, flags = core.region_tables(view, core.Filters(cohort=cohort))
    assert set(by_cohort["cohort"]) == {cohort}
    assert by_cohort.height == whole.filter(pl.col("cohort") == cohort).height
    assert set(flags["area_code"]) <= set(by_cohort["area_code"])
    la_type = str(whole["la_type"][0])
    by_type, _ = core.region_tables(view, core.Filters(la_type=la_type))
    assert set(by_type["la_type"]) == {la_type}

    cyp, cyp_flags = core.region_tables(view, core.Filters(block="CYP"))
    assert cyp["targets"].to_list() == cyp.join(whole, on="area_code")["CYP_targets"].to_list()
    assert cyp["SSC_targets"].null_count() == cyp.height  # other blocks' cells are empty
    assert set(cyp_flags["block_code"]) <= {"CYP"}
    # the block's reward against the shares its reward targets carry
    for row in cyp.iter_rows(named=True):
        own = view.assessment.targets.filter(
            (pl.col("area_code") == row["area_code"]) & (pl.col("block_code") == "CYP")
        )
        assert row["max_prg_gbp"] == own.filter(pl.col("is_reward"))["reward_share_gbp"].sum()


def test_a_department_sees_only_its_indicators_counts(demo: Engine) -> None:
    view = core.region_view(demo, HOME_OFFICE, REGION, DEMO_TODAY)
    grid, flags = core.region_tables(view, core.Filters())
    whole = core.region_tables(core.region_view(demo, ADMIN, REGION, DEMO_TODAY), core.Filters())[0]
    assert 0 < grid["targets"].sum() < whole["targets"].sum()
    own = store.readable(demo, HOME_OFFICE).indicators
    assert own is not None and set(view.assessment.targets["indicator_code"]) <= own
    assert set(flags["indicator_code"]) <= own
    for code in grid["area_code"]:
        mine = assess_areas(demo, HOME_OFFICE, [code], DEMO_TODAY)
        row = grid.filter(pl.col("area_code") == code).row(0, named=True)
        for block in board.block_summary(mine.targets, mine.blocks).iter_rows(named=True):
            for column in core.COUNTS:
                assert row[f"{block['block_code']}_{column}"] == block[column]
        # its maximum is its targets' share, as on its overview
        assert row["max_prg_gbp"] == board.reward_share_total(mine.targets)


# ------------------------------------------------------------------------------ access


def test_a_go_reads_only_its_own_region(demo: Engine) -> None:
    assert set(store.readable_regions(demo, GOEM)["region_code"]) == {REGION}
    assert store.region_areas(demo, GOEM, REGION).height == len(region_codes(demo))
    with pytest.raises(AccessDenied):
        store.region_areas(demo, GOEM, "GONW")
    with pytest.raises(AccessDenied):
        core.region_view(demo, GOEM, "GONW", DEMO_TODAY)
    with pytest.raises(RuleViolation):
        store.region_areas(demo, ADMIN, "NOWHERE")


def test_an_area_role_reads_no_region_and_no_national_view(demo: Engine) -> None:
    assert store.readable_regions(demo, OFFICER).is_empty()
    with pytest.raises(AccessDenied):
        store.region_areas(demo, OFFICER, REGION)  # not even its own area's region
    for actor in (OFFICER, GOEM):
        with pytest.raises(AccessDenied):
            core.national_view(demo, actor, DEMO_TODAY)


def test_the_national_view_from_a_kept_assessment_is_the_same_and_checks_first(
    demo: Engine,
) -> None:
    asked: list[list[str]] = []

    def kept(codes: list[str]) -> Assessment:
        asked.append(codes)
        return assess_areas(demo, ADMIN, codes, DEMO_TODAY)

    for actor in (OFFICER, GOEM):  # refused before the assessment is asked for
        with pytest.raises(AccessDenied):
            core.national_view(demo, actor, DEMO_TODAY, assessed=kept)
    assert asked == []
    shared = core.national_view(demo, ADMIN, DEMO_TODAY, assessed=kept)
    assert asked == [store.list_areas(demo, ADMIN)["area_code"].to_list()]
    own = core.national_view(demo, ADMIN, DEMO_TODAY)
    assert shared.blocks == own.blocks
    assert shared.grid.equals(own.grid)


def test_administrators_and_departments_read_every_region(demo: Engine) -> None:
    nine = store.list_regions(demo)["region_code"].to_list()
    assert len(nine) == 9
    for actor in (ADMIN, HOME_OFFICE):
        assert store.readable_regions(demo, actor)["region_code"].to_list() == nine


# --------------------------------------------------------------------------- national


@pytest.mark.parametrize("actor", [ADMIN, HOME_OFFICE], ids=["admin", "department"])
def test_national_counts_are_the_sum_of_the_region_grids(demo: Engine, actor: Actor) -> None:
    national = core.national_view(demo, actor, DEMO_TODAY)
    grid = national.grid
    assert grid["region_code"].to_list() == store.list_regions(demo)["region_code"].to_list()
    blocks = list(national.blocks)
    for row in grid.iter_rows(named=True):
        areas = store.region_areas(demo, actor, row["region_code"])
        assert row["areas"] == areas.height
        if areas.is_empty():
            assert row["targets"] == 0
            continue
        region_grid, _ = core.region_tables(
            core.region_view(demo, actor, row["region_code"], DEMO_TODAY), core.Filters()
        )
        for b in blocks:
            for column in ("targets", *core.COUNTS):
                name = f"{b}_{column}"
                expected = region_grid[name].sum() if name in region_grid.columns else 0
                assert row[name] == expected, (row["region_code"], name)
        for column in ("prg_gbp", "max_prg_gbp"):
            assert row[column] == region_grid[column].sum(), (row["region_code"], column)
    everything = store.list_areas(demo, actor).height
    assert grid["areas"].sum() == everything


# ------------------------------------------------------------------ red flags, by rule


def flagged_assessment(**target: object) -> Assessment:
    """One target (ordinary, on track, steady, with commentary) with `target`'s changes,
    and optionally an overdue value (`days_late`)."""
    days_late = target.pop("days_late", None)
    said = target.pop("commentary", True)
    row = {
        "target_id": 1, "area_code": "A1", "indicator_code": "I1", "indicator_name": "An indicator",
        "block_code": "CYP", "partnership": "Children's Trust", "lead_officer": "Ann Lead",
        "rag": "green", "direction": "steady", "is_reward": False, "cliff_edge": False,
        "at_stake_gbp": None, "gap": 0.0,
        **target,
    }  # fmt: skip
    targets = pl.DataFrame(
        [row],
        schema_overrides={"at_stake_gbp": pl.Decimal(38, 2), "gap": pl.Float64, "rag": pl.Utf8},
    )
    missing = pl.DataFrame(
        {
            "target_id": [1] if days_late is not None else [],
            "period": [date(2008, 6, 30)] if days_late is not None else [],
            "due_date": [date(2008, 9, 30)] if days_late is not None else [],
            "days_late": [days_late] if days_late is not None else [],
            "state": ["overdue" if (days_late or 0) > 30 else "due"] if days_late is not None else [],
        },
        schema={"target_id": pl.Int64, "period": pl.Date, "due_date": pl.Date,
                "days_late": pl.Int64, "state": pl.Utf8},
    )  # fmt: skip
    commentary = pl.DataFrame(
        {
            "area_code": ["A1"] if said else [],
            "indicator_code": ["I1"] if said else [],
            "period": [date(2008, 9, 30)] if said else [],
            "text": ["Why, and what is done"] if said else [],
            "author": ["Ann Lead"] if said else [],
            "recorded_at": [datetime(2008, 10, 20)] if said else [],
            "kind": ["officer"] if said else [],
            "action": [None] if said else [],
        },
        schema={"area_code": pl.Utf8, "indicator_code": pl.Utf8, "period": pl.Date,
                "text": pl.Utf8, "author": pl.Utf8, "recorded_at": pl.Datetime("us"),
                "kind": pl.Utf8, "action": pl.Utf8},
    )  # fmt: skip
    agreements = pl.DataFrame({"area_code": ["A1"], "area_name": ["Area One"]})
    empty = pl.DataFrame()
    scope = store.Scope(targets, empty, empty, agreements, commentary)
    return Assessment(DEMO_TODAY, scope, targets, empty, empty, missing)


def test_a_target_on_track_with_commentary_is_not_flagged() -> None:
    assert core.red_flags(flagged_assessment()).is_empty()


@pytest.mark.parametrize(
    ("change", "flag"),
    [
        ({"is_reward": True, "rag": "red", "direction": "worsening"}, core.FLAG_REWARD_WORSENING),
        ({"cliff_edge": True, "at_stake_gbp": Decimal("250000.00")}, core.FLAG_CLIFF_EDGE),
        ({"days_late": 45}, core.FLAG_OVERDUE),
        ({"rag": "red", "commentary": False}, core.FLAG_NO_COMMENTARY),
        ({"direction": "worsening", "commentary": False}, core.FLAG_NO_COMMENTARY),
    ],
)
def test_each_rule_flags_its_case(change: dict, flag: str) -> None:
    (row,) = core.red_flags(flagged_assessment(**change)).to_dicts()
    assert flag in row["why"].split("; ")
    assert row["area_name"] == "Area One" and row["partnership"] == "Children's Trust"
    assert row["lead_officer"] == "Ann Lead"


@pytest.mark.parametrize(
    "change",
    [
        {"is_reward": True, "rag": "red", "direction": "steady"},  # off track, not worsening
        {"is_reward": True, "rag": "amber", "direction": "worsening"},  # worsening, not off track
        {"is_reward": False, "rag": "red", "direction": "worsening"},  # not a reward target
        {"cliff_edge": False, "at_stake_gbp": None},
        {"days_late": 30},  # due, not yet overdue (more than 30 days)
        {"rag": "red"},  # an exception with commentary
    ],
)
def test_each_rule_is_off_short_of_its_case(change: dict) -> None:
    assert core.red_flags(flagged_assessment(**change)).is_empty()


def test_red_flags_come_worst_first_with_commentary() -> None:
    worst = flagged_assessment(is_reward=True, rag="red", direction="worsening")
    cliff = flagged_assessment(cliff_edge=True, at_stake_gbp=Decimal("100.00"))
    late = flagged_assessment(days_late=90)
    merged = [worst, cliff, late]
    targets = pl.concat(
        [a.targets.with_columns(target_id=pl.lit(i), indicator_code=pl.lit(f"I{i}"))
         for i, a in enumerate(merged)]
    )  # fmt: skip
    missing = late.missing.with_columns(target_id=pl.lit(2, pl.Int64))
    commentary = pl.concat(
        [worst.scope.commentary.with_columns(indicator_code=pl.lit(f"I{i}")) for i in range(3)]
    )
    scope = store.Scope(targets, pl.DataFrame(), pl.DataFrame(), worst.scope.agreements, commentary)
    flags = core.red_flags(Assessment(DEMO_TODAY, scope, targets, targets, targets, missing))
    assert flags["why"].to_list() == [
        core.FLAG_REWARD_WORSENING, core.FLAG_CLIFF_EDGE, core.FLAG_OVERDUE,
    ]  # fmt: skip
    assert flags["commentary"].to_list() == ["Why, and what is done"] * 3
    assert flags["at_stake_gbp"].to_list()[1] == Decimal("100.00")
    assert flags["days_late"].to_list()[2] == 90


def test_demo_region_has_red_flags_of_the_region_only(demo: Engine) -> None:
    view = core.region_view(demo, GOEM, REGION, DEMO_TODAY)
    _, flags = core.region_tables(view, core.Filters())
    assert flags.height > 0
    assert set(flags["area_code"]) <= set(region_codes(demo))
    assert flags["severity"].is_sorted()


# ------------------------------------------------------------------------------ speed


def test_each_view_reads_its_areas_in_one_pass(
    demo: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One scope read for all the areas of a view, never one per area (issue 13 item 6)."""
    calls: list[int] = []
    real = store.load_scope

    def counted(engine, actor, area_codes, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(len(area_codes))
        return real(engine, actor, area_codes, **kwargs)

    monkeypatch.setattr(store, "load_scope", counted)
    core.region_view(demo, GOEM, REGION, DEMO_TODAY)
    assert calls == [len(region_codes(demo))]
    calls.clear()
    core.national_view(demo, ADMIN, DEMO_TODAY)
    assert calls == [store.list_areas(demo, ADMIN).height]


def test_areas_to_challenge_puts_the_worst_flags_first() -> None:
    """Worst-kind flags first, then most flags, then most off track; areas with nothing
    flagged and nothing off track are left out; at most n."""
    from dashboard.reports.region import areas_to_challenge

    grid = pl.DataFrame(
        {
            "area_code": ["A", "B", "C", "D", "E"],
            "area_name": ["Alpha", "Beta", "Gamma", "Delta", "Epsilon"],
            "red": [1, 4, 0, 2, 0],
            "at_stake_gbp": [None, 1000.0, None, None, None],
        }
    )
    flags = pl.DataFrame(
        {
            "area_code": ["A", "B", "B", "B", "D", "D", "D"],
            "severity": [0, 1, 2, 3, 1, 3, 3],
        }
    )
    top = areas_to_challenge(grid, flags, n=3)
    assert top["area_code"].to_list() == ["A", "B", "D"]  # A's one flag is of the worst kind
    assert top.row(1, named=True) == {
        "area_code": "B", "area_name": "Beta", "flags": 3, "worst": 0, "red": 4,
        "at_stake_gbp": 1000.0,
    }  # fmt: skip
    everyone = areas_to_challenge(grid, flags, n=10)
    assert "C" not in everyone["area_code"].to_list() and "E" not in everyone["area_code"]
    tie = areas_to_challenge(grid.with_columns(red=pl.lit(1)), flags.filter(pl.col("severity") > 0))
    assert tie["area_code"].to_list() == ["B", "D", "A"]  # equal flags: by name
