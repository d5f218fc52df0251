"""The scale seeds (`laa seed national` / `stress`) at a small size, on SQLite and PostgreSQL:
their shape, their determinism, the app's own reads on them, and refusal of a database that
already has areas."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from dashboard import analysis, db, store
from dashboard.access import Actor, Grant
from dashboard.cli import app
from dashboard.metrics.periods import period_ends
from data_models import (
    ActualRevision,
    Agreement,
    Area,
    AuditEvent,
    Commentary,
    Indicator,
    Partnership,
    Target,
    TargetMilestone,
    TargetVersion,
)
from seed_data import national
from seed_data.national import NATIONAL, STRESS, Scale, seed_scale

SMALL = Scale("national", 18, 20, 4, "quarterly", "N", chunk=4)
TODAY = date(2008, 11, 30)


def frame(engine: Engine, model: object) -> pl.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(select(model.__table__)).mappings().all()  # type: ignore[attr-defined]
    return pl.DataFrame([dict(r) for r in rows], infer_schema_length=None)


@pytest.fixture
def seeded(db_url: str) -> tuple[Engine, national.SeedSummary]:
    engine = db.get_engine(db_url)
    return engine, seed_scale(engine, store.cli_actor(), SMALL)


def test_regions_follow_the_real_split() -> None:
    assert national.region_counts(150) == national.REAL_REGION_COUNTS
    for n in (9, 18, 350):
        counts = national.region_counts(n)
        assert sum(counts.values()) == n
        assert min(counts.values()) >= 1
    assert national.region_counts(350)["GOL"] == 77  # London's 33 of 150, scaled


def test_full_sizes_target_the_issue() -> None:
    assert NATIONAL.target_range == (30, 60)
    assert len(national.framework(NATIONAL)) == 200
    assert len(national._periods(NATIONAL)) == 28  # quarterly over 7 years
    assert len(national._periods(STRESS)) == 120  # monthly over 10 years
    assert len(set(national.framework(NATIONAL)[i]["indicator_code"] for i in range(200))) == 200


def test_shape_of_a_small_national_seed(seeded: tuple[Engine, national.SeedSummary]) -> None:
    engine, summary = seeded
    areas = frame(engine, Area)
    assert areas.height == 18
    per_region = dict(areas.group_by("region_code").len().iter_rows())
    assert per_region == national.region_counts(18)
    assert areas["code"].str.starts_with("N").all()
    assert areas["name"].n_unique() == 18

    agreements = frame(engine, Agreement)
    assert agreements.height == 18 and (agreements["status"] == "signed").all()
    assert (agreements["signed_date"] < agreements["start_date"]).all()

    versions = frame(engine, TargetVersion).join(
        frame(engine, Target).rename({"id": "target_id"}), on="target_id"
    )
    # The annual refresh gave a few ordinary targets a second version, later than the first.
    refreshed = versions.filter(pl.col("version") == 2)
    assert refreshed.height == summary.refreshed > 0
    assert refreshed["without_reward_value"].is_null().all()
    assert refreshed["reason"].str.starts_with("Annual refresh").all()
    first_at = versions.filter(pl.col("version") == 1).select("target_id", first="recorded_at")
    assert (
        refreshed.join(first_at, on="target_id")
        .select(pl.col("recorded_at") > pl.col("first"))
        .to_series()
        .all()
    )
    per_area = (
        versions.filter(pl.col("version") == 1)
        .group_by("agreement_id")
        .agg(targets=pl.len(), reward=pl.col("without_reward_value").is_not_null().sum())
    )
    low, high = SMALL.target_range
    assert per_area["targets"].is_between(low, high).all()
    assert (per_area["reward"] >= 1).all() and (per_area["reward"] <= 12).all()
    assert versions["version"].is_in([1, 2]).all() and versions["recorded_by"].is_not_null().all()
    assert frame(engine, TargetMilestone).height > 0
    # Each target belongs to its block's thematic partnership of the same area.
    partnerships = frame(engine, Partnership)
    assert set(partnerships["kind"]) == {"executive", "thematic"}
    assert partnerships.filter(pl.col("kind") == "executive").height == 18

    actuals = frame(engine, ActualRevision)
    assert actuals.height == summary.actual_revisions
    keys = ["area_code", "indicator_code", "period"]
    numbering = actuals.group_by(keys).agg(
        n=pl.len(), low=pl.col("revision").min(), high=pl.col("revision").max()
    )
    assert (numbering["low"] == 1).all() and (numbering["high"] == numbering["n"]).all()
    assert actuals["recorded_at"].is_not_null().all()
    assert actuals["recorded_by"].is_not_null().all()
    second = actuals.filter(pl.col("revision") == 2)
    assert second.height == summary.corrections > 0
    first = actuals.filter(pl.col("revision") == 1).select(*keys, first_at="recorded_at")
    later = second.join(first, on=keys)
    assert (later["recorded_at"] > later["first_at"]).all()  # a correction comes later
    current = actuals.filter(pl.col("revision") == pl.col("revision").max().over(keys))
    assert current.filter(pl.col("status") == "provisional").height == summary.provisional > 0
    assert actuals["recorded_at"].max().date() <= TODAY  # type: ignore[union-attr]
    quarter_ends = set(period_ends("quarterly", "financial", date(2004, 1, 1), TODAY))
    assert set(actuals["period"]) <= quarter_ends

    notes = frame(engine, Commentary)
    assert notes.height == summary.commentary > 0
    assert notes["text"].str.contains("expected on the trajectory").all()

    audit = frame(engine, AuditEvent)
    seeded_rows = audit.filter(pl.col("action") == "area:create")
    assert sorted(seeded_rows["area_code"]) == sorted(areas["code"])  # one row per area
    # and one per value revision, as an import writes it, at the revision's recorded time
    values = audit.filter(pl.col("action").is_in(["value", "status"]))
    assert values.height == actuals.height
    trail = actuals.join(
        values,
        left_on=["area_code", "indicator_code", "period", "recorded_at", "recorded_by"],
        right_on=["area_code", "indicator_code", "period", "at", "user"],
    )
    assert trail.height == actuals.height
    first = trail.filter(pl.col("revision") == 1)
    assert first["before"].is_null().all() and (first["action"] == "value").all()
    assert first["after"].to_list() == [store.bare(v) for v in first["value"]]
    later = trail.filter(pl.col("revision") > 1)
    assert later.height == summary.corrections > 0
    previous = actuals.select(
        "area_code", "indicator_code", "period", pl.col("revision") + 1, before_value="value"
    )
    changed = later.join(previous, on=["area_code", "indicator_code", "period", "revision"])
    moved = changed.filter(pl.col("action") == "value")
    assert moved["before"].to_list() == [store.bare(v) for v in moved["before_value"]]
    assert (changed.filter(pl.col("action") == "status")["after"] == "final").all()
    assert store.business_today(engine) == TODAY and store.is_demo(engine)


def test_every_user_role_is_there(seeded: tuple[Engine, national.SeedSummary]) -> None:
    from dashboard import accounts

    engine, _ = seeded
    users = set(accounts.list_users(engine, store.cli_actor())["username"])
    assert {"admin", "officer", "board", "lead", "go", "department", "viewer"} <= users
    lead = accounts.actor_for(engine, "lead")
    assert lead is not None and lead.grants[0].partnership


def test_the_seed_leaves_the_planner_statistics(
    seeded: tuple[Engine, national.SeedSummary],
) -> None:
    """A bulk load ends with ANALYZE: the planner knows the revision table's size."""
    engine, summary = seeded
    with engine.connect() as conn:
        if db.is_sqlite(engine):
            known = conn.exec_driver_sql(
                "SELECT stat FROM sqlite_stat1 WHERE tbl = 'actual_revision' LIMIT 1"
            ).scalar()
            rows = int(str(known).split()[0]) if known else 0
        else:
            rows = int(
                conn.exec_driver_sql(
                    "SELECT reltuples FROM pg_class WHERE relname = 'actual_revision'"
                ).scalar_one()
            )
    assert rows == summary.actual_revisions


def test_the_app_assesses_a_seeded_area(seeded: tuple[Engine, national.SeedSummary]) -> None:
    engine, _ = seeded
    actor = store.cli_actor()
    code = frame(engine, Area).sort("code")["code"][0]
    result = analysis.assess_areas(engine, actor, [code], TODAY)
    targets = result.targets
    assert targets.height >= SMALL.target_range[0]
    assert targets["rag"].is_in(["green", "amber", "red"]).sum() >= targets.height // 2
    reward = targets.filter(pl.col("is_reward"))
    assert reward.height >= 1 and reward["reward_status"].is_not_null().any()
    assert result.areas["prg_high_gbp"][0] > 0  # a maximum reward to earn
    # The store's current value is the highest revision of what the seed wrote.
    scope = store.load_scope(engine, actor, [code])
    assert scope.actuals.height > 0


def _contents(engine: Engine) -> dict[str, list[tuple]]:
    """Every table's rows in key order; users and grants by name and scope (password hashes
    are salted and creation times are real)."""
    from data_models import Setting, User, UserGrant

    out: dict[str, list[tuple]] = {}
    with engine.connect() as conn:
        for model in (
            Area, Agreement, Partnership, Indicator, Target, TargetVersion, TargetMilestone,
            ActualRevision, Commentary, AuditEvent, Setting,
        ):  # fmt: skip
            table = model.__table__  # type: ignore[attr-defined]
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            out[table.name] = [tuple(r) for r in rows]
        users = conn.execute(
            select(User.username, User.display_name, UserGrant.role, UserGrant.area_code,
                   UserGrant.partnership, UserGrant.region_code, UserGrant.department_code)
            .join(UserGrant, UserGrant.user_id == User.id)
            .order_by(User.username)
        ).all()  # fmt: skip
        out["users"] = [tuple(r) for r in users]
    return out


def test_same_seed_same_tables_whatever_the_chunk_and_backend(
    seeded: tuple[Engine, national.SeedSummary], tmp_path: Path
) -> None:
    engine, _ = seeded
    other_url = f"sqlite:///{tmp_path / 'again.db'}"
    store.upgrade(other_url)
    other = db.get_engine(other_url)
    seed_scale(other, store.cli_actor(), replace(SMALL, chunk=7))  # chunking changes nothing
    first, second = _contents(engine), _contents(other)
    assert first.keys() == second.keys()
    for name in first:
        assert first[name] == second[name], name
    assert len(first["actual_revision"]) > 1000

    third_url = f"sqlite:///{tmp_path / 'different.db'}"
    store.upgrade(third_url)
    third = db.get_engine(third_url)
    seed_scale(third, store.cli_actor(), SMALL, seed=7, users=False)
    assert _contents(third)["actual_revision"] != first["actual_revision"]


def test_a_database_with_areas_is_refused(db_url: str) -> None:
    engine = db.get_engine(db_url)
    actor = store.cli_actor()
    with db.write_transaction(engine) as conn:
        store.save_areas(
            conn,
            actor,
            [
                {
                    "area_code": "X01", "area_name": "Existing", "region_code": "GOL",
                    "la_type": "london_borough", "population": 200_000,
                    "net_budget_requirement_gbp": 250_000_000,
                    "agreement_start": date(2006, 4, 1), "agreement_end": date(2009, 3, 31),
                }
            ],
        )  # fmt: skip
    with pytest.raises(store.RuleViolation, match="already has areas"):
        seed_scale(engine, actor, SMALL)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Area)).scalar_one() == 1
        assert conn.execute(select(func.count()).select_from(Indicator)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(ActualRevision)).scalar_one() == 0

    runner = CliRunner()
    result = runner.invoke(app, ["seed", "national", "--areas", "9", "--indicators", "20"])
    assert result.exit_code == 1
    assert result.stderr == (
        "the database already has areas: seed the national data into an empty database\n"
    )
    result = runner.invoke(app, ["seed", "stress", "--if-empty"])
    assert result.exit_code == 0
    assert result.stderr == "the database already has areas: stress data not added\n"


def test_only_an_administrator_seeds(db_url: str) -> None:
    engine = db.get_engine(db_url)
    officer = Actor("someone", (Grant("officer", area_code="N001"),))
    with pytest.raises(store.AccessDenied):
        seed_scale(engine, officer, SMALL)
    assert not store.area_has_data(engine)


def test_cli_seeds_a_small_stress_database_monthly(db_url: str) -> None:
    result = CliRunner().invoke(
        app, ["seed", "stress", "--areas", "4", "--indicators", "12", "--years", "3"]
    )
    assert result.exit_code == 0, result.output
    assert "stress data added: stress seed: 4 areas, 12 indicators" in result.stderr
    engine = db.get_engine(db_url)
    actuals = frame(engine, ActualRevision)
    month_ends = set(period_ends("monthly", "financial", date(2005, 1, 1), TODAY))
    assert set(actuals["period"]) <= month_ends
    assert actuals["period"].n_unique() >= 30  # about 36 months, less the lag
    assert set(frame(engine, Indicator)["frequency"]) == {"monthly"}
    assert frame(engine, Area)["code"].str.starts_with("S").all()
    # The sequences go on after the seeded ids: the app can add an area and its partnership.
    with db.write_transaction(engine) as conn:
        store.save_areas(
            conn,
            store.cli_actor(),
            [
                {
                    "area_code": "X99", "area_name": "Added later", "region_code": "GOL",
                    "la_type": "london_borough", "population": 200_000,
                    "net_budget_requirement_gbp": 250_000_000,
                    "agreement_start": date(2008, 4, 1), "agreement_end": date(2011, 3, 31),
                }
            ],
        )  # fmt: skip


def test_bad_sizes_are_refused_in_words(db_url: str) -> None:
    result = CliRunner().invoke(app, ["seed", "national", "--areas", "0"])
    assert result.exit_code == 2
    assert result.stderr == "--areas: give a whole number of at least 1\n"
