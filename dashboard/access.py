"""Who may read and change what: roles, grants and the policy the store enforces.

A user holds one or more grants; each grant is a role with its scope (an area, a
partnership of an area, a region, a department). The store asks this module before every
read and write, so a forged query parameter or a direct page URL cannot reach data outside
the grants: the menu only mirrors what the store already allows.

| role       | reads                                              | writes                               |
|------------|----------------------------------------------------|--------------------------------------|
| admin      | everything                                         | everything, users                    |
| officer    | all of one LSP (area)                              | values and commentary of any of its  |
|            |                                                    | targets; period locks and unlocks;   |
|            |                                                    | the capacity self-assessment         |
| board      | all of one LSP                                     | board-level commentary               |
| lead       | all of one LSP                                     | values and commentary of the targets |
|            |                                                    | its partnerships own                 |
| go         | every area of one region                           | capacity assessments, review         |
|            |                                                    | sign-off of its region's areas       |
| department | the indicators reporting to it, in every area      | nothing                              |
| viewer     | all of one LSP                                     | nothing                              |
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ROLES = ("admin", "officer", "board", "lead", "go", "department", "viewer")
AREA_ROLES = ("officer", "board", "lead", "viewer")

# What each role's grant must name (its scope).
SCOPE_OF_ROLE = {
    "admin": (),
    "officer": ("area_code",),
    "board": ("area_code",),
    "lead": ("area_code", "partnership"),
    "go": ("region_code",),
    "department": ("department_code",),
    "viewer": ("area_code",),
}


class AccessDenied(PermissionError):
    """The acting user may not do this; nothing was changed."""


@dataclass(frozen=True)
class Grant:
    """One role with its scope. Hashable, so an actor can key a cache."""

    role: str
    area_code: str | None = None
    partnership: str | None = None
    region_code: str | None = None
    department_code: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; expected one of {', '.join(ROLES)}")
        missing = [f for f in SCOPE_OF_ROLE[self.role] if not getattr(self, f)]
        if missing:
            raise ValueError(f"a {self.role} grant needs {', '.join(missing)}")

    def describe(self) -> str:
        scope = [getattr(self, f) for f in SCOPE_OF_ROLE[self.role]]
        return self.role + (f" ({' / '.join(str(s) for s in scope)})" if scope else "")


@dataclass(frozen=True)
class Actor:
    """Who is acting, with their grants."""

    name: str
    grants: tuple[Grant, ...] = ()

    def __post_init__(self) -> None:
        if not all(isinstance(g, Grant) for g in self.grants) or isinstance(self.grants, str):
            raise TypeError("Actor.grants must be a tuple of Grant")

    @property
    def is_admin(self) -> bool:
        return any(g.role == "admin" for g in self.grants)

    @property
    def can_write(self) -> bool:
        """May change anything at all (the finer checks are per area / target)."""
        return any(g.role in ("admin", "officer", "lead", "board", "go") for g in self.grants)

    def roles(self) -> set[str]:
        return {g.role for g in self.grants}

    def of_role(self, *roles: str) -> list[Grant]:
        return [g for g in self.grants if g.role in roles]


@dataclass(frozen=True)
class ReadScope:
    """What an actor may read: all areas, or some areas / regions, optionally only some
    indicators (departments read their own indicators in every area)."""

    all_areas: bool = False
    areas: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    departments: frozenset[str] = frozenset()

    @property
    def indicator_limited(self) -> bool:
        """True when the actor reads only the indicators of its departments."""
        return bool(self.departments) and not (self.all_areas or self.areas or self.regions)


def read_scope(actor: Actor) -> ReadScope:
    if actor.is_admin:
        return ReadScope(all_areas=True)
    areas = frozenset(g.area_code for g in actor.of_role(*AREA_ROLES) if g.area_code)
    regions = frozenset(g.region_code for g in actor.of_role("go") if g.region_code)
    departments = frozenset(
        g.department_code for g in actor.of_role("department") if g.department_code
    )
    return ReadScope(False, areas, regions, departments)


def can_read_area(actor: Actor, area_code: str, region_code: str | None) -> bool:
    """Whether the actor may see an area at all (departments see every area, but only their
    own indicators there)."""
    scope = read_scope(actor)
    return (
        scope.all_areas
        or area_code in scope.areas
        or (region_code is not None and region_code in scope.regions)
        or bool(scope.departments)
    )


def can_write_value(actor: Actor, area_code: str, partnership: str | None) -> bool:
    """Values and commentary of a target: admin; the area's officer; a lead of the owning
    partnership."""
    if actor.is_admin:
        return True
    for grant in actor.grants:
        if grant.area_code != area_code:
            continue
        if grant.role == "officer":
            return True
        if grant.role == "lead" and partnership is not None and grant.partnership == partnership:
            return True
    return False


def can_write_board_commentary(actor: Actor, area_code: str) -> bool:
    return actor.is_admin or any(
        g.role in ("board", "officer") and g.area_code == area_code for g in actor.grants
    )


def can_sign_off_review(actor: Actor, region_code: str | None) -> bool:
    """Marking an area's six-monthly review pack as reviewed: admin, or the area's GO."""
    return actor.is_admin or any(
        g.region_code == region_code and region_code is not None for g in actor.of_role("go")
    )


def can_record_go_assessment(actor: Actor, region_code: str | None) -> bool:
    """A GO capacity assessment of an area (with its sign-off recommendation): admin, or a GO
    of the area's region."""
    return can_sign_off_review(actor, region_code)


def can_record_self_assessment(actor: Actor, area_code: str) -> bool:
    """The partnership's own capacity self-assessment: admin, or the area's officer."""
    return actor.is_admin or any(
        g.role == "officer" and g.area_code == area_code for g in actor.grants
    )


def can_propose(actor: Actor, area_code: str) -> bool:
    """Choosing indicators and proposing targets in a draft agreement: admin, or the area's
    officer (the area proposes; its GO challenges and agrees)."""
    return can_record_self_assessment(actor, area_code)


def can_agree_proposals(actor: Actor, region_code: str | None) -> bool:
    """Marking a proposed target agreed or challenged, and signing the agreement: admin, or a
    GO of the area's region (never the area itself)."""
    return can_sign_off_review(actor, region_code)


def can_comment_in_negotiation(actor: Actor, area_code: str, region_code: str | None) -> bool:
    """Comments in a negotiation: the area's officer and partnership leads, its GO, admin."""
    return (
        can_propose(actor, area_code)
        or can_agree_proposals(actor, region_code)
        or any(g.role == "lead" and g.area_code == area_code for g in actor.grants)
    )


def can_build_pack(actor: Actor, area_code: str, partnership: str | None) -> bool:
    """Building a meeting's pack: admin or the area's officer; a partnership lead for its own
    partnership's meetings (`partnership` None: the LSP board's)."""
    return can_propose(actor, area_code) or (
        partnership is not None
        and any(
            g.role == "lead" and g.area_code == area_code and g.partnership == partnership
            for g in actor.grants
        )
    )


def can_administer(actor: Actor) -> bool:
    """Users, framework, imports, signing agreements."""
    return actor.is_admin


def writable_partnerships(actor: Actor, area_code: str) -> set[str] | None:
    """The partnerships whose targets the actor may update in an area (None: all of them)."""
    if actor.is_admin or any(
        g.role == "officer" and g.area_code == area_code for g in actor.grants
    ):
        return None
    return {
        g.partnership for g in actor.of_role("lead") if g.area_code == area_code and g.partnership
    }


def department_only(actor: Actor) -> bool:
    """True for a department user with no other role: it reads its own indicators across
    areas, not an area's own documents (the review pack, the capacity assessment)."""
    return read_scope(actor).indicator_limited


def landing_page(actor: Actor) -> str:
    """Where the actor opens (the navigation's default page): their own work. A department
    user, who reads only its indicators across areas, opens on its returns; a Government
    Office officer (only GO grants) on the region page, its areas at a glance; everyone else
    on the LSP overview (a partnership lead's narrowed to the targets it reports)."""
    if department_only(actor):
        return "returns"
    if actor.grants and all(g.role == "go" for g in actor.grants):
        return "region"
    return "overview"


def describe(grants: Iterable[Grant]) -> str:
    return ", ".join(g.describe() for g in grants) or "no access"
