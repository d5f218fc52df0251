"""Who may read and change what, enforced in the store: a permission matrix over the demo.

Every demo user (read back with `accounts.actor_for`, as the app does) and a user with no
grants, against every read and write, in their own scope and in someone else's. The
expectations are the policy table of dashboard/access.py, written out again here (not
computed by the code under test). A refusal must raise AccessDenied, change nothing, and
write a REFUSED line to the security log.

The demo is seeded once per module: on SQLite, and on PostgreSQL too when TEST_DATABASE_URL
is set. Allowed writes run in a transaction that is rolled back, so every case sees the same
data; refused writes are committed after the refusal, so anything they wrote would stay.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine, func, select

from dashboard import accounts, analysis, db, metrics, security, store
from dashboard.access import AccessDenied, Actor, Grant
from dashboard.metrics.reward import money
from data_models import (
    ActualRevision,
    Agreement,
    Area,
    AuditEvent,
    Commentary,
    Indicator,
    ReportingLine,
    Setting,
    TargetVersion,
    User,
    UserGrant,
)
from seed_data.demo import AREAS as DEMO_SPECS
from seed_data.demo import DEMO_TODAY
from seed_data.demo_users import DEMO_AREA, DEMO_DEPARTMENT, DEMO_REGION, lead_partnership
from tests.conftest import _BACKENDS, demo_engine

OWN, REGION, AWAY = DEMO_AREA, "D03", "D02"  # D10 and D03 are in GOEM; D02 is in GONW
EAST_MIDLANDS = {OWN, REGION, "D21", "D22", "D23", "D24", "D25", "D26"}  # every GOEM demo area
AREAS = (OWN, REGION, AWAY)
USERS = ("admin", "officer", "board", "lead", "go", "department", "viewer", "nogrants")
ALL = "all"

# ----------------------------------------------------------------- the policy, written out

# Areas each user reads (the department: every area, but only its own indicators).
READS: dict[str, set[str] | str] = {
    "admin": ALL,
    "officer": {OWN},
    "board": {OWN},
    "lead": {OWN},
    "viewer": {OWN},
    "go": EAST_MIDLANDS,
    "department": ALL,
    "nogrants": set(),
}
# The audit trail: administrators all of it, an LSP's officer their own area's.
AUDIT: dict[str, set[str | None]] = {"admin": {OWN, REGION, AWAY, None}, "officer": {OWN}}

# Targets a write may touch: the lead's own partnership's (an HO indicator, so the department
# reads it too), another partnership's in the same area, and a target of another region's area.
SCOPES = ("own", "partner", "away")
VALUES = {"admin": set(SCOPES), "officer": {"own", "partner"}, "lead": {"own"}}
COMMENTARY = {**VALUES, "board": {"own", "partner"}}  # the board writes board-level commentary
ADMIN_ONLY = (
    "save_targets",
    "save_areas",
    "save_indicators",
    "sign_agreement",
    "set_setting",
    "add_user",
    "grant",
)


def may_read(user: str, area: str) -> bool:
    allowed = READS[user]
    return allowed == ALL or area in allowed


# --------------------------------------------------------------------------------- fixture


@dataclass
class Demo:
    engine: Engine
    actors: dict[str, Actor]
    targets: dict[str, tuple[str, str]]  # scope -> (area, indicator)
    periods: dict[str, date]  # scope -> a period with a value
    values: dict[str, float]  # scope -> that value
    ho: frozenset[str]  # indicators the department reads
    rows: dict[str, Any]  # rows for the admin-only writes
    partnership: str  # the lead's


@pytest.fixture(scope="module", params=_BACKENDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    engine, admin = demo_engine(request.param, tmp_path_factory.mktemp("access"))
    accounts.add_user(engine, admin, "nogrants", "No Grants", "no-grants-pw", "nogrants@x.example")
    accounts.add_user(engine, admin, "probe", "Probe", "probe-password", "probe@x.example")
    actors = {name: accounts.actor_for(engine, name) for name in USERS}
    assert all(actors.values()), actors
    assert actors["nogrants"].grants == ()  # type: ignore[union-attr]

    partnership = lead_partnership(engine)
    ho = store.readable(engine, actors["department"]).indicators  # type: ignore[arg-type]
    assert ho
    scope = store.load_scope(engine, admin, [OWN, AWAY])
    targets = scope.targets
    own = targets.filter(
        (pl.col("area_code") == OWN)
        & (pl.col("partnership") == partnership)
        & pl.col("indicator_code").is_in(sorted(ho))
    )
    partner = targets.filter(
        (pl.col("area_code") == OWN)
        & (pl.col("partnership") != partnership)
        & ~pl.col("indicator_code").is_in(sorted(ho))
    )
    away = targets.filter(
        (pl.col("area_code") == AWAY) & pl.col("indicator_code").is_in(sorted(ho))
    )
    chosen = {"own": own.row(0, named=True), "partner": partner.row(0, named=True)}
    chosen["away"] = away.row(0, named=True)
    picked: dict[str, tuple[str, str]] = {
        k: (r["area_code"], r["indicator_code"]) for k, r in chosen.items()
    }
    periods, values = {}, {}
    for key, (area, indicator) in picked.items():
        latest = (
            scope.actuals.filter(
                (pl.col("area_code") == area) & (pl.col("indicator_code") == indicator)
            )
            .sort("period")
            .row(-1, named=True)
        )
        periods[key], values[key] = latest["period"], latest["value"]

    target = chosen["own"]
    milestones = scope.milestones.filter(pl.col("target_id") == target["target_id"])
    target_row = {
        k: target[k] for k in ("area_code", "indicator_code", "partnership", *store.TARGET_FIELDS)
    } | {
        "lead_officer": "Someone Else",  # not a frozen field: a new version when allowed
        "milestones": list(zip(milestones["period"], milestones["value"], strict=True)),
        "reason": "matrix",
    }
    area = store.list_areas(engine, admin).filter(pl.col("area_code") == OWN).row(0, named=True)
    agreement = scope.agreements.filter(pl.col("area_code") == OWN).row(0, named=True)
    area_row = {
        "area_code": OWN,
        "area_name": area["area_name"],
        "region_code": area["region_code"],
        "la_type": area["la_type"],
        "population": area["population"] + 1,
        "net_budget_requirement_gbp": agreement["net_budget_requirement_gbp"],
        "agreement_start": area["agreement_start"],
        "agreement_end": area["agreement_end"],
    }
    indicator = store.load_indicators(engine, admin, [target["indicator_code"]]).row(0, named=True)
    indicator_row = {
        "indicator_code": indicator["indicator_code"],
        "name": indicator["name"] + " (renamed)",
        "block_code": indicator["block_code"],
        "period_basis": indicator["period_basis"],
        "lag_months": indicator["lag_months"],
    }
    yield Demo(
        engine=engine,
        actors=actors,  # type: ignore[arg-type]
        targets=picked,
        periods=periods,
        values=values,
        ho=ho,
        rows={"target": target_row, "area": area_row, "indicator": indicator_row},
        partnership=partnership,
    )
    db.dispose_all()


# --------------------------------------------------------------------------------- helpers


def log_lines() -> list[str]:
    path = Path(security.log_path())
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def assert_refusal_logged(before: list[str], user: str) -> None:
    new = log_lines()[len(before) :]
    assert any(" REFUSED " in f" {line} " and f"user={user} " in line for line in new), new


def snapshot(engine: Engine) -> dict[str, Any]:
    """Row counts of what a write adds to, and the values an admin-only write would change."""
    with engine.connect() as conn:

        def count(model: Any) -> int:
            return conn.execute(select(func.count()).select_from(model)).scalar_one()

        return {
            "actual_revision": count(ActualRevision),
            "commentary": count(Commentary),
            "target_version": count(TargetVersion),
            "audit_event": count(AuditEvent),
            "app_user": count(User),
            "user_grant": count(UserGrant),
            "setting": sorted(conn.execute(select(Setting.key, Setting.value)).all()),
            "population": conn.execute(
                select(Area.population).where(Area.code == OWN)
            ).scalar_one(),
            "indicator_names": sorted(conn.execute(select(Indicator.name)).scalars()),
            "agreements": sorted(conn.execute(select(Agreement.area_code, Agreement.status)).all()),
        }


def in_transaction(engine: Engine, write: Callable[[Any], Any], *, commit: bool) -> Any:
    """Run a store write on a connection, then commit (even after a refusal) or roll back."""
    with engine.connect() as conn:
        try:
            return write(conn)
        finally:
            if commit:
                conn.commit()
            else:
                conn.rollback()


def value_row(demo: Demo, scope: str) -> dict[str, Any]:
    area, indicator = demo.targets[scope]
    return {
        "area_code": area,
        "indicator_code": indicator,
        "period": demo.periods[scope],
        "value": demo.values[scope] + 1,
        "note": "matrix",
    }


def comment_row(demo: Demo, scope: str) -> dict[str, Any]:
    area, indicator = demo.targets[scope]
    return {
        "area_code": area,
        "indicator_code": indicator,
        "period": demo.periods[scope],
        "text": "Matrix probe",
    }


# ------------------------------------------------------------------------------------ reads

HO_TARGET: dict[str, str] = {}  # area -> an HO indicator with a target there (filled lazily)


def ho_indicator(demo: Demo, area: str) -> str:
    if area not in HO_TARGET:
        targets = store.load_scope(demo.engine, store.cli_actor("t"), [area]).targets
        HO_TARGET[area] = targets.filter(pl.col("indicator_code").is_in(sorted(demo.ho)))[
            "indicator_code"
        ][0]
    return HO_TARGET[area]


READ_ACTIONS: dict[str, Callable[[Demo, Actor, str], Any]] = {
    "load_scope": lambda d, a, area: store.load_scope(d.engine, a, [area]).targets,
    "current_actuals": lambda d, a, area: store.current_actuals(d.engine, a, [area]),
    "actual_revisions": lambda d, a, area: store.actual_revisions(
        d.engine, a, area, ho_indicator(d, area)
    ),
    "load_commentary": lambda d, a, area: store.load_commentary(d.engine, a, [area]),
    "assess_areas": lambda d, a, area: (
        analysis.assess_areas(d.engine, a, [area], DEMO_TODAY).targets
    ),
    "audit_frame": lambda d, a, area: store.audit_frame(d.engine, a, area),
}


def expected_read(user: str, action: str, area: str) -> bool:
    if action == "audit_frame":
        return area in AUDIT.get(user, set())
    return may_read(user, area)


READ_CASES = [
    pytest.param(user, action, area, id=f"{user}-{action}-{area}")
    for user in USERS
    for action in READ_ACTIONS
    for area in AREAS
]


@pytest.mark.parametrize(("user", "action", "area"), READ_CASES)
def test_read_matrix(demo: Demo, user: str, action: str, area: str) -> None:
    """Each read is allowed exactly where the policy says, and returns only that area; a
    refused read raises AccessDenied and is logged."""
    actor = demo.actors[user]
    before = log_lines()
    if expected_read(user, action, area):
        frame = READ_ACTIONS[action](demo, actor, area)
        if "area_code" in frame.columns:
            assert set(frame["area_code"].unique()) <= {area}
        if action in ("load_scope", "assess_areas", "actual_revisions"):
            assert frame.height > 0, f"{user} should see {action} of {area}"
        if user == "department" and "indicator_code" in frame.columns:
            assert set(frame["indicator_code"]) <= demo.ho
    else:
        with pytest.raises(AccessDenied):
            READ_ACTIONS[action](demo, actor, area)
        assert_refusal_logged(before, user)


@pytest.mark.parametrize("user", USERS)
def test_list_areas_shows_only_readable_areas(demo: Demo, user: str) -> None:
    every = set(store.list_areas(demo.engine, demo.actors["admin"])["area_code"])
    shown = set(store.list_areas(demo.engine, demo.actors[user])["area_code"])
    with demo.engine.connect() as conn:
        goem = set(conn.execute(select(Area.code).where(Area.region_code == DEMO_REGION)).scalars())
    assert goem == EAST_MIDLANDS
    expected = READS[user]
    assert shown == (every if expected == ALL else expected)
    assert len(every) == len(DEMO_SPECS)


@pytest.mark.parametrize("user", USERS)
def test_whole_audit_trail_is_for_administrators_only(demo: Demo, user: str) -> None:
    before = log_lines()
    if None in AUDIT.get(user, set()):
        assert store.audit_frame(demo.engine, demo.actors[user]).height > 0
    else:
        with pytest.raises(AccessDenied):
            store.audit_frame(demo.engine, demo.actors[user])
        assert_refusal_logged(before, user)


# ----------------------------------------------------------------------------------- writes


def _write(demo: Demo, actor: Actor, action: str, scope: str, *, commit: bool) -> Any:
    engine = demo.engine
    if action == "save_actuals":
        row = value_row(demo, scope)
        return in_transaction(engine, lambda c: store.save_actuals(c, actor, [row]), commit=commit)
    if action == "add_commentary":
        row = comment_row(demo, scope)
        return in_transaction(
            engine, lambda c: store.add_commentary(c, actor, [row]), commit=commit
        )
    if action == "save_targets":
        rows = [demo.rows["target"]]
        return in_transaction(engine, lambda c: store.save_targets(c, actor, rows), commit=commit)
    if action == "save_areas":
        rows = [demo.rows["area"]]
        return in_transaction(engine, lambda c: store.save_areas(c, actor, rows), commit=commit)
    if action == "save_indicators":
        rows = [demo.rows["indicator"]]
        return in_transaction(
            engine, lambda c: store.save_indicators(c, actor, rows), commit=commit
        )
    if action == "sign_agreement":
        # Every demo agreement is signed: an administrator gets past the access check and is
        # stopped by the domain rule instead.
        try:
            return store.sign_agreement(engine, actor, OWN, date(2006, 2, 21))
        except store.RuleViolation:
            return "already signed"
    if action == "set_setting":
        old = store.get_setting(engine, "rag_tolerance") or "0.10"
        result = store.set_setting(engine, actor, "rag_tolerance", "0.5", reason="matrix")
        store.set_setting(engine, actor, "rag_tolerance", old, reason="matrix: back")
        return result
    if action == "add_user":
        name = f"new-by-{actor.name}"
        return accounts.add_user(engine, actor, name, "New", "a-long-password", f"{name}@x.example")
    if action == "grant":
        return accounts.grant(engine, actor, "probe", Grant("viewer", area_code=AWAY))
    raise AssertionError(action)


def expected_write(user: str, action: str, scope: str) -> bool:
    if action == "save_actuals":
        return scope in VALUES.get(user, set())
    if action == "add_commentary":
        return scope in COMMENTARY.get(user, set())
    return user == "admin"


WRITE_CASES = [
    pytest.param(user, action, scope, id=f"{user}-{action}-{scope}")
    for user in USERS
    for action in ("save_actuals", "add_commentary")
    for scope in SCOPES
] + [
    pytest.param(user, action, "-", id=f"{user}-{action}")
    for user in USERS
    for action in ADMIN_ONLY
]


@pytest.mark.parametrize(("user", "action", "scope"), WRITE_CASES)
def test_write_matrix(demo: Demo, user: str, action: str, scope: str) -> None:
    """Each write is allowed exactly where the policy says; a refused one raises AccessDenied,
    changes nothing (even though the caller commits) and is logged."""
    actor = demo.actors[user]
    if expected_write(user, action, scope):
        result = _write(demo, actor, action, scope, commit=False)
        if isinstance(result, store.WriteSummary):
            assert result.changed == 1, (action, result)
        return
    before, log = snapshot(demo.engine), log_lines()
    with pytest.raises(AccessDenied):
        _write(demo, actor, action, scope, commit=True)
    assert snapshot(demo.engine) == before
    assert_refusal_logged(log, user)


def test_lead_batch_with_one_foreign_row_writes_nothing(demo: Demo) -> None:
    """All or nothing: the lead's own value is not written when the same batch holds another
    partnership's target."""
    lead = demo.actors["lead"]
    rows = [value_row(demo, "own"), value_row(demo, "partner")]
    before, log = snapshot(demo.engine), log_lines()
    with pytest.raises(AccessDenied, match="record values for"):
        in_transaction(demo.engine, lambda c: store.save_actuals(c, lead, rows), commit=True)
    assert snapshot(demo.engine) == before
    assert_refusal_logged(log, "lead")


def test_board_may_comment_but_not_record_values(demo: Demo) -> None:
    board = demo.actors["board"]
    summary = in_transaction(
        demo.engine,
        lambda c: store.add_commentary(c, board, [comment_row(demo, "partner")]),
        commit=False,
    )
    assert summary.inserted == 1
    with pytest.raises(AccessDenied):
        in_transaction(
            demo.engine,
            lambda c: store.save_actuals(c, board, [value_row(demo, "own")]),
            commit=True,
        )


def test_lead_grant_is_for_the_partnership_in_that_area_only(demo: Demo) -> None:
    """A lead holding the same partnership name in another area may not write here."""
    elsewhere = Actor(
        "lead-elsewhere", (Grant("lead", area_code=AWAY, partnership=demo.partnership),)
    )
    with pytest.raises(AccessDenied):
        in_transaction(
            demo.engine,
            lambda c: store.save_actuals(c, elsewhere, [value_row(demo, "own")]),
            commit=True,
        )


# ------------------------------------------------------------------------------ departments


def test_department_reads_another_region_but_only_its_indicators(demo: Demo) -> None:
    """The department reads D02 (GONW): exactly the targets whose indicator reports to HO."""
    dept, admin = demo.actors["department"], demo.actors["admin"]
    with demo.engine.connect() as conn:
        ho = set(
            conn.execute(
                select(ReportingLine.indicator_code).where(
                    ReportingLine.recipient_type == "department",
                    ReportingLine.recipient_code == DEMO_DEPARTMENT,
                )
            ).scalars()
        )
    assert ho == set(demo.ho)
    full = store.load_scope(demo.engine, admin, [AWAY])
    mine = store.load_scope(demo.engine, dept, [AWAY])
    expected = set(full.targets["indicator_code"]) & ho
    assert expected and set(full.targets["indicator_code"]) - ho  # both kinds exist in D02
    assert set(mine.targets["indicator_code"]) == expected
    assert set(mine.actuals["indicator_code"]) <= ho
    assert set(mine.commentary["indicator_code"]) <= ho
    assert set(store.current_actuals(demo.engine, dept, [AWAY])["indicator_code"]) <= ho
    assert set(store.load_commentary(demo.engine, dept, [AWAY])["indicator_code"]) <= ho
    ids = set(mine.targets["target_id"])
    assert set(mine.milestones["target_id"]) <= ids
    other = sorted(set(full.targets["indicator_code"]) - ho)[0]
    log = log_lines()
    with pytest.raises(AccessDenied):
        store.actual_revisions(demo.engine, dept, AWAY, other)
    assert_refusal_logged(log, "department")


def test_department_reward_shares_equal_the_administrators(demo: Demo) -> None:
    """Reward shares split the maximum among all reward targets of an agreement (DOMAIN §5):
    the department gets the same exact shares for its targets as the administrator."""
    dept, admin = demo.actors["department"], demo.actors["admin"]
    for area in (AWAY, OWN):
        full = analysis.assess_areas(demo.engine, admin, [area], DEMO_TODAY).targets
        mine = analysis.assess_areas(demo.engine, dept, [area], DEMO_TODAY).targets
        assert set(mine["indicator_code"]) == set(full["indicator_code"]) & set(demo.ho)
        assert mine.filter(pl.col("is_reward")).height > 0
        assert full.filter(pl.col("is_reward")).height > mine.filter(pl.col("is_reward")).height
        columns = ["target_id", "reward_share_gbp", "forecast_reward_gbp", "rag"]
        expected = full.filter(pl.col("target_id").is_in(mine["target_id"].implode()))
        assert (
            mine.select(columns)
            .sort("target_id")
            .equals(expected.select(columns).sort("target_id"))
        )


@pytest.mark.parametrize(("department", "renamed"), [("DCLG", "ODPM"), ("ODPM", "DCLG")])
def test_department_reads_its_renamed_self(demo: Demo, department: str, renamed: str) -> None:
    """A department reads the indicators reporting to it under an earlier or later name."""
    actor = Actor(f"dept-{department}", (Grant("department", department_code=department),))
    with demo.engine.connect() as conn:
        lines = set(
            conn.execute(
                select(ReportingLine.indicator_code).where(
                    ReportingLine.recipient_type == "department",
                    ReportingLine.recipient_code.in_([department, renamed]),
                )
            ).scalars()
        )
    assert lines
    readable = store.readable(demo.engine, actor)
    assert readable.areas is None and readable.indicators == lines


def test_unknown_area_is_refused_for_a_department(demo: Demo) -> None:
    with pytest.raises(store.RuleViolation, match="unknown area"):
        analysis.assess_areas(demo.engine, demo.actors["department"], ["ZZ99"], DEMO_TODAY)


def test_department_block_reward_maximum_is_its_own_targets_shares(demo: Demo) -> None:
    """A department's block reward maximum is what its own reward targets could earn: the sum
    of their exact shares of the whole agreement's maximum (DOMAIN §5), not the maximum split
    among the targets it happens to see."""
    dept, admin = demo.actors["department"], demo.actors["admin"]
    smaller = 0
    for area in (AWAY, OWN):
        full = analysis.assess_areas(demo.engine, admin, [area], DEMO_TODAY)
        mine = analysis.assess_areas(demo.engine, dept, [area], DEMO_TODAY)
        shares = metrics.exact_shares(full.targets, full.scope.agreements)
        own_reward = full.targets.filter(
            pl.col("is_reward") & pl.col("indicator_code").is_in(sorted(demo.ho))
        )
        expected: dict[str, Fraction] = {}
        for row in own_reward.iter_rows(named=True):
            share = shares[row["target_id"]][0]
            assert share is not None
            expected[row["block_code"]] = expected.get(row["block_code"], Fraction(0)) + share
        assert expected, f"the department has reward targets in {area}"
        got = {
            r["block_code"]: r["reward_maximum_gbp"]
            for r in mine.blocks.iter_rows(named=True)
            if r["reward_maximum_gbp"] is not None
        }
        assert got == {block: money(total) for block, total in expected.items()}
        whole = dict(full.blocks.select("block_code", "reward_maximum_gbp").iter_rows())
        smaller += sum(got[b] < whole[b] for b in got)
        forecast = own_reward.group_by("block_code").agg(pl.col("reward_gbp").sum())
        for block, total in forecast.iter_rows():
            row = mine.blocks.filter(pl.col("block_code") == block).row(0, named=True)
            assert row["reward_forecast_gbp"] == total
    assert smaller, "some block has reward targets outside the department's"


def test_department_pending_target_changes_are_its_own(demo: Demo) -> None:
    """Proposed target changes waiting for the GO: a department lists only its indicators'."""
    officer, dept = demo.actors["officer"], demo.actors["department"]
    ordinary = (
        store.load_scope(demo.engine, officer, [OWN])
        .targets.filter(~pl.col("is_reward"))
        .with_columns(ho=pl.col("indicator_code").is_in(sorted(demo.ho)))
    )
    proposed = {
        ordinary.filter(pl.col("ho") == ho)["indicator_code"][0]: ho for ho in (True, False)
    }
    for indicator in proposed:
        store.propose_target_change(
            demo.engine, officer, OWN, indicator, target_value=1.0, reason="matrix"
        )
    everyone = set(store.pending_target_changes(demo.engine, officer, OWN)["indicator_code"])
    assert set(proposed) <= everyone
    theirs = set(store.pending_target_changes(demo.engine, dept, OWN)["indicator_code"])
    assert theirs == {i for i in everyone if i in demo.ho}
    assert {i for i, ho in proposed.items() if ho} <= theirs


DEPARTMENT_READS = {
    **READ_ACTIONS,
    "pending_target_changes": lambda d, a, area: store.pending_target_changes(d.engine, a, area),
    "reported_indicators": lambda d, a, area: store.reported_indicators(d.engine, a, [area]),
}


@pytest.mark.parametrize("action", sorted(set(DEPARTMENT_READS) - {"audit_frame"}))
def test_department_reads_nothing_outside_its_scope(
    demo: Demo, action: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scope is applied in the query, not after: no frame the store reads for a department
    holds a row of another department's indicators or targets (the maths included)."""
    visible = store.load_scope(demo.engine, demo.actors["admin"], [AWAY]).targets.filter(
        pl.col("indicator_code").is_in(sorted(demo.ho))
    )
    ho_indicator(demo, AWAY)  # the probe's own admin lookup, done before recording
    frames: list[pl.DataFrame] = []
    read = store.frames.read_frame

    def recording(*args: Any, **kwargs: Any) -> pl.DataFrame:
        frames.append(read(*args, **kwargs))
        return frames[-1]

    monkeypatch.setattr(store.frames, "read_frame", recording)
    DEPARTMENT_READS[action](demo, demo.actors["department"], AWAY)
    assert frames
    for frame in frames:
        if "indicator_code" in frame.columns:
            assert set(frame["indicator_code"]) <= demo.ho
        if "target_id" in frame.columns:
            assert set(frame["target_id"]) <= set(visible["target_id"])


@pytest.mark.parametrize(
    ("grants", "expected"),
    [
        ((Grant("department", department_code="HO"),), True),
        ((Grant("department", department_code="HO"), Grant("go", region_code="GOEM")), False),
        ((Grant("department", department_code="HO"), Grant("viewer", area_code="E01")), False),
        ((Grant("go", region_code="GOEM"),), False),
        ((Grant("admin"),), False),
        ((), False),
    ],
)
def test_department_only_is_a_department_with_no_area_or_region(
    grants: tuple[Grant, ...], expected: bool
) -> None:
    from dashboard import access

    assert access.department_only(Actor("someone", grants)) is expected
