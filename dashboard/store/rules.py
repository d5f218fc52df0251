"""Refusals shared by every write: domain rule violations, concurrent changes, access denials,
and the outcome of a write."""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from typing import NoReturn

from dashboard import access, security
from dashboard.access import AccessDenied, Actor, Grant

FROZEN_RULE = (
    "stretched targets cannot be refreshed: once the agreement is signed, its reward targets "
    "and their baseline, without-reward and stretched figures are frozen for its three years"
)


class RuleViolation(ValueError):
    """A domain rule refuses this change; nothing was changed."""


class ConcurrentChange(RuleViolation):
    """Someone else changed the same value since it was read (optimistic check); nothing was
    changed: review and save again."""


def cli_actor(as_user: str | None = None) -> Actor:
    """The operator's actor: an administrator, recorded as `cli:<os user>` (or `as_user`).

    The `laa` command runs as this without `--as`: whoever can run it holds the database
    credentials anyway (see the README). `laa --as USER` does not use it: it acts as the
    stored user with their own grants (`accounts.actor_for`).
    """
    return Actor(as_user or f"cli:{getpass.getuser()}", (Grant("admin"),))


def deny(actor: Actor, what: str) -> NoReturn:
    """Refuse: write the security log, then raise AccessDenied (nothing has changed)."""
    security.refused(actor.name, what)
    raise AccessDenied(f"{actor.name} may not {what}")


def _require_admin(actor: Actor, what: str) -> None:
    if not access.can_administer(actor):
        deny(actor, what)


@dataclass
class WriteSummary:
    """What a write changed, for the caller to report."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    messages: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.inserted + self.updated + self.removed
