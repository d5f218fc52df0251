"""User accounts: passwords, lock-out, grants and signed session tokens.

With `store.py`, the only other module that talks SQL (users are not performance data).
Passwords are hashed with argon2id (argon2-cffi) and never stored or logged in clear. A
session is a signed, expiring token (itsdangerous) carried in a cookie; signing out moves
the user's `sessions_valid_after`, which invalidates every token issued before it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Engine, delete, func, select, update

from dashboard import access, db, security
from dashboard.access import Actor, Grant
from dashboard.settings import PROJECT_DIR, get_settings
from data_models import Area, Department, Partnership, Region, User, UserGrant

SESSION_COOKIE = "laa_session"
MAX_FAILED_ATTEMPTS = 5
LOCK_MINUTES = 15
SESSION_HOURS = 12
_HASHER = PasswordHasher()
# Verified against when the user does not exist, so timing does not reveal which names exist.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """A user-management request that cannot be carried out (nothing was changed)."""


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


# ----------------------------------------------------------------------------------- passwords


MIN_PASSWORD_LENGTH = 8


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable (None: it is). The one rule for every new
    password: when a user is added and when a password is changed."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"a password needs at least {MIN_PASSWORD_LENGTH} characters"
    return None


def hash_password(password: str) -> str:
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    return _HASHER.hash(password)


def _verify(stored: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# ------------------------------------------------------------------------------------ accounts


def _normal(name: str) -> str:
    return name.strip().lower()


def add_user(
    engine: Engine,
    actor: Actor,
    username: str,
    display_name: str,
    password: str | None,
    email: str | None = None,
) -> None:
    """Create a user (password optional: single-sign-on users have none)."""
    if not access.can_administer(actor):
        security.refused(actor.name, f"add user {username}")
        raise access.AccessDenied(f"{actor.name} may not add users")
    username = _normal(username)
    if not username:
        raise AccountError("a user name is required")
    with db.write_transaction(engine) as conn:
        same = User.username == username
        if email:
            same = same | (User.email == _normal(email))
        taken = conn.execute(select(func.count()).select_from(User).where(same)).scalar_one()
        if taken:
            raise AccountError(f"user {username} (or that email) already exists")
        conn.execute(
            User.__table__.insert(),  # type: ignore[attr-defined]
            [
                {
                    "username": username,
                    "email": _normal(email) if email else None,
                    "display_name": display_name,
                    "password_hash": hash_password(password) if password else None,
                    "is_active": True,
                    "failed_attempts": 0,
                    "created_at": _now(),
                }
            ],
        )
    security.event("USER_ADDED", actor.name, f"username={username}")


def _user_id(conn, username: str) -> int:  # type: ignore[no-untyped-def]
    found = conn.execute(select(User.id).where(User.username == _normal(username))).scalar()
    if found is None:
        raise AccountError(f"no user {username}")
    return int(found)


def _check_scope(conn, grant: Grant) -> None:  # type: ignore[no-untyped-def]
    """The grant's scope must name things that exist."""
    checks = [
        (grant.area_code, Area.code, "area"),
        (grant.region_code, Region.code, "region"),
        (grant.department_code, Department.code, "department"),
    ]
    for value, column, what in checks:
        if value and conn.execute(select(func.count()).where(column == value)).scalar_one() == 0:
            raise AccountError(f"no {what} {value}")
    if grant.partnership:
        found = conn.execute(
            select(func.count()).where(
                Partnership.area_code == grant.area_code, Partnership.name == grant.partnership
            )
        ).scalar_one()
        if not found:
            raise AccountError(f"no partnership {grant.partnership!r} in {grant.area_code}")


def grant(engine: Engine, actor: Actor, username: str, new: Grant) -> bool:
    """Give a user a role with its scope; False if they already had it."""
    if not access.can_administer(actor):
        security.refused(actor.name, f"grant {new.describe()} to {username}")
        raise access.AccessDenied(f"{actor.name} may not grant roles")
    with db.write_transaction(engine) as conn:
        user_id = _user_id(conn, username)
        _check_scope(conn, new)
        if new in _grants(conn, user_id):
            return False
        conn.execute(
            UserGrant.__table__.insert(),  # type: ignore[attr-defined]
            [
                {
                    "user_id": user_id,
                    "role": new.role,
                    "area_code": new.area_code,
                    "partnership": new.partnership,
                    "region_code": new.region_code,
                    "department_code": new.department_code,
                    "granted_at": _now(),
                    "granted_by": actor.name,
                }
            ],
        )
    security.event("GRANTED", actor.name, f"username={username} grant={new.describe()}")
    return True


def revoke(engine: Engine, actor: Actor, username: str, old: Grant) -> bool:
    """Take a role away; False if the user did not hold it."""
    if not access.can_administer(actor):
        security.refused(actor.name, f"revoke {old.describe()} from {username}")
        raise access.AccessDenied(f"{actor.name} may not revoke roles")
    with db.write_transaction(engine) as conn:
        user_id = _user_id(conn, username)
        ids = [
            row.id
            for row in conn.execute(select(UserGrant).where(UserGrant.user_id == user_id))
            if _as_grant(row) == old
        ]
        if not ids:
            return False
        conn.execute(delete(UserGrant).where(UserGrant.id.in_(ids)))
    security.event("REVOKED", actor.name, f"username={username} grant={old.describe()}")
    return True


def _as_grant(row) -> Grant:  # type: ignore[no-untyped-def]
    return Grant(row.role, row.area_code, row.partnership, row.region_code, row.department_code)


def _grants(conn, user_id: int) -> tuple[Grant, ...]:  # type: ignore[no-untyped-def]
    rows = conn.execute(
        select(UserGrant).where(UserGrant.user_id == user_id).order_by(UserGrant.id)
    )
    return tuple(_as_grant(r) for r in rows)


def list_users(engine: Engine, actor: Actor) -> pl.DataFrame:
    if not access.can_administer(actor):
        security.refused(actor.name, "list users")
        raise access.AccessDenied(f"{actor.name} may not list users")
    with engine.connect() as conn:
        users = conn.execute(select(User).order_by(User.username)).all()
        rows = [
            {
                "username": u.username,
                "display_name": u.display_name,
                "email": u.email,
                "active": u.is_active,
                "locked": bool(_aware(u.locked_until) and _aware(u.locked_until) > _now()),  # type: ignore[operator]
                "grants": access.describe(_grants(conn, u.id)),
            }
            for u in users
        ]
    return pl.DataFrame(
        rows,
        schema={
            "username": pl.Utf8,
            "display_name": pl.Utf8,
            "email": pl.Utf8,
            "active": pl.Boolean,
            "locked": pl.Boolean,
            "grants": pl.Utf8,
        },
    )


ROLE_WORDS = {
    "admin": "Administrator",
    "officer": "LSP performance officer",
    "board": "LSP board member",
    "lead": "Thematic partnership lead",
    "go": "Government Office",
    "department": "Department",
    "viewer": "Viewer",
}
USER_COLUMNS = {  # list_users column -> the users page's header
    "username": "User",
    "display_name": "Full name",
    "email": "Email",
    "active": "Active",
    "locked": "Locked",
    "grants": "Access",
}


@dataclass(frozen=True)
class ScopeNames:
    """Names of the things a grant can name, by code (for people, not codes)."""

    areas: Mapping[str, str]
    regions: Mapping[str, str]
    departments: Mapping[str, str]

    def area(self, code: str | None) -> str:
        return f"{self.areas.get(code, code)} ({code})" if code else ""

    def region(self, code: str | None) -> str:
        return f"{self.regions.get(code, code)} ({code})" if code else ""

    def department(self, code: str | None) -> str:
        return f"{self.departments.get(code, code)} ({code})" if code else ""

    def grant(self, grant: Grant) -> str:
        """``lead (D10 / Safer ...)`` -> ``Thematic partnership lead: Safer Thornbury Vale
        Partnership, Thornbury Vale (D10)``."""
        scope = {
            "area_code": self.area(grant.area_code),
            "partnership": grant.partnership or "",
            "region_code": self.region(grant.region_code),
            "department_code": self.department(grant.department_code),
        }
        named = [scope[f] for f in ("partnership", *access.SCOPE_OF_ROLE[grant.role]) if scope[f]]
        named = list(dict.fromkeys(named))  # the partnership is named once
        words = ROLE_WORDS.get(grant.role, grant.role)
        if not named:
            return words
        text = ", ".join(named)
        return text if text.startswith(words) else f"{words}: {text}"  # "Government Office for…"


def scope_names(engine: Engine) -> ScopeNames:
    """Every area, region and department name (a department by its current name)."""
    with engine.connect() as conn:
        areas = dict(conn.execute(select(Area.code, Area.name)).all())
        regions = dict(conn.execute(select(Region.code, Region.name)).all())
        departments = dict(conn.execute(select(Department.code, Department.name)).all())
    return ScopeNames(areas, regions, departments)


def users_table(engine: Engine, actor: Actor) -> pl.DataFrame:
    """The users page's table: `list_users` with readable headers and each grant in words,
    areas, regions and departments by name (administrators only, like `list_users`)."""
    users = list_users(engine, actor)
    names = scope_names(engine)
    with engine.connect() as conn:
        ids = dict(conn.execute(select(User.username, User.id)).all())
        access_words = [
            "; ".join(names.grant(g) for g in _grants(conn, ids[u])) or "No access"
            for u in users["username"]
        ]
    return users.with_columns(grants=pl.Series(access_words, dtype=pl.Utf8)).rename(USER_COLUMNS)


@dataclass(frozen=True)
class SignedIn:
    """The outcome of a sign-in attempt: the actor, or why not (said vaguely to the user)."""

    actor: Actor | None
    message: str = ""


def actor_for(engine: Engine, username: str) -> Actor | None:
    """The active user's actor with their grants (None for unknown or disabled users)."""
    with engine.connect() as conn:
        user = conn.execute(select(User).where(User.username == _normal(username))).first()
        if user is None or not user.is_active:
            return None
        return Actor(user.username, _grants(conn, user.id))


def actor_for_email(engine: Engine, email: str) -> Actor | None:
    """Single sign-on: the user whose email the identity provider vouched for."""
    with engine.connect() as conn:
        user = conn.execute(select(User).where(User.email == _normal(email))).first()
    return actor_for(engine, user.username) if user is not None else None


def authenticate(engine: Engine, login: str, password: str) -> SignedIn:
    """Check a user name (or email) and password, with lock-out after repeated failures."""
    login = _normal(login)
    refused = SignedIn(None, "The user name or password is not right.")
    with db.write_transaction(engine) as conn:
        user = conn.execute(
            select(User).where((User.username == login) | (User.email == login))
        ).first()
        if user is None:
            _verify(None, password)  # same work as for a real user
            security.event("SIGNIN_FAILED", login, "unknown user")
            return refused
        locked = _aware(user.locked_until)
        if locked is not None and locked > _now():
            security.event("SIGNIN_LOCKED", user.username, f"locked until {locked:%Y-%m-%dT%H:%M}Z")
            return SignedIn(None, "Too many failed attempts: try again later.")
        if not user.is_active or not _verify(user.password_hash, password):
            failures = user.failed_attempts + 1
            lock = (
                _now() + timedelta(minutes=LOCK_MINUTES)
                if failures >= MAX_FAILED_ATTEMPTS
                else None
            )
            conn.execute(
                update(User)
                .where(User.id == user.id)
                .values(failed_attempts=0 if lock else failures, locked_until=lock)
            )
            security.event(
                "SIGNIN_FAILED",
                user.username,
                f"attempt {failures}" + (" (locked)" if lock else ""),
            )
            return refused
        conn.execute(
            update(User)
            .where(User.id == user.id)
            .values(failed_attempts=0, locked_until=None, last_sign_in_at=_now())
        )
        actor = Actor(user.username, _grants(conn, user.id))
    security.event("SIGNIN", actor.name, access.describe(actor.grants))
    return SignedIn(actor)


def has_password(engine: Engine, username: str) -> bool:
    """Whether the user signs in with a password here (False: single sign-on only)."""
    with engine.connect() as conn:
        stored = conn.execute(
            select(User.password_hash).where(User.username == _normal(username))
        ).scalar()
    return stored is not None


def change_password(engine: Engine, actor: Actor, current: str, new: str) -> None:
    """Change the signed-in user's own password: the current one must be right and the new one
    must meet the rule for every password. Every session issued before now ends (the caller
    renews the one in use, see `renewal_token`); the change goes to the security log.

    Raises AccountError with a sentence for the user; nothing is changed then.
    """
    with db.write_transaction(engine) as conn:
        user = conn.execute(select(User).where(User.username == actor.name)).first()
        if user is None or not user.is_active:
            raise AccountError("This account cannot change its password.")
        if user.password_hash is None:
            raise AccountError(
                "You sign in with your organisation account: change your password there."
            )
        if not _verify(user.password_hash, current):
            security.event("PASSWORD_CHANGE_REFUSED", actor.name, "current password not right")
            raise AccountError("The current password is not right.")
        problem = password_problem(new)
        if problem:
            raise AccountError(f"The new password {problem.removeprefix('a password ')}.")
        if new == current:
            raise AccountError("The new password is the same as the current one.")
        conn.execute(
            update(User)
            .where(User.id == user.id)
            .values(password_hash=_HASHER.hash(new), sessions_valid_after=_now())
        )
    security.event("PASSWORD_CHANGED", actor.name, "every earlier session ended")


# ------------------------------------------------------------------------------------ sessions


def secret_key() -> str:
    """`SECRET_KEY` from the environment, else a random key kept in `<project>/.secret_key`."""
    configured = get_settings().secret_key
    if configured:
        return configured
    path = Path(PROJECT_DIR) / ".secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key(), salt="laa-session")


def issue_session(actor: Actor) -> str:
    """A signed token naming the user and when it was issued."""
    return _serializer().dumps({"u": actor.name, "t": _now().timestamp()})


def session_actor(engine: Engine, token: str | None) -> Actor | None:
    """The actor of a valid, unexpired, not-signed-out session token (else None)."""
    if not token:
        return None
    try:
        data = _serializer().loads(token, max_age=SESSION_HOURS * 3600)
    except (BadSignature, SignatureExpired):
        return None
    return _live_actor(engine, data)


def _live_actor(engine: Engine, data: dict) -> Actor | None:
    """The actor a verified token names, unless the user is gone, inactive or has signed out
    (every session ended) since the token was issued."""
    with engine.connect() as conn:
        user = conn.execute(select(User).where(User.username == data.get("u"))).first()
    if user is None or not user.is_active:
        return None
    valid_after = _aware(user.sessions_valid_after)
    if valid_after is not None and datetime.fromtimestamp(data.get("t", 0), UTC) <= valid_after:
        return None
    return actor_for(engine, user.username)


RENEWAL_SECONDS = 120


def _renewal_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key(), salt="laa-renew")


def renewal_token(actor: Actor) -> str:
    """A short-lived token (2 minutes) that the browser trades at `/account/renew` for a new
    session cookie: after a password change ends every session, the one in use goes on."""
    return _renewal_serializer().dumps({"u": actor.name, "t": _now().timestamp()})


def renewed_actor(engine: Engine, token: str | None) -> Actor | None:
    """The actor of a valid, unexpired renewal token issued after the user's last sign-out."""
    if not token:
        return None
    try:
        data = _renewal_serializer().loads(token, max_age=RENEWAL_SECONDS)
    except (BadSignature, SignatureExpired):
        return None
    return _live_actor(engine, data)


def sign_out(engine: Engine, actor: Actor) -> None:
    """End every session of this user (tokens issued before now stop working)."""
    with db.write_transaction(engine) as conn:
        conn.execute(
            update(User).where(User.username == actor.name).values(sessions_valid_after=_now())
        )
    security.event("SIGNOUT", actor.name, "")
