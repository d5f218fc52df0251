"""The demo generator: deterministic, complete and plausible (DOMAIN.md, reference README)."""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sqlalchemy import Engine

from dashboard import db, store
from seed_data import demo as demo_module
from seed_data.demo import AREAS, DEMO_TODAY, DemoSummary, add_months, seed_demo
from seed_data.demo_users import DEMO_REGION

ADMIN = store.cli_actor("demo-test")


def _seeded(path: Path, seed: int = 2005) -> tuple[Engine, DemoSummary]:
    url = f"sqlite:///{path}"
    store.upgrade(url)
    engine = db.get_engine(url)
    return engine, seed_demo(engine, ADMIN, seed)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Engine, DemoSummary]:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    engine, summary = _seeded(path)
    return path, engine, summary


@pytest.fixture(scope="module")
def sql(demo: tuple[Path, Engine, DemoSummary]):
    con = sqlite3.connect(demo[0])
    yield lambda query, *args: con.execute(query, args).fetchall()
    con.close()


def _dump(path: Path) -> dict[str, list[tuple]]:
    con = sqlite3.connect(path)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
    finally:
        con.close()


def _current_targets(sql) -> list[tuple]:
    """(area, indicator, block, cohort start, measure, baseline, without, target, target period)."""
    return sql(
        """
        SELECT g.area_code, t.indicator_code, i.block_code, g.start_date, v.measure,
               v.baseline_value, v.without_reward_value, v.target_value, v.target_period
        FROM target t
        JOIN agreement g ON g.id = t.agreement_id
        JOIN indicator i ON i.code = t.indicator_code
        JOIN target_version v ON v.target_id = t.id
        WHERE v.version = (SELECT max(version) FROM target_version WHERE target_id = t.id)
        """
    )


def _current_values(sql) -> dict[tuple[str, str, str], tuple[float, str]]:
    rows = sql(
        "SELECT area_code, indicator_code, period, value, status FROM actual_revision "
        "ORDER BY area_code, indicator_code, period, revision"
    )
    return {(a, i, p): (v, s) for a, i, p, v, s in rows}


def test_same_seed_gives_the_same_database(demo, tmp_path: Path) -> None:
    path, _, summary = demo
    _, again = _seeded(tmp_path / "again.db")
    assert again == summary
    first, second = _dump(path), _dump(tmp_path / "again.db")
    assert first.keys() == second.keys()
    for table in first:
        if table in ("app_user", "user_grant"):  # salted password hashes differ by design
            continue
        assert first[table] == second[table], table
    assert first["actual_revision"], "values were written"


def test_areas_over_all_nine_regions_in_three_cohorts(sql) -> None:
    areas = sql("SELECT code, name, region_code, la_type, population, deprivation_rank FROM area")
    assert len(areas) == len(AREAS)
    assert len({a[1] for a in areas}) == len(areas), "every area has its own name"
    assert len({a[5] for a in areas}) == len(areas), "and its own deprivation rank"
    assert {a[2] for a in areas} == {
        "GONE", "GONW", "GOYH", "GOEM", "GOWM", "GOEE", "GOL", "GOSE", "GOSW"
    }  # fmt: skip
    bounds = {
        "county": (500_000, 1_400_000),
        "unitary": (130_000, 350_000),
        "metropolitan": (180_000, 750_000),
        "london_borough": (170_000, 330_000),
    }
    for _, _, _, la_type, population, rank in areas:
        low, high = bounds[la_type]
        assert low <= population <= high
        assert 1 <= rank <= 150
    cohorts = Counter(
        (s, e) for s, e in sql("SELECT start_date, end_date FROM agreement WHERE status = 'signed'")
    )  # fmt: skip
    # and one draft being negotiated: the demo officer's area's next agreement
    assert sql("SELECT area_code, start_date, end_date FROM agreement WHERE status = 'draft'") == [
        ("D10", "2009-04-01", "2012-03-31")
    ]
    assert cohorts == {
        ("2005-04-01", "2008-03-31"): 6,
        ("2006-04-01", "2009-03-31"): 10,
        ("2007-04-01", "2010-03-31"): 10,
    }


def test_the_demo_go_s_region_holds_eight_areas_the_others_keep_theirs(sql) -> None:
    """East Midlands: enough areas to compare across, of both types and both running cohorts."""
    per_region = Counter(r for (r,) in sql("SELECT region_code FROM area"))
    assert per_region == {
        "GONE": 2, "GONW": 3, "GOYH": 2, "GOEM": 8, "GOWM": 2, "GOEE": 2, "GOL": 3, "GOSE": 2,
        "GOSW": 2,
    }  # fmt: skip
    goem = sql(
        "SELECT a.la_type, g.start_date FROM area a JOIN agreement g ON g.area_code = a.code "
        "WHERE a.region_code = ? AND g.status = 'signed'",
        DEMO_REGION,
    )
    assert {t for t, _ in goem} == {"county", "unitary"}
    assert {s for _, s in goem} == {"2005-04-01", "2006-04-01", "2007-04-01"}


def test_a_later_wave_of_areas_leaves_the_earlier_ones_as_they_were(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each wave of areas draws from its own generator: planning the first wave alone gives its
    areas, targets, values and commentary exactly as in the whole demo, value for value."""
    inds = demo_module._indicators(demo_module.framework_rows())
    whole = demo_module.build_plan(2005, inds)
    first_wave = demo_module.AREA_WAVES[0]
    monkeypatch.setattr(demo_module, "AREA_WAVES", (first_wave,))
    alone = demo_module.build_plan(2005, inds)
    assert len(demo_module.AREA_WAVES) == 1 and len(whole.areas) == len(AREAS) > len(first_wave)
    codes = {a.code for a in first_wave}

    def of_first_wave(plan) -> dict[str, list]:
        areas = [a for a in plan.areas if a.spec.code in codes]
        targets = [t for t in plan.targets if t.area.spec.code in codes]
        return {
            "areas": [demo_module._area_row(a) | {"signed": a.signed} for a in areas],
            "targets": [demo_module._target_row(t, refreshed=True) for t in targets],
            "values": [r for r in plan.actuals if r["area_code"] in codes],
            "commentary": [r for r in plan.commentary if r["area_code"] in codes],
        }

    assert of_first_wave(whole) == of_first_wave(alone)
    # The first wave is still the 20-area demo as it was seeded before any wave was added
    # (its summary then: 699 targets, 6083 value revisions, 221 commentaries).
    first = of_first_wave(whole)
    assert len(codes) == 20
    assert (len(first["targets"]), len(first["values"]), len(first["commentary"])) == (
        699,
        6083,
        221,
    )
    assert sum(t.outcome == 0.6 and t.reward for t in whole.targets) == 1, "one exact 60% target"
    assert len({a.deprivation_rank for a in whole.areas}) == len(whole.areas)


def test_every_agreement_is_signed_weeks_before_it_starts(sql) -> None:
    for signed, start in sql(
        "SELECT signed_date, start_date FROM agreement WHERE status = 'signed'"
    ):
        gap = (date.fromisoformat(start) - date.fromisoformat(signed)).days
        assert 7 <= gap <= 60


def test_thirty_to_forty_targets_with_nine_to_twelve_reward_targets(sql) -> None:
    per_area: dict[str, list[tuple]] = defaultdict(list)
    for row in _current_targets(sql):
        per_area[row[0]].append(row)
    assert len(per_area) == len(AREAS)
    for area, rows in per_area.items():
        assert 30 <= len(rows) <= 40, area
        pilot = rows[0][3] == "2005-04-01"
        blocks = {"CYP", "SSC", "HCOP"} if pilot else {"CYP", "SSC", "HCOP", "EDE"}
        assert {r[2] for r in rows} == blocks, area
        reward = [r for r in rows if r[6] is not None]
        assert 9 <= len(reward) <= 12, area
        assert {r[2] for r in reward} == blocks, area
        for r in reward:
            assert r[6] != r[7], f"{area} {r[1]}: stretched equals without-reward"


def test_reward_figures_respect_polarity(sql) -> None:
    polarity = dict(sql("SELECT code, polarity FROM indicator"))
    for area, code, _, _, measure, base, without, target, _ in _current_targets(sql):
        if without is None:
            continue
        good = 1 if polarity[code] == "higher" else -1
        assert (target - without) * good > 0, f"{area} {code}"
        if measure == "level":
            assert (without - base) * good > 0, f"{area} {code}"


def test_cumulative_reward_targets_are_three_year_totals(sql) -> None:
    rows = [r for r in _current_targets(sql) if r[4] == "cumulative"]
    assert rows
    for area, code, _, start, _, base, without, _target, _ in rows:
        assert code == "SFL" and without is not None and base == 0.0
        values = [
            v
            for p, v in sql(
                "SELECT period, value FROM actual_revision WHERE area_code=? AND indicator_code=? "
                "AND period < ? ORDER BY period",
                area,
                code,
                start,
            )
        ]
        assert values, "the baseline year's figure is there"
        assert without > 2.5 * values[-1], "the 3-year total is about three baseline years"


def test_no_value_for_a_period_not_yet_due(sql) -> None:
    lag = dict(sql("SELECT code, lag_months FROM indicator"))
    rows = sql("SELECT indicator_code, period, recorded_at FROM actual_revision")
    assert rows
    for code, period, recorded_at in rows:
        end = date.fromisoformat(period)
        assert end <= DEMO_TODAY
        assert add_months(end, lag[code]) <= DEMO_TODAY, (code, period)
        recorded = datetime.fromisoformat(recorded_at).date()
        assert end < recorded <= DEMO_TODAY


def test_biennial_survey_indicators_only_in_survey_years(sql) -> None:
    rows = sql(
        "SELECT a.period FROM actual_revision a JOIN indicator i ON i.code = a.indicator_code "
        "WHERE i.frequency = 'biennial'"
    )
    assert rows
    assert {date.fromisoformat(p).year % 2 for (p,) in rows} == {0}


def test_provisional_values_and_revisions(sql) -> None:
    current = _current_values(sql)
    provisional = [k for k, (_, status) in current.items() if status == "provisional"]
    assert 0.03 < len(provisional) / len(current) < 0.2
    revised = sql(
        "SELECT r1.status, r2.status, r1.value != r2.value, r2.recorded_at > r1.recorded_at "
        "FROM actual_revision r1 JOIN actual_revision r2 ON r1.area_code = r2.area_code "
        "AND r1.indicator_code = r2.indicator_code AND r1.period = r2.period "
        "AND r2.revision = r1.revision + 1"
    )
    kinds = Counter((a, b) for a, b, _, _ in revised)
    assert kinds[("provisional", "final")] > 20
    assert kinds[("final", "final")] > 5, "some final figures were corrected later"
    assert all(changed and later for _, _, changed, later in revised)
    grades = Counter(q for (q,) in sql("SELECT data_quality FROM actual_revision"))
    assert grades["checked"] > grades["audited"] > 0 and grades["not_checked"] > 0


def test_commentary_explains_recent_shortfalls(sql) -> None:
    rows = sql(
        "SELECT c.area_code, c.indicator_code, c.period, c.text, c.author, c.recorded_at, "
        "(SELECT min(recorded_at) FROM actual_revision a WHERE a.area_code = c.area_code "
        "AND a.indicator_code = c.indicator_code AND a.period = c.period) FROM commentary c"
    )
    assert len(rows) >= 100
    assert len({r[0] for r in rows}) == len(AREAS)
    for _, _, _, text, author, recorded_at, value_at in rows:
        assert "Why:" in text and "Action:" in text
        assert ", " in author  # "Name, Job title"
        assert value_at is not None and recorded_at > value_at
        assert datetime.fromisoformat(recorded_at).date() <= DEMO_TODAY


def test_reporting_lines_reach_every_owning_department(sql) -> None:
    department = dict(sql("SELECT code, department_code FROM indicator"))
    lines = sql(
        "SELECT indicator_code, recipient_type, recipient_code, laa_status FROM reporting_line"
    )
    for code, dept in department.items():
        assert (code, "department", dept) in {(i, t, r) for i, t, r, _ in lines}, code
    assert {t for _, t, _, _ in lines} == {"department", "go", "regulator", "lsp_board"}
    assert {s for _, _, _, s in lines} == {"continues", "stops", "replaced"}
    bv128 = {(t, r) for i, t, r, _ in lines if i == "BV128"}
    assert {("department", "HO"), ("go", "GO"), ("regulator", "AC")} <= bv128


def test_settings_and_summary(demo, sql) -> None:
    _, engine, summary = demo
    assert store.business_today(engine) == DEMO_TODAY
    assert store.is_demo(engine)
    assert summary.areas == len(AREAS)
    assert f"{len(AREAS)} areas, " in str(summary)
    assert summary.targets == sql("SELECT count(*) FROM target")[0][0]
    assert summary.reward_targets == sum(r[6] is not None for r in _current_targets(sql))
    assert summary.actual_revisions == sql("SELECT count(*) FROM actual_revision")[0][0]
    assert summary.commentary == sql("SELECT count(*) FROM commentary")[0][0]
    assert (
        summary.target_refreshes
        == sql("SELECT count(*) FROM target_version WHERE version > 1")[0][0]
    )
    assert summary.target_refreshes > 0 and summary.cumulative_targets > 0


def test_history_is_backdated_not_wall_clock(sql) -> None:
    for table, column in (
        ("audit_event", "at"),
        ("actual_revision", "recorded_at"),
        ("target_version", "recorded_at"),
        ("commentary", "recorded_at"),
    ):
        latest = sql(f"SELECT max({column}) FROM {table}")[0][0]
        assert datetime.fromisoformat(latest).date() <= DEMO_TODAY, table


def _achieved(actual: float, without: float, stretched: float) -> Decimal:
    a, w, s = (Decimal(repr(x)) for x in (actual, without, stretched))
    return (a - w) / (s - w)


def test_finished_pilots_reward_outcomes_are_plausibly_spread(sql) -> None:
    """Of the 2005 pilots' reward targets: roughly a quarter below 60%, about half at 100%+."""
    current = _current_values(sql)
    fractions = []
    for area, code, _, start, measure, _, without, target, period in _current_targets(sql):
        if without is None or start != "2005-04-01":
            continue
        assert measure == "level"  # pilots have no EDE block, so no Skills for Life totals
        series = sorted((p, v) for (a, i, p), (v, _) in current.items() if (a, i) == (area, code))
        actual = dict(series).get(period, series[-1][1])
        fractions.append(_achieved(actual, without, target))
    below = sum(f < Decimal("0.6") for f in fractions) / len(fractions)
    full = sum(f >= 1 for f in fractions) / len(fractions)
    assert 0.10 <= below <= 0.40
    assert 0.30 <= full <= 0.70
    assert Decimal("0.6") in fractions, "one pilot target lands on exactly 60% (paid)"


def test_running_agreements_forecast_a_plausible_spread(sql) -> None:
    """Linear forecasts (last 8 values, at least 3) of the 2006 and 2007 reward targets."""
    current = _current_values(sql)
    fractions = []
    for area, code, _, start, measure, _, without, target, period in _current_targets(sql):
        if without is None or start == "2005-04-01":
            continue
        series = sorted(
            (date.fromisoformat(p), v)
            for (a, i, p), (v, _) in current.items()
            if (a, i) == (area, code) and p <= period
        )
        if measure == "cumulative":
            running = np.cumsum([v for p, v in series if p >= date.fromisoformat(start)])
            series = [(p, r) for (p, _), r in zip(series[-len(running) :], running, strict=True)]
        series = series[-8:]
        if len(series) < 3:
            continue
        x = np.array([p.toordinal() for p, _ in series], dtype=float)
        slope, intercept = np.polyfit(x, [v for _, v in series], 1)
        forecast = slope * date.fromisoformat(period).toordinal() + intercept
        fractions.append((forecast - without) / (target - without))
    assert len(fractions) > 60
    below = np.mean(np.array(fractions) < 0.6)
    full = np.mean(np.array(fractions) >= 1)
    assert 0.10 <= below <= 0.55
    assert 0.25 <= full <= 0.70


def test_baselines_follow_deprivation(sql) -> None:
    """Deprived areas have more crime and lower attainment at baseline."""
    rank = dict(sql("SELECT code, deprivation_rank FROM area"))
    for code, sign in (("BCS-C", -1), ("BV38-EM", 1), ("NEET", -1), ("EMP", 1)):
        pairs = [(rank[a], b) for a, i, _, _, _, b, *_ in _current_targets(sql) if i == code]
        corr = np.corrcoef(*zip(*pairs, strict=True))[0, 1]
        assert corr * sign > 0.3, code


def test_seeding_twice_or_as_a_reader_is_refused(demo) -> None:
    _, engine, _ = demo
    with pytest.raises(store.RuleViolation):
        seed_demo(engine, ADMIN)
    with pytest.raises(store.AccessDenied):
        seed_demo(engine, store.Actor("someone", ()))


def test_seeded_commentary_is_written_by_the_target_s_lead_officer(sql) -> None:
    """Commentary and its audit row name the target's lead officer, not the loading account."""
    rows = sql(
        """
        SELECT c.author, v.lead_officer,
               (SELECT e.user FROM audit_event e WHERE e.action = 'commentary'
                  AND e.area_code = c.area_code AND e.indicator_code = c.indicator_code
                  AND e.period = c.period AND e.at = c.recorded_at)
        FROM commentary c
        JOIN target t ON t.indicator_code = c.indicator_code
        JOIN agreement g ON g.id = t.agreement_id AND g.area_code = c.area_code
        JOIN target_version v ON v.target_id = t.id
        WHERE v.version = (SELECT max(version) FROM target_version WHERE target_id = t.id
                           AND recorded_at <= c.recorded_at)
        """
    )
    assert len(rows) >= 100
    assert all(author == lead == user for author, lead, user in rows), rows[:3]
    users = {u for (u,) in sql("SELECT user FROM audit_event WHERE action = 'commentary'")}
    assert not any(u.startswith("cli:") or u == ADMIN.name for u in users)


def test_capacity_assessments_two_rounds_in_the_go_region_and_beyond(demo, sql) -> None:
    """Every area of the demo GO's region and a few others: a self-assessment before each of
    two GO rounds (spring 2008, the October 2008 review), some characteristics moving each
    way, D10 ready with conditions; recorded by the GO / officer, backdated."""
    _, engine, _ = demo
    region = {c for (c,) in sql("SELECT code FROM area WHERE region_code = ?", DEMO_REGION)}
    rounds = sql(
        "SELECT area_code, kind, count(*), min(assessed_on), max(assessed_on), max(recorded_at) "
        "FROM capacity_assessment GROUP BY area_code, kind"
    )
    per_area = defaultdict(dict)
    for area, kind, n, first, last, recorded in rounds:
        per_area[area][kind] = n
        assert first < "2008-04-01" and "2008-09-01" < last < "2008-11-01", (area, kind)
        assert datetime.fromisoformat(recorded).date() <= DEMO_TODAY
    assert region <= set(per_area)
    others = set(per_area) - region
    assert 2 <= len(others) <= 3
    assert all(kinds == {"go": 2, "self": 2} for kinds in per_area.values())
    characteristics = sql("SELECT count(*) FROM capacity_characteristic WHERE active")[0][0]
    assert characteristics == 11
    counts = sql("SELECT count(*) FROM capacity_rating GROUP BY assessment_id")
    assert {n for (n,) in counts} == {characteristics}

    from dashboard.reports import capacity as report

    framework = store.capacity_framework(engine)
    moved = Counter()
    for area in per_area:
        assessments, ratings = store.capacity_assessments(engine, ADMIN, area)
        summary = report.movement_summary(report.capacity_history(assessments, ratings))
        assert summary["up"] >= 1 and summary["up"] + summary["down"] + summary["same"] == 11
        moved.update(summary)
        go = assessments.filter(assessments["kind"] == "go")["id"].to_list()
        own = assessments.filter(assessments["kind"] == "self")["id"].to_list()
        assert report.compare_with_self(framework, ratings, go[-1], own[-1])["differs"].sum() >= 1
    assert moved["down"] >= len(per_area) // 2
    latest_all = store.latest_capacity(engine, ADMIN, sorted(per_area))
    assert latest_all.height == len(per_area)
    latest = latest_all.row(by_predicate=pl.col("area_code") == "D10", named=True)
    assert latest["recommendation"] == "ready_with_conditions" and latest["conditions"]
    assert latest["recorded_by"] == "go"
    own_d10 = sql("SELECT DISTINCT recorded_by FROM capacity_assessment WHERE area_code = 'D10' "
                  "AND kind = 'self'")  # fmt: skip
    assert own_d10 == [("officer",)]
    audit = sql("SELECT action, count(*) FROM audit_event WHERE action LIKE 'capacity%' "
                "GROUP BY action")  # fmt: skip
    assert dict(audit) == {
        "capacity:go": 2 * len(per_area),
        "capacity:self": 2 * len(per_area),
        "capacity_framework:create": 11,
    }
