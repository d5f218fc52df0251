"""Whatever the database holds, every page runs (issue 11, item 1).

Values the import rules now refuse may already be stored (written before the rules, or by
hand): 1e38, ±1e308, infinity, a target of 1e308, a lag of 999999999 months. They used to
break the overview, the indicator page and the review for every user ("conversion from f64
to decimal[38,1] failed"). They are written here straight through the store, bypassing the
importer, into the demo area D10 (the one every demo role reads), and every page of every
role is opened. So is every page with an as-at date from a link outside the years covered.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import polars as pl
import pytest
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from dashboard import db, store
from data_models import Indicator, Target, TargetVersion
from seed_data.demo import DEMO_TODAY
from tests.app.conftest import app, charts
from tests.app.test_page_text import DEMO_USERS, pages_of

AREA = "D10"
HUGE = "BV126"  # the tester's row: a value of 1e38
# indicator -> the value written over its latest period
EXTREME_VALUES = {HUGE: 1e38, "BV128": -1e308, "BCS-C": float("inf"), "DRUG-T": 1e308}
HUGE_TARGET = "BV127a"  # target 1e308, baseline -1e308
LONG_LAG = "BV128"  # lag_months 999999999


def _latest_periods(url: str) -> dict[str, date]:
    engine = db.get_engine(url)
    actuals = store.current_actuals(engine, store.cli_actor("tester"), [AREA])
    latest = (
        actuals.filter(pl.col("period") <= DEMO_TODAY)
        .group_by("indicator_code")
        .agg(pl.col("period").max())
    )
    return dict(zip(latest["indicator_code"], latest["period"], strict=True))


def _write_extremes(url: str) -> None:
    engine = db.get_engine(url)
    admin = store.cli_actor("tester")
    periods = _latest_periods(url)
    rows = [
        {"area_code": AREA, "indicator_code": code, "period": periods[code], "value": value,
         "status": "provisional", "note": "x"}
        for code, value in EXTREME_VALUES.items()
    ]  # fmt: skip
    with db.write_transaction(engine) as conn:
        store.save_actuals(conn, admin, rows, default_reason="held before the rules")
        # Signed reward figures are frozen in the store, so the target goes in as a row the
        # database holds, as one written before the rules would be.
        targets = Target.__table__
        conn.execute(
            update(TargetVersion)
            .where(
                TargetVersion.target_id.in_(
                    targets.select()
                    .with_only_columns(targets.c.id)
                    .where(targets.c.indicator_code == HUGE_TARGET)
                )
            )
            .values(target_value=1e308, baseline_value=-1e308)
        )
        conn.execute(
            update(Indicator).where(Indicator.code == LONG_LAG).values(lag_months=999_999_999)
        )
    db.dispose_all()


@pytest.fixture
def extreme_demo(writable_demo: str) -> str:
    _write_extremes(writable_demo)
    return writable_demo


def _open(user: str, **params: str) -> AppTest:
    at = app(user)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def _every_page(user: str, **params: str) -> Iterator[tuple[str, AppTest]]:
    """Each page the role's menu registers, opened from a link carrying `params`."""
    pages = pages_of(_open(user, **params))
    assert len(pages) >= 8, pages
    for title, path in pages:
        at = app(user)
        for key, value in params.items():
            at.query_params[key] = value
        at.switch_page(path)
        yield title, at.run()


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON: the browser cannot draw this chart")


@pytest.mark.parametrize("user", DEMO_USERS)
def test_every_page_runs_whatever_the_database_holds(extreme_demo: str, user: str) -> None:
    failed: dict[str, list[str]] = {}
    for title, at in _every_page(user, area=AREA, indicator="BCS-C"):  # the infinite value
        failed.update({title: [e.value for e in at.exception]} if at.exception else {})
        for chart in charts(at):  # a spec holding Infinity is an error box in the browser
            try:
                json.loads(chart.proto.spec, parse_constant=_not_json)
            except ValueError as exc:
                failed.setdefault(title, []).append(str(exc))
    assert not failed, failed


def test_the_huge_value_is_shown_not_hidden(extreme_demo: str) -> None:
    at = _open("lead", area=AREA, indicator=HUGE)
    at.switch_page("../pages/indicator.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table["Value"].iloc[0] == "1.0e38 per 1,000"  # the newest period, in short


def test_a_sane_correction_after_the_bad_value_mends_the_indicator_page(
    extreme_demo: str,
) -> None:
    period = _latest_periods(extreme_demo)[HUGE]
    at = _open("lead", area=AREA, indicator=HUGE)
    at.switch_page("../pages/indicator.py").run()
    assert not at.exception
    box = at.number_input(key=f"correction_value_{HUGE}_{period.isoformat()}")
    assert abs(box.value) <= 1e12  # the box starts with what may be saved, not 1e38
    box.set_value(12.5)
    at.text_input(key="correction_reason_0").input("1e38 was a typing slip")
    at.button(key="save_correction").click().run()
    assert not at.exception
    assert any("new revision" in s.value for s in at.success), [e.value for e in at.error]
    at.toggle(key="all_revisions").set_value(True).run()  # the old revision is still listed
    assert not at.exception
    shown = at.dataframe[0].value.astype(str).to_string()
    assert "12.5" in shown and "1.0e38" in shown
    for page in ("../pages/overview.py", "../pages/review.py"):
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])


@pytest.mark.parametrize(
    ("as_at", "said"),
    [
        ("1990-01-01", None),
        ("1900-01-01", "is before 01 January 1990"),
        ("9999-12-31", "is after today"),
        ("garbage", "is not a date"),
    ],
)
@pytest.mark.parametrize("user", ["admin", "lead"])
def test_every_page_runs_with_any_as_at_from_a_link(
    demo_db: str, user: str, as_at: str, said: str | None
) -> None:
    first = _open(user, area=AREA, as_at=as_at)
    assert not first.exception, [e.value for e in first.exception]
    warnings = [w.value for w in first.warning]
    if said is None:
        assert first.sidebar.date_input(key="w_as_at").value == date(1990, 1, 1)
    else:
        assert any(said in w for w in warnings), warnings
        assert not any("Traceback" in w or "ValueError" in w for w in warnings)
    failed = {
        title: [e.value for e in at.exception]
        for title, at in _every_page(user, area=AREA, as_at=as_at)
        if at.exception
    }
    assert not failed, failed


@pytest.mark.parametrize(
    ("period", "said"),
    [
        ("1990-01-01", None),
        ("1900-01-01", "is before 01 January 1990"),
        ("9999-12-31", "is after the as-at date"),
        ("garbage", "is not a date"),
    ],
)
def test_department_returns_run_with_any_period_from_a_link(
    demo_db: str, period: str, said: str | None
) -> None:
    at = app("department")
    at.query_params["period"] = period
    at.switch_page("../pages/returns.py").run()
    assert not at.exception, [e.value for e in at.exception]
    warnings = [w.value for w in at.warning]
    assert any(said in w for w in warnings) if said else not warnings, warnings
