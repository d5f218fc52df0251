"""Fast paths of the one-area pages give the results of the paths they replace, on the demo
(SQLite and PostgreSQL): the previous quarter's assessment derived from the current one's
scope equals the assessment made afresh with what was known then, row for row."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import Engine

from dashboard import accounts, analysis, db, store
from dashboard.access import Actor
from dashboard.reports import board
from seed_data.demo import DEMO_TODAY
from tests.conftest import _BACKENDS, demo_engine


@dataclass
class Demo:
    engine: Engine
    actors: dict[str, Actor]


@pytest.fixture(scope="module", params=_BACKENDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    engine, admin = demo_engine(request.param, tmp_path_factory.mktemp("fast"))
    actors = {"admin": admin}
    for name in ("department", "go", "lead"):
        found = accounts.actor_for(engine, name)
        assert found is not None
        actors[name] = found
    yield Demo(engine, actors)
    db.dispose_all()


def _end_of_day(day: date) -> datetime:
    return datetime.combine(day, time.max, UTC)


def _readable_areas(demo: Demo, actor: Actor) -> list[str]:
    return store.list_areas(demo.engine, actor)["area_code"].to_list()


@pytest.mark.parametrize("who", ["admin", "department", "go", "lead"])
def test_last_quarter_from_the_current_scope_equals_a_fresh_assessment(
    demo: Demo, who: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    actor = demo.actors[who]
    previous = board.previous_quarter_end(DEMO_TODAY)
    areas = _readable_areas(demo, actor)
    assert areas
    fresh = {
        code: analysis.assess_areas(
            demo.engine, actor, [code], previous, known_at=_end_of_day(previous)
        ).targets
        for code in areas
    }
    bases = {code: analysis.assess_areas(demo.engine, actor, [code], DEMO_TODAY) for code in areas}
    # every demo agreement had started by last quarter's end: no second assessment is made
    monkeypatch.setattr(analysis, "assess_areas", _no_second_assessment)
    changed = 0
    for code in areas:
        derived = analysis.assess_known_at(
            demo.engine, actor, bases[code], previous, _end_of_day(previous)
        )
        assert_frame_equal(derived, fresh[code])
        changed += (derived["rag"].ne_missing(bases[code].targets["rag"])).sum()
    assert changed > 0  # the quarters differ somewhere, so the comparison can fail


def _no_second_assessment(*args: object, **kwargs: object) -> None:
    raise AssertionError("the fast path made a second assessment")


@pytest.mark.parametrize(
    ("as_at", "earlier", "known"),
    [
        (date(2007, 6, 30), date(2007, 3, 31), None),  # some agreements start 1 April 2007
        (date(2008, 3, 31), date(2007, 12, 31), date(2007, 12, 31)),
        (date(2008, 11, 30), date(2008, 6, 30), date(2008, 3, 31)),  # known before that date
    ],
)
def test_any_earlier_date_and_known_time_equals_a_fresh_assessment(
    demo: Demo, as_at: date, earlier: date, known: date | None
) -> None:
    actor = demo.actors["admin"]
    known_at = _end_of_day(known or earlier)
    for code in _readable_areas(demo, actor):
        base = analysis.assess_areas(demo.engine, actor, [code], as_at)
        derived = analysis.assess_known_at(demo.engine, actor, base, earlier, known_at)
        fresh = analysis.assess_areas(demo.engine, actor, [code], earlier, known_at=known_at)
        assert_frame_equal(derived, fresh.targets)


def test_a_later_agreement_is_assessed_afresh(demo: Demo) -> None:
    """An agreement that started after the earlier date was not in force then: the derived
    statuses are those of the agreement in force at that date (the fresh assessment's)."""
    actor = demo.actors["admin"]
    agreements = store.list_areas(demo.engine, actor)
    late = agreements.filter(pl.col("agreement_start") == pl.col("agreement_start").max())
    code, start = late["area_code"][0], late["agreement_start"][0]
    base = analysis.assess_areas(demo.engine, actor, [code], DEMO_TODAY)
    before = date(start.year, 3, 31) if start.month > 3 else date(start.year - 1, 12, 31)
    derived = analysis.assess_known_at(demo.engine, actor, base, before, _end_of_day(before))
    fresh = analysis.assess_areas(demo.engine, actor, [code], before, known_at=_end_of_day(before))
    assert_frame_equal(derived, fresh.targets)


def _texts_one_expression_per_column(
    frame: pl.DataFrame, *columns: str, numbers: tuple[str, ...] = ()
) -> pl.DataFrame:
    """The previous `components.with_value_texts`: a `value_expr` per column."""
    from dashboard.formatting import value_expr

    unit = pl.col("unit").fill_null("").cast(pl.Utf8)
    shown = frame.with_columns(
        _decimals=pl.col("decimals").fill_null(0).cast(pl.Int64),
        _unit=unit,
        _number_unit=pl.when(unit == "%").then(pl.lit("%")).otherwise(pl.lit("count")),
    )
    return shown.with_columns(
        *(value_expr(c, "_decimals", "_unit").alias(f"{c}_text") for c in columns),
        *(value_expr(c, "_decimals", "_number_unit").alias(f"{c}_number") for c in numbers),
    ).drop("_decimals", "_unit", "_number_unit")


TEXTS = ("baseline_value", "without_reward_value", "target_value")
NUMBERS = ("latest_value", "target_value", "expected_value", "forecast_value", "forecast_low")


def test_value_texts_in_one_pass_equal_one_expression_per_column(demo: Demo) -> None:
    from dashboard.formatting import with_value_texts

    actor = demo.actors["admin"]
    targets = analysis.assess_areas(
        demo.engine, actor, _readable_areas(demo, actor), DEMO_TODAY
    ).targets
    for frame in (targets, targets.head(1), targets.head(0)):
        assert_frame_equal(
            with_value_texts(frame, *TEXTS, numbers=NUMBERS),
            _texts_one_expression_per_column(frame, *TEXTS, numbers=NUMBERS),
        )
    # figures no demo value has: huge, infinite, not a number, negative, missing, no unit
    odd = pl.DataFrame(
        {
            "unit": ["%", "count", "rate per 100000", None, "£", "ratio"],
            "decimals": [1, 0, 2, None, 3, 2],
            "latest_value": [1e308, float("inf"), float("nan"), -12345.678, None, 0.005],
            "target_value": [-float("inf"), 9.96e20, 1234567.0, 0.0, 2.5, None],
        }
    )
    assert_frame_equal(
        with_value_texts(odd, "latest_value", numbers=("target_value", "latest_value")),
        _texts_one_expression_per_column(
            odd, "latest_value", numbers=("target_value", "latest_value")
        ),
    )


def test_texts_a_frame_already_has_are_kept_and_only_the_missing_added(demo: Demo) -> None:
    from dashboard.formatting import TARGET_TEXTS, with_value_texts

    actor = demo.actors["admin"]
    targets = analysis.assess_areas(
        demo.engine, actor, _readable_areas(demo, actor), DEMO_TODAY
    ).targets
    carried = with_value_texts(targets, *TARGET_TEXTS)
    # what a page asks of a frame that carries its texts is the frame as it is
    assert with_value_texts(carried, "latest_value", "target_value") is carried
    # a text already there is not written again, a missing one is added
    marked = carried.with_columns(latest_value_text=pl.lit("kept"))
    both = with_value_texts(marked, "latest_value", "baseline_value")
    assert both["latest_value_text"].unique().to_list() == ["kept"]
    assert_frame_equal(
        both.drop("latest_value_text"),
        with_value_texts(carried, "baseline_value").drop("latest_value_text"),
    )


def test_the_cached_assessment_carries_the_texts_pages_would_write(demo: Demo) -> None:
    """`loaders.assessment` writes its targets' value texts once; a page's table of them
    shows exactly what formatting the bare assessment would."""
    from dashboard.formatting import TARGET_TEXTS, with_value_texts
    from dashboard.ui import loaders

    actor = demo.actors["admin"]
    code = _readable_areas(demo, actor)[0]
    bare = analysis.assess_areas(demo.engine, actor, [code], DEMO_TODAY)
    url = demo.engine.url.render_as_string(hide_password=False)  # db.get_engine's own
    cached = loaders._assessment.__wrapped__(url, actor, code, DEMO_TODAY.isoformat(), None, 0)
    assert_frame_equal(cached.targets, with_value_texts(bare.targets, *TARGET_TEXTS))
    assert {f"{c}_text" for c in TARGET_TEXTS} <= set(cached.targets.columns)
