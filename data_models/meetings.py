"""The board's meeting cycle: meetings of the LSP board and of each thematic partnership, and
the packs built for them, each stored with the moment it was built so it can be downloaded
again, unchanged, long after."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, LargeBinary
from sqlmodel import Column, Field, SQLModel


class Meeting(SQLModel, table=True):
    """A meeting of an area's LSP board (`partnership` empty) or of one of its thematic
    partnerships. A moved or cancelled meeting keeps its row: the change is audited."""

    __tablename__ = "meeting"
    __table_args__ = (Index("ix_meeting_area_date", "area_code", "meets_on"),)
    id: int | None = Field(default=None, primary_key=True)
    area_code: str = Field(foreign_key="area.code")
    partnership: str | None = None  # None: the LSP executive board
    meets_on: date
    title: str
    cancelled: bool = False
    recorded_at: datetime
    recorded_by: str


class BoardPack(SQLModel, table=True):
    """A pack as built for a meeting: what the board was shown, at its as-at date and known-at
    moment, kept as the files themselves (append-only: a rebuild is a new row)."""

    __tablename__ = "board_pack"
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    as_at: date
    known_at: datetime
    built_at: datetime
    built_by: str
    document_sha256: str = Field(max_length=64)
    document_pdf: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    document_html: str


class Action(SQLModel, table=True):
    """A follow-up agreed at a meeting or afterwards: what, who owns it, by when; linked to a
    target's indicator (and so to the exception that raised it) and to the meeting."""

    __tablename__ = "action"
    __table_args__ = (Index("ix_action_area", "area_code", "due_on"),)
    id: int | None = Field(default=None, primary_key=True)
    area_code: str = Field(foreign_key="area.code")
    indicator_code: str | None = Field(default=None, max_length=40)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    text: str
    owner: str
    due_on: date
    raised_at: datetime
    raised_by: str


class ActionUpdate(SQLModel, table=True):
    """One change of an action's status (open, done, dropped) with a note: its history. The
    latest update is its status; an action without one is open."""

    __tablename__ = "action_update"
    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id", index=True)
    status: str
    note: str | None = None
    recorded_at: datetime
    recorded_by: str
