"""The scale seeds' capacity assessments: two rounds (self, then GO) for every area, written
set-based, readable through the store like any recorded assessment."""

from __future__ import annotations

import polars as pl
from sqlalchemy import func, select

from dashboard import db, store
from data_models import Area, AuditEvent, CapacityAssessment, CapacityRating
from seed_data.capacity_demo import framework_rows, plan_capacity
from seed_data.national import seed_scale
from tests.unit.test_seed_national import SMALL


def test_every_area_of_a_scale_seed_has_two_go_rounds(db_url: str) -> None:
    engine = db.get_engine(db_url)
    admin = store.cli_actor()
    seed_scale(engine, admin, SMALL, users=False)
    with engine.connect() as conn:
        codes = sorted(conn.execute(select(Area.code)).scalars())
        ratings = conn.execute(select(func.count()).select_from(CapacityRating)).scalar_one()
        audited = conn.execute(
            select(func.count()).where(AuditEvent.action.like("capacity:%"))
        ).scalar_one()
        kinds = dict(
            conn.execute(
                select(CapacityAssessment.kind, func.count()).group_by(CapacityAssessment.kind)
            ).all()
        )
    assert len(codes) == SMALL.areas
    assert kinds == {"go": 2 * len(codes), "self": 2 * len(codes)}
    assert ratings == 4 * len(codes) * len(framework_rows())
    assert audited == 4 * len(codes)
    latest = store.latest_capacity(engine, admin, codes)
    assert latest["area_code"].to_list() == codes
    assert latest["assessed_on"].dt.month().to_list() == [10] * len(codes)
    assert set(latest["recommendation"]) <= {"ready", "ready_with_conditions", "not_ready"}
    withheld = latest.filter(pl.col("recommendation") == "ready_with_conditions")
    assert withheld.height and withheld["conditions"].list.len().min() >= 1
    assessments, area_ratings = store.capacity_assessments(engine, admin, codes[0])
    assert assessments["kind"].to_list() == ["self", "go", "self", "go"]
    assert area_ratings.height == 4 * len(framework_rows())


def test_the_plan_is_deterministic_and_per_area() -> None:
    """The same seed gives the same plan; an area's draws do not depend on the others."""
    framework = framework_rows()
    both = plan_capacity(framework, [("N001", "GONE"), ("N002", "GOEM")])
    again = plan_capacity(framework, [("N001", "GONE"), ("N002", "GOEM")])
    alone = plan_capacity(framework, [("N002", "GOEM")])
    assert both.assessments == again.assessments and both.ratings == again.ratings
    levels = [r["level"] for r in both.ratings[len(both.ratings) // 2 :]]
    assert levels == [r["level"] for r in alone.ratings]
