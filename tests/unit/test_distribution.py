"""The spread of one indicator over areas a reader may not see (store.indicator_distribution):
only n, quartiles and median, suppressed below five values, equal to what the compare page
works out for a reader of every area. On the demo, on SQLite and on PostgreSQL when
TEST_DATABASE_URL is set."""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl
import pytest
from sqlalchemy import Engine

from dashboard import db, store
from dashboard.access import AccessDenied, Actor, Grant
from dashboard.analysis import assess_areas
from dashboard.reports import compare
from seed_data.demo import DEMO_TODAY, seed_demo
from tests.conftest import _BACKENDS, backend_database

ADMIN = store.cli_actor("distribution-test")
OFFICER = Actor("officer-d10", (Grant("officer", area_code="D10"),))
DEPARTMENT = Actor("dept-ho", (Grant("department", department_code="HO"),))


@pytest.fixture(scope="module", params=_BACKENDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    url = backend_database(request.param, tmp_path_factory.mktemp("distribution"))
    engine = db.get_engine(url)
    seed_demo(engine, ADMIN)
    yield engine
    db.dispose_all()


def _all_codes(engine: Engine) -> list[str]:
    return store.list_areas(engine, ADMIN)["area_code"].to_list()


def _expected(engine: Engine, indicator: str, codes: list[str]) -> compare.Statistics:
    """What the compare page shows an administrator for these areas."""
    result = assess_areas(engine, ADMIN, _all_codes(engine), DEMO_TODAY)
    frame = compare.comparison(
        result.targets, store.list_areas(engine, ADMIN), indicator, codes[0], "all"
    ).filter(pl.col("area_code").is_in(codes))
    return compare.statistics(frame["value"], indicator)


@pytest.mark.parametrize("indicator", ["BV126", "DRUG-T"])  # a rate; a count (per 1,000)
def test_an_officer_reads_the_national_spread_as_an_administrator_sees_it(
    demo: Engine, indicator: str
) -> None:
    codes = _all_codes(demo)
    got = store.indicator_distribution(demo, OFFICER, indicator, codes, DEMO_TODAY)
    want = _expected(demo, indicator, codes)
    assert got["n"] == want.n >= store.MINIMUM_AREAS and not got["suppressed"]
    assert got["median"] == pytest.approx(want.median)
    assert got["lower_quartile"] == pytest.approx(want.lower_quartile)
    assert got["upper_quartile"] == pytest.approx(want.upper_quartile)
    assert set(got) == {"n", "suppressed", "lower_quartile", "median", "upper_quartile"}


def test_fewer_than_five_values_are_suppressed(demo: Engine) -> None:
    codes = _all_codes(demo)[:4]
    got = store.indicator_distribution(demo, OFFICER, "BV126", codes, DEMO_TODAY)
    assert got["n"] <= 4 and got["suppressed"]
    assert got["median"] is got["lower_quartile"] is got["upper_quartile"] is None


def test_the_officer_still_cannot_read_other_areas_rows(demo: Engine) -> None:
    with pytest.raises(AccessDenied):
        store.load_scope(demo, OFFICER, ["D02"])
    assert store.list_areas(demo, OFFICER)["area_code"].to_list() == ["D10"]


def test_who_may_not_ask(demo: Engine) -> None:
    codes = _all_codes(demo)
    with pytest.raises(AccessDenied):  # no grants: reads nothing
        store.indicator_distribution(demo, Actor("nobody"), "BV126", codes, DEMO_TODAY)
    ho = store.readable(demo, DEPARTMENT).indicators or frozenset()
    other = next(code for code in ("BV82ab", "NEET", "BV38") if code not in ho)
    with pytest.raises(AccessDenied):  # a department: only its own indicators
        store.indicator_distribution(demo, DEPARTMENT, other, codes, DEMO_TODAY)
    with pytest.raises(store.RuleViolation):
        store.indicator_distribution(demo, OFFICER, "BV126", ["D10", "ZZ9"], DEMO_TODAY)


def test_reference_areas_hold_no_performance_figures(demo: Engine) -> None:
    areas = store.reference_areas(demo)
    assert areas.height == len(_all_codes(demo))
    assert set(areas.columns) == {
        "area_code", "area_name", "region_code", "region_name", "la_type", "population",
        "deprivation_rank",
    }  # fmt: skip
