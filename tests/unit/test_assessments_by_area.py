"""The assessment of many areas kept area by area (`dashboard.assessments_by_area`), on the
demo (SQLite and PostgreSQL): put back together from its parts it is the one-pass assessment,
and after a write only the written area is assessed again, with the same result as a fresh
pass; the national view drawn from it is the one drawn from a fresh pass."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import Engine

from dashboard import db, store
from dashboard.access import Actor
from dashboard.analysis import Assessment, assess_areas
from dashboard.assessments_by_area import MAX_BATCHES, AssessmentsByArea, combine, narrowed
from dashboard.reports import region
from seed_data.demo import DEMO_TODAY
from tests.conftest import _BACKENDS, demo_engine


@dataclass
class Demo:
    engine: Engine
    admin: Actor
    codes: list[str]


@pytest.fixture(scope="module", params=_BACKENDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    engine, admin = demo_engine(request.param, tmp_path_factory.mktemp("by_area"))
    yield Demo(engine, admin, store.list_areas(engine, admin)["area_code"].to_list())
    db.dispose_all()


def _frames(result: Assessment) -> dict[str, pl.DataFrame]:
    scope = result.scope
    return {
        "targets": result.targets, "areas": result.areas, "blocks": result.blocks,
        "missing": result.missing, "scope.targets": scope.targets,
        "scope.milestones": scope.milestones, "scope.actuals": scope.actuals,
        "scope.agreements": scope.agreements,
        # newest first as read; two areas' commentary of the same minute may swap places
        "scope.commentary": scope.commentary.sort(pl.all()),
    }  # fmt: skip


def _assert_same(got: Assessment, expected: Assessment) -> None:
    assert got.as_at == expected.as_at
    for name, frame in _frames(expected).items():
        try:
            assert_frame_equal(_frames(got)[name], frame)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from exc


def test_the_parts_put_back_together_are_the_one_pass_assessment(demo: Demo) -> None:
    whole = assess_areas(demo.engine, demo.admin, demo.codes, DEMO_TODAY)
    one = demo.codes[0]
    # narrowed to one area, it is that area's own assessment
    alone = narrowed(whole, [one])
    _assert_same(alone, assess_areas(demo.engine, demo.admin, [one], DEMO_TODAY))
    assert alone.targets["area_code"].unique().to_list() == [one]
    # two passes over two halves of the areas, put together, are the one pass
    first, second = demo.codes[1::2], demo.codes[0::2]
    halves = [assess_areas(demo.engine, demo.admin, half, DEMO_TODAY) for half in (first, second)]
    _assert_same(combine(halves, DEMO_TODAY), whole)
    # and so are one pass narrowed to each half
    _assert_same(combine([narrowed(whole, second), narrowed(whole, first)], DEMO_TODAY), whole)


def test_after_a_write_only_that_area_is_assessed_again(demo: Demo) -> None:
    kept = AssessmentsByArea()
    asked: list[list[str]] = []

    def assess(codes: list[str]) -> Assessment:
        asked.append(sorted(codes))
        return assess_areas(demo.engine, demo.admin, codes, DEMO_TODAY)

    def current() -> Assessment:
        versions = store.area_data_versions(demo.engine)
        return kept.assessment(demo.codes, versions, DEMO_TODAY, assess)

    first = current()
    assert asked == [sorted(demo.codes)]
    _assert_same(first, assess_areas(demo.engine, demo.admin, demo.codes, DEMO_TODAY))
    assert current() is first and len(asked) == 1  # nothing changed: the same, kept

    written = demo.codes[len(demo.codes) // 2]
    row = (
        first.targets.filter(
            (pl.col("area_code") == written) & pl.col("latest_value").is_not_null()
        )
        .row(0, named=True)
    )  # fmt: skip
    with db.write_transaction(demo.engine) as conn:
        store.save_actuals(
            conn, demo.admin,
            [{"area_code": written, "indicator_code": row["indicator_code"],
              "period": row["latest_period"], "value": row["latest_value"] * 2 + 1}],
            "test: a corrected value",
        )  # fmt: skip
    after = current()
    assert asked[1:] == [[written]]  # the written area alone
    fresh = assess_areas(demo.engine, demo.admin, demo.codes, DEMO_TODAY)
    _assert_same(after, fresh)
    changed = after.targets.filter(
        (pl.col("area_code") == written) & (pl.col("indicator_code") == row["indicator_code"])
    )
    assert changed["latest_value"][0] == pytest.approx(row["latest_value"] * 2 + 1)

    # the national view drawn from the kept assessment is the one a fresh pass draws
    kept_view = region.national_view(demo.engine, demo.admin, DEMO_TODAY, assessed=lambda _: after)
    fresh_view = region.national_view(demo.engine, demo.admin, DEMO_TODAY)
    assert_frame_equal(kept_view.grid, fresh_view.grid)
    assert kept_view.blocks == fresh_view.blocks

    # some of the areas (a region's), from the same kept batches: nothing assessed again
    some = demo.codes[:5]
    part = kept.assessment(some, store.area_data_versions(demo.engine), DEMO_TODAY, assess)
    assert len(asked) == 2
    _assert_same(part, assess_areas(demo.engine, demo.admin, some, DEMO_TODAY))

    with db.write_transaction(demo.engine) as conn:  # a write of no area: every area again
        store.audit._audit(conn, demo.admin, "test-framework-change")
    current()
    assert asked[2] == sorted(demo.codes)


def test_many_writes_one_area_at_a_time_stay_few_batches_and_right(demo: Demo) -> None:
    kept = AssessmentsByArea()

    def assess(codes: list[str]) -> Assessment:
        return assess_areas(demo.engine, demo.admin, codes, DEMO_TODAY)

    def current() -> Assessment:
        versions = store.area_data_versions(demo.engine)
        return kept.assessment(demo.codes, versions, DEMO_TODAY, assess)

    latest = current().targets.filter(pl.col("latest_value").is_not_null())
    for code in demo.codes[: MAX_BATCHES + 3]:
        row = latest.filter(pl.col("area_code") == code).row(0, named=True)
        with db.write_transaction(demo.engine) as conn:
            store.save_actuals(
                conn, demo.admin,
                [{"area_code": code, "indicator_code": row["indicator_code"],
                  "period": row["latest_period"], "value": row["latest_value"] + 0.5}],
                "test: one area at a time",
            )  # fmt: skip
        current()
        assert len(kept.batches) <= MAX_BATCHES
    _assert_same(current(), assess_areas(demo.engine, demo.admin, demo.codes, DEMO_TODAY))


def test_no_areas_is_an_empty_assessment(demo: Demo) -> None:
    """A region without areas yet: nothing kept, an empty assessment, no error."""
    kept = AssessmentsByArea()
    versions = store.area_data_versions(demo.engine)
    empty = kept.assessment(
        [],
        versions,
        DEMO_TODAY,
        lambda codes: assess_areas(demo.engine, demo.admin, codes, DEMO_TODAY),
    )
    assert empty.targets.is_empty() and empty.areas.is_empty() and not kept.batches
