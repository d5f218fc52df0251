"""Actions: the follow-ups agreed at a meeting or afterwards, each with its owner, due date and
a history of status changes (open, done, dropped), linked to a target's indicator and to the
meeting. Nothing is overwritten: a change of status is a new row, and audited.

Who may: the area's officer and board members (who agree actions in the meeting), a
partnership lead for its own partnership's targets, administrators. Everyone who reads the area
reads its actions.
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
from sqlalchemy import Connection, Engine, func, select, true, union

from dashboard import access, db
from dashboard.access import Actor
from dashboard.store import frames
from dashboard.store.actuals import target_owners
from dashboard.store.audit import _audit
from dashboard.store.clock import recorded_now
from dashboard.store.rules import RuleViolation, deny
from dashboard.store.scope import _check_read
from data_models import ACTION_STATUSES, Action, ActionUpdate, Meeting, User, UserGrant

_TEXT_LENGTH = 1_000


def _may_write(conn: Connection, actor: Actor, area_code: str, indicator_code: str | None) -> bool:
    if access.can_write_board_commentary(actor, area_code):  # admin, the officer, the board
        return True
    if indicator_code is None:
        return False
    owner = target_owners(conn, [area_code]).get((area_code, indicator_code))
    return any(
        g.role == "lead" and g.area_code == area_code and g.partnership == owner
        for g in actor.grants
    )


def raise_action(
    engine: Engine,
    actor: Actor,
    area_code: str,
    text: str,
    owner: str,
    due_on: date,
    *,
    indicator_code: str | None = None,
    meeting_id: int | None = None,
) -> int:
    """A new open action; returns its id."""
    words, who = text.strip(), owner.strip()
    if not words:
        raise RuleViolation("Action: say what is to be done")
    if len(words) > _TEXT_LENGTH:
        raise RuleViolation(f"Action: keep it under {_TEXT_LENGTH:,} characters")
    if not who:
        raise RuleViolation("Owner: say who will do it")
    with db.write_transaction(engine) as conn:
        if not _may_write(conn, actor, area_code, indicator_code):
            deny(actor, f"raise actions in {area_code}")
        if meeting_id is not None:
            found = conn.execute(select(Meeting.area_code).where(Meeting.id == meeting_id)).scalar()
            if found != area_code:
                raise RuleViolation(f"Meeting: there is no meeting {meeting_id} in {area_code}")
        at = recorded_now(conn)
        action_id = conn.execute(
            Action.__table__.insert(),  # type: ignore[attr-defined]
            [{"area_code": area_code, "indicator_code": indicator_code, "meeting_id": meeting_id,
              "text": words, "owner": who, "due_on": due_on, "raised_at": at,
              "raised_by": actor.name}],
        ).inserted_primary_key[0]  # fmt: skip
        _audit(conn, actor, "action:raise", area_code=area_code, indicator_code=indicator_code,
               period=due_on, after=f"{who}: {words[:200]}", at=at)  # fmt: skip
    return int(action_id)


def update_action(
    engine: Engine, actor: Actor, action_id: int, status: str, note: str | None = None
) -> None:
    """Mark an action done, dropped (with why) or open again: a new row of its history."""
    if status not in ACTION_STATUSES:
        raise RuleViolation(f"Status: {status!r} is not one of {', '.join(ACTION_STATUSES)}")
    words = (note or "").strip() or None
    if status == "dropped" and not words:
        raise RuleViolation("Dropped: say why the action is no longer needed")
    with db.write_transaction(engine) as conn:
        row = conn.execute(select(Action).where(Action.id == action_id)).mappings().first()
        if row is None:
            raise RuleViolation(f"there is no action {action_id}")
        if not _may_write(conn, actor, row["area_code"], row["indicator_code"]):
            deny(actor, f"update actions in {row['area_code']}")
        before = (
            conn.execute(
                select(ActionUpdate.status)
                .where(ActionUpdate.action_id == action_id)
                .order_by(ActionUpdate.id.desc())
            ).scalar()
            or "open"
        )
        if before == status and words is None:
            raise RuleViolation(f"the action is already {status}")
        at = recorded_now(conn)
        conn.execute(
            ActionUpdate.__table__.insert(),  # type: ignore[attr-defined]
            [{"action_id": action_id, "status": status, "note": words, "recorded_at": at,
              "recorded_by": actor.name}],
        )  # fmt: skip
        _audit(conn, actor, f"action:{status}", area_code=row["area_code"],
               indicator_code=row["indicator_code"], before=before, after=status,
               reason=words, at=at)  # fmt: skip


def actions(
    engine: Engine, actor: Actor, area_code: str, today: date, known_at: datetime | None = None
) -> pl.DataFrame:
    """The area's actions with their current status (the latest update, else open), its note
    and date, and `overdue` (open and due before `today`); open ones first, soonest due. With
    `known_at`: as the log stood then (actions raised and updates recorded by that moment)."""
    _check_read(engine, actor, [area_code], "the actions")
    a, u = Action, ActionUpdate
    latest = (
        select(
            u.action_id, u.status, u.note, u.recorded_at,
            func.row_number().over(partition_by=u.action_id, order_by=u.id.desc()).label("rank"),
        )
        .join(a, a.id == u.action_id)
        .where(a.area_code == area_code)
        .where(u.recorded_at <= known_at if known_at is not None else true())
        .subquery()
    )  # fmt: skip
    query = (
        select(
            a.id.label("action_id"), a.indicator_code, a.meeting_id, a.text, a.owner, a.due_on,
            a.raised_at, func.coalesce(User.display_name, a.raised_by).label("raised_by"),
            func.coalesce(latest.c.status, "open").label("status"),
            latest.c.note.label("status_note"), latest.c.recorded_at.label("status_at"),
        )
        .outerjoin(latest, (latest.c.action_id == a.id) & (latest.c.rank == 1))
        .outerjoin(User, User.username == a.raised_by)
        .where(a.area_code == area_code)
        .where(a.raised_at <= known_at if known_at is not None else true())
    )  # fmt: skip
    found = frames.read_frame(
        engine, query,
        {"indicator_code": pl.Utf8, "meeting_id": pl.Int64, "status_note": pl.Utf8,
         "status_at": pl.Datetime("us", "UTC")},
    )  # fmt: skip
    return found.with_columns(
        overdue=(pl.col("status") == "open") & (pl.col("due_on") < today)
    ).sort(pl.col("status") != "open", "due_on", "action_id")


def action_history(engine: Engine, actor: Actor, action_id: int) -> pl.DataFrame:
    """Every status change of one action, oldest first (status, note, when, by whom)."""
    with engine.connect() as conn:
        area = conn.execute(select(Action.area_code).where(Action.id == action_id)).scalar()
    if area is None:
        raise RuleViolation(f"there is no action {action_id}")
    _check_read(engine, actor, [area], "the actions")
    u = ActionUpdate
    query = (
        select(u.status, u.note, u.recorded_at,
               func.coalesce(User.display_name, u.recorded_by).label("recorded_by"))
        .outerjoin(User, User.username == u.recorded_by)
        .where(u.action_id == action_id)
        .order_by(u.id)
    )  # fmt: skip
    return frames.read_frame(engine, query, {"note": pl.Utf8})


def action_owners(engine: Engine, actor: Actor, area_code: str) -> list[str]:
    """The names an action of the area may be given to, A to Z: the area's active people
    (its officers, partnership leads and board members, by the name they sign in as) and the
    owners of its earlier actions (people outside the dashboard, named once, picked again).
    Names only, for everyone who reads the area; the contacts stay with the officer."""
    _check_read(engine, actor, [area_code], "the actions")
    people = (
        select(User.display_name.label("name"))
        .join(UserGrant, UserGrant.user_id == User.id)
        .where(UserGrant.area_code == area_code, User.is_active.is_(True),
               UserGrant.role.in_(["officer", "lead", "board"]))
    )  # fmt: skip
    earlier = select(Action.owner.label("name")).where(Action.area_code == area_code)
    with engine.connect() as conn:
        names = conn.execute(union(people, earlier)).scalars().all()
    return sorted({n.strip() for n in names if n and n.strip()}, key=str.casefold)
