"""Meetings of an area's LSP board and thematic partnerships, and the packs built for them.

The performance officer keeps the meeting dates (a change or a cancellation is audited, never
lost); a pack is stored as built — its files, as-at date and known-at moment — so the board can
download exactly what it was shown, a year later. Anyone who reads the area reads both.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Engine, func, select

from dashboard import access, db
from dashboard.access import Actor
from dashboard.store import frames
from dashboard.store.audit import _audit
from dashboard.store.clock import recorded_now
from dashboard.store.rules import RuleViolation, deny
from dashboard.store.scope import _check_read
from data_models import AuditEvent, BoardPack, Meeting, Partnership, User, UserGrant

BOARD = "LSP executive board"  # how a board meeting (no partnership) is named
_TITLE_LENGTH = 200


def _meeting_row(conn: Any, meeting_id: int) -> dict[str, Any]:
    row = conn.execute(select(Meeting).where(Meeting.id == meeting_id)).mappings().first()
    if row is None:
        raise RuleViolation(f"there is no meeting {meeting_id}")
    return dict(row)


def save_meeting(
    engine: Engine,
    actor: Actor,
    area_code: str,
    meets_on: date,
    title: str,
    *,
    partnership: str | None = None,
    meeting_id: int | None = None,
    cancelled: bool = False,
) -> int:
    """Add a meeting, or move, rename or cancel one (`meeting_id`); returns its id. The area's
    officer or an administrator."""
    if not access.can_propose(actor, area_code):
        deny(actor, f"change the meetings of {area_code}")
    words = title.strip()
    if not words:
        raise RuleViolation("Title: say which meeting it is, e.g. 'LSP board, quarter 3'")
    if len(words) > _TITLE_LENGTH:
        raise RuleViolation(f"Title: keep it under {_TITLE_LENGTH} characters")
    with db.write_transaction(engine) as conn:
        if partnership is not None:
            known = conn.execute(
                select(Partnership.id).where(
                    Partnership.area_code == area_code, Partnership.name == partnership
                )
            ).first()
            if known is None:
                raise RuleViolation(f"Partnership: {area_code} has no partnership {partnership!r}")
        at = recorded_now(conn)
        values = {"area_code": area_code, "partnership": partnership, "meets_on": meets_on,
                  "title": words, "cancelled": cancelled, "recorded_at": at,
                  "recorded_by": actor.name}  # fmt: skip
        if meeting_id is None:
            new_id = conn.execute(Meeting.__table__.insert(), [values]).inserted_primary_key[0]  # type: ignore[attr-defined]
            _audit(conn, actor, "meeting:add", area_code=area_code, period=meets_on,
                   after=f"{partnership or BOARD}: {words}", at=at)  # fmt: skip
            return int(new_id)
        before = _meeting_row(conn, meeting_id)
        if before["area_code"] != area_code:
            raise RuleViolation(f"there is no meeting {meeting_id} in {area_code}")
        conn.execute(
            Meeting.__table__.update().where(Meeting.id == meeting_id).values(**values)  # type: ignore[attr-defined]
        )
        what = "meeting:cancel" if cancelled and not before["cancelled"] else "meeting:change"
        _audit(conn, actor, what, area_code=area_code, period=meets_on,
               before=f"{before['meets_on']} {before['title']}" + (" (cancelled)" if before["cancelled"] else ""),
               after=f"{meets_on} {words}" + (" (cancelled)" if cancelled else ""), at=at)  # fmt: skip
        return meeting_id


def meeting(engine: Engine, actor: Actor, meeting_id: int) -> dict[str, Any]:
    """One meeting (area_code, partnership, meets_on, title, cancelled) the actor may read."""
    with engine.connect() as conn:
        row = _meeting_row(conn, meeting_id)
    _check_read(engine, actor, [row["area_code"]], "the meeting")
    return row


def meetings(engine: Engine, actor: Actor, area_code: str) -> pl.DataFrame:
    """The area's meetings, soonest first: meeting_id, partnership (null: the board), meets_on,
    title, cancelled, and how many packs were built for each."""
    _check_read(engine, actor, [area_code], "the meetings")
    query = select(
        Meeting.id.label("meeting_id"), Meeting.partnership, Meeting.meets_on, Meeting.title,
        Meeting.cancelled,
    ).where(Meeting.area_code == area_code).order_by(Meeting.meets_on, Meeting.id)  # fmt: skip
    found = frames.read_frame(engine, query, {"partnership": pl.Utf8, "cancelled": pl.Boolean})
    packs = frames.read_frame(
        engine,
        select(BoardPack.meeting_id)
        .join(Meeting, Meeting.id == BoardPack.meeting_id)
        .where(Meeting.area_code == area_code),
        {"meeting_id": pl.Int64},
    )
    counts = packs.group_by("meeting_id").agg(packs=pl.len().cast(pl.Int64))
    return found.join(counts, on="meeting_id", how="left").with_columns(
        pl.col("packs").fill_null(0)
    )


def next_meeting(frame: pl.DataFrame, today: date, partnership: str | None = None) -> dict | None:
    """The first meeting on or after `today` that is not cancelled (of the board, or of
    `partnership`), from a `meetings` frame."""
    coming = frame.filter(
        (pl.col("meets_on") >= today)
        & ~pl.col("cancelled")
        & (
            pl.col("partnership").is_null()
            if partnership is None
            else pl.col("partnership") == partnership
        )
    )
    return coming.row(0, named=True) if coming.height else None


def known_now(engine: Engine) -> datetime:
    """The moment a pack built now is "as known at": the recorded time of a write now (on a
    fixed business date, that date at the real time of day), so every revision recorded so
    far is in it and any later one is not."""
    with engine.connect() as conn:
        return recorded_now(conn)


def save_pack(
    engine: Engine,
    actor: Actor,
    meeting_id: int,
    *,
    as_at: date,
    known_at: datetime,
    document_pdf: bytes,
    document_html: str,
    document_sha256: str,
) -> int:
    """Keep a pack as built for a meeting; returns its id. The area's officer or an
    administrator; a partnership lead for its own partnership's meetings."""
    with db.write_transaction(engine) as conn:
        meeting = _meeting_row(conn, meeting_id)
        area_code, partnership = meeting["area_code"], meeting["partnership"]
        if not access.can_build_pack(actor, area_code, partnership):
            deny(actor, f"build the pack for a meeting of {area_code}")
        at = recorded_now(conn)
        pack_id = conn.execute(
            BoardPack.__table__.insert(),  # type: ignore[attr-defined]
            [{"meeting_id": meeting_id, "as_at": as_at, "known_at": known_at, "built_at": at,
              "built_by": actor.name, "document_sha256": document_sha256,
              "document_pdf": document_pdf, "document_html": document_html}],
        ).inserted_primary_key[0]  # fmt: skip
        _audit(conn, actor, "pack:build", area_code=area_code, period=meeting["meets_on"],
               after=f"{partnership or BOARD}: {meeting['title']}; as at {as_at}, known at "
               f"{known_at:%Y-%m-%d %H:%M}; {document_sha256[:12]}", at=at)  # fmt: skip
    return int(pack_id)


def packs(engine: Engine, actor: Actor, area_code: str) -> pl.DataFrame:
    """Every pack built for the area's meetings, newest first (without the files)."""
    _check_read(engine, actor, [area_code], "the board packs")
    b, m = BoardPack, Meeting
    query = (
        select(b.id.label("pack_id"), b.meeting_id, m.title, m.partnership, m.meets_on, b.as_at,
               b.known_at, b.built_at, b.built_by, b.document_sha256,
               func.coalesce(User.display_name, b.built_by).label("built_by_name"))
        .join(m, m.id == b.meeting_id)
        .outerjoin(User, User.username == b.built_by)
        .where(m.area_code == area_code)
        .order_by(b.built_at.desc(), b.id.desc())
    )  # fmt: skip
    return frames.read_frame(engine, query, {"partnership": pl.Utf8})


def pack_file(engine: Engine, actor: Actor, pack_id: int) -> dict[str, Any]:
    """A stored pack's files (document_pdf, document_html) and facts, unchanged."""
    with engine.connect() as conn:
        row = (
            conn.execute(
                select(*BoardPack.__table__.c, Meeting.area_code, Meeting.title, Meeting.meets_on)  # type: ignore[attr-defined]
                .join(Meeting, Meeting.id == BoardPack.meeting_id)
                .where(BoardPack.id == pack_id)
            )
            .mappings()
            .first()
        )
    if row is None:
        raise RuleViolation(f"there is no board pack {pack_id}")
    _check_read(engine, actor, [row["area_code"]], "the board pack")
    return dict(row)


def area_contacts(engine: Engine, actor: Actor, area_code: str) -> pl.DataFrame:
    """The active people of an area who own targets (its partnership leads and officers), with
    their e-mail addresses, for the reminders before a meeting: username, display_name, email,
    role, partnership. The area's officer or an administrator."""
    if not access.can_propose(actor, area_code):
        deny(actor, f"read the contacts of {area_code}")
    query = (
        select(User.username, User.display_name, User.email, UserGrant.role, UserGrant.partnership)
        .join(UserGrant, UserGrant.user_id == User.id)
        .where(UserGrant.area_code == area_code, UserGrant.role.in_(["lead", "officer"]),
               User.is_active.is_(True))
        .order_by(UserGrant.role, User.display_name)
    )  # fmt: skip
    return frames.read_frame(engine, query, {"email": pl.Utf8, "partnership": pl.Utf8})


def record_reminders(
    engine: Engine, actor: Actor, area_code: str, meeting: str, recipients: list[str]
) -> None:
    """Audit that reminders before `meeting` went to `recipients` (their names), so the
    officer can see who was chased and when."""
    if not access.can_propose(actor, area_code):
        deny(actor, f"send reminders in {area_code}")
    with db.write_transaction(engine) as conn:
        _audit(conn, actor, "reminders:sent", area_code=area_code, reason=meeting[:200],
               after="; ".join(recipients)[:2_000])  # fmt: skip


def reminders_sent(engine: Engine, actor: Actor, area_code: str) -> pl.DataFrame:
    """The reminders sent for the area, newest first: at, sent_by (name), meeting, recipients."""
    if not access.can_propose(actor, area_code):
        deny(actor, f"read the reminders of {area_code}")
    query = (
        select(AuditEvent.at, func.coalesce(User.display_name, AuditEvent.user).label("sent_by"),
               AuditEvent.reason.label("meeting"), AuditEvent.after.label("recipients"))
        .outerjoin(User, User.username == AuditEvent.user)
        .where(AuditEvent.action == "reminders:sent", AuditEvent.area_code == area_code)
        .order_by(AuditEvent.id.desc())
    )  # fmt: skip
    return frames.read_frame(engine, query, {"meeting": pl.Utf8, "recipients": pl.Utf8})
