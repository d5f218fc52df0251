"""The recorded time of writes: the wall clock, the fixed business date, and backdating for
loading history."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime

from sqlalchemy import Connection, select

from data_models import (
    Setting,
)

_BACKDATE: ContextVar[datetime | None] = ContextVar("laa_backdate", default=None)


def utcnow() -> datetime:
    """The wall clock (UTC), unless inside `backdated`: for expiry checks. Writes are stamped
    with `recorded_now`."""
    return _BACKDATE.get() or datetime.now(UTC)


def wall_clock() -> datetime:
    """The real time (UTC), whatever the business date or backdating."""
    return datetime.now(UTC)


def recorded_now(conn: Connection) -> datetime:
    """The recorded time of a write (DOMAIN §8), the one clock of every write path.

    Inside `backdated`: the chosen time (loading history). In a database whose business date
    is fixed (the `today` setting, as in the demo): that date at the real time of day, so what
    is entered today belongs to the database's present. Otherwise the wall clock (UTC).
    """
    backdate = _BACKDATE.get()
    if backdate is not None:
        return backdate
    now = wall_clock()
    fixed = conn.execute(select(Setting.value).where(Setting.key == "today")).scalar()
    if not fixed:
        return now
    return datetime.combine(date.fromisoformat(fixed), now.timetz())


def _wall_clock_of_write() -> datetime | None:
    """The audit's real time of a write; none for backdated history (it has no real moment
    of its own, and the demo stays the same on every run)."""
    return None if _BACKDATE.get() is not None else wall_clock()


class Backdate:
    """Moves the recorded time of writes made inside `backdated` (see there)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    @property
    def at(self) -> datetime:
        return _BACKDATE.get() or datetime.now(UTC)

    @at.setter
    def at(self, value: datetime) -> None:
        _BACKDATE.set(value)


@contextmanager
def backdated(at: datetime) -> Iterator[Backdate]:
    """Stamp writes in this context (this thread/task only) with a chosen time, not the clock.

    For loading history (the demo generator backdates to period end + lag, DOMAIN §8); the
    previous clock comes back on exit, even on error.
    """
    token = _BACKDATE.set(at)
    try:
        yield Backdate(at)
    finally:
        _BACKDATE.reset(token)
