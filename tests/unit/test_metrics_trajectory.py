"""Trajectories: anchors, interpolation in calendar days, clamping, without-reward line."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.metrics.schema import MILESTONES_SCHEMA, TARGETS_SCHEMA, frame
from dashboard.metrics.trajectory import (
    anchors,
    expected_values,
    trajectory_lines,
    with_threshold_values,
)

D = date


def _target(**kw: Any) -> dict[str, Any]:
    return {
        "target_id": 1,
        "area_code": "A",
        "indicator_code": "BV82a",
        "block_code": "SSC",
        "polarity": "higher",
        "measure": "level",
        "agreement_start": D(2005, 4, 1),
        "baseline_period": D(2005, 3, 31),
        "baseline_value": 20.0,
        "target_period": D(2008, 3, 31),
        "target_value": 36.0,
        "without_reward_value": None,
        "is_reward": False,
        "agreed_share_gbp": None,
    } | kw


def _points(rows: list[tuple[int, date | None]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"target_id": pl.Int64, "period": pl.Date}, orient="row")


def _expected(targets: list[dict[str, Any]], ms: list[dict[str, Any]], pts: pl.DataFrame) -> list:
    t = frame(targets, TARGETS_SCHEMA)
    m = frame(ms, MILESTONES_SCHEMA)
    return expected_values(t, m, pts).get_column("expected_value").to_list()


def test_interpolates_through_milestones_by_calendar_days() -> None:
    ms = [
        {"target_id": 1, "period": D(2006, 3, 31), "value": 30.0},  # steep first year
        {"target_id": 1, "period": D(2007, 3, 31), "value": 32.0},
    ]
    pts = _points(
        [
            (1, D(2006, 3, 31)),
            (1, D(2005, 9, 30)),  # 183 of 365 days from baseline to first milestone
            (1, D(2007, 9, 30)),  # 183 of 366 days (2008 leap year) into the last leg
            (1, D(2008, 3, 31)),
        ]
    )
    got = _expected([_target()], ms, pts)
    assert got[0] == pytest.approx(30.0)
    assert got[1] == pytest.approx(20.0 + 10.0 * 183 / 365)
    assert got[2] == pytest.approx(32.0 + 4.0 * 183 / 366)
    assert got[3] == pytest.approx(36.0)


def test_clamps_before_baseline_and_after_target() -> None:
    pts = _points([(1, D(2004, 3, 31)), (1, D(2009, 3, 31)), (1, D(2005, 3, 31))])
    assert _expected([_target()], [], pts) == pytest.approx([20.0, 36.0, 20.0])


def test_lower_polarity_line_falls() -> None:
    t = _target(polarity="lower", baseline_value=14.0, target_value=11.0)
    mid = D(2005, 3, 31) + timedelta(days=548)
    total = (D(2008, 3, 31) - D(2005, 3, 31)).days
    got = _expected([t], [], _points([(1, mid)]))
    assert got[0] == pytest.approx(14.0 - 3.0 * 548 / total)


def test_keeps_point_rows_order_and_columns_and_unknowns_are_null() -> None:
    pts = _points([(2, D(2006, 3, 31)), (1, D(2008, 3, 31)), (1, None), (9, D(2006, 3, 31))])
    pts = pts.with_columns(tag=pl.Series(["a", "b", "c", "d"]))
    t = [_target(), _target(target_id=2, baseline_value=0.0, target_value=3.0)]
    out = expected_values(frame(t, TARGETS_SCHEMA), frame([], MILESTONES_SCHEMA), pts)
    assert out.get_column("tag").to_list() == ["a", "b", "c", "d"]
    got = out.get_column("expected_value").to_list()
    assert got[0] == pytest.approx(3.0 * 365 / 1096)
    assert got[1] == 36.0
    assert got[2] is None and got[3] is None


def test_milestones_outside_the_span_are_ignored() -> None:
    ms = [
        {"target_id": 1, "period": D(2004, 3, 31), "value": 99.0},
        {"target_id": 1, "period": D(2009, 3, 31), "value": 99.0},
        {"target_id": 1, "period": D(2008, 3, 31), "value": 99.0},  # same as target period
    ]
    a = anchors(frame([_target()], TARGETS_SCHEMA), frame(ms, MILESTONES_SCHEMA))
    assert a.get_column("anchor").to_list() == ["baseline", "target"]


def test_cumulative_trajectory_starts_at_zero_at_agreement_start() -> None:
    t = _target(measure="cumulative", baseline_value=1400.0, target_value=5000.0)
    ms = [{"target_id": 1, "period": D(2006, 3, 31), "value": 1500.0}]
    a = anchors(frame([t], TARGETS_SCHEMA), frame(ms, MILESTONES_SCHEMA))
    assert a.rows() == [
        (1, D(2005, 4, 1), 0.0, "start"),
        (1, D(2006, 3, 31), 1500.0, "milestone"),
        (1, D(2008, 3, 31), 5000.0, "target"),
    ]
    got = _expected([t], ms, _points([(1, D(2005, 9, 30)), (1, D(2005, 3, 31))]))
    assert got[0] == pytest.approx(1500.0 * 182 / 364)
    assert got[1] == 0.0  # before the start: the start value


def test_without_reward_line_and_threshold() -> None:
    reward = _target(is_reward=True, baseline_value=28.0, without_reward_value=30.0)
    cum = _target(
        target_id=2,
        measure="cumulative",
        is_reward=True,
        target_value=5000.0,
        without_reward_value=4200.0,
    )
    targets = frame([reward, cum, _target(target_id=3)], TARGETS_SCHEMA)
    lines = trajectory_lines(targets, frame([], MILESTONES_SCHEMA))
    without = lines.filter(pl.col("line") == "without_reward").sort("target_id", "period")
    assert without.select("target_id", "period", "value").rows() == [
        (1, D(2005, 3, 31), 28.0),
        (1, D(2008, 3, 31), 30.0),
        (2, D(2005, 4, 1), 0.0),
        (2, D(2008, 3, 31), 4200.0),
    ]
    assert lines.filter(pl.col("line") == "trajectory").height == 6
    thr = with_threshold_values(targets).get_column("threshold_value").to_list()
    assert thr[0] == pytest.approx(33.6)  # 30 + 0.6 x 6
    assert thr[1] == pytest.approx(4680.0)
    assert thr[2] is None


@given(
    b=st.floats(-1e6, 1e6),
    m=st.floats(-1e6, 1e6),
    t=st.floats(-1e6, 1e6),
    offset=st.integers(-400, 1500),
)
def test_expected_stays_within_anchor_values(b: float, m: float, t: float, offset: int) -> None:
    ms = [{"target_id": 1, "period": D(2006, 9, 30), "value": m}]
    when = D(2005, 3, 31) + timedelta(days=offset)
    got = _expected([_target(baseline_value=b, target_value=t)], ms, _points([(1, when)]))[0]
    lo, hi = min(b, m, t), max(b, m, t)
    assert lo - 1e-6 <= got <= hi + 1e-6
