"""User accounts: passwords, lock-out, grants and signed session tokens.

With `dashboard/store/`, the only other module that talks SQL (users are not performance data).
Passwords are hashed with argon2id (argon2-cffi) and never stored or logged in clear. A
session is a signed, expiring token (itsdangerous) carried in a cookie; signing out moves
the user's `sessions_valid_after`, which invalidates every token issued before it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
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
from data_models.access import SigninThrottle

SESSION_COOKIE = "laa_session"
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
    slowed = slowed_names(engine)  # "locked": sign-in is being slowed down (see authenticate)
    with engine.connect() as conn:
        users = conn.execute(select(User).order_by(User.username)).all()
        rows = [
            {
                "username": u.username,
                "display_name": u.display_name,
                "email": u.email,
                "active": u.is_active,
                "locked": u.username in slowed,
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
    "locked": "Sign-in slowed",
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
    """The outcome of a sign-in attempt: the actor, or why not (said vaguely to the user).

    `retry_after` (seconds) is set when the attempt was not even checked because this client
    is being slowed down; the same happens whether or not the name belongs to an account.
    """

    actor: Actor | None
    message: str = ""
    retry_after: int = 0


def actor_for(engine: Engine, username: str) -> Actor | None:
    """The active user's actor with their grants (None for unknown or disabled users)."""
    with engine.connect() as conn:
        user = conn.execute(select(User).where(User.username == _normal(username))).first()
        if user is None or not user.is_active:
            return None
        return Actor(user.username, _grants(conn, user.id))


def display_name(engine: Engine, username: str) -> str | None:
    """The name a user is known by (on actions they own, in reminders), None if unknown."""
    with engine.connect() as conn:
        return conn.execute(
            select(User.display_name).where(User.username == _normal(username))
        ).scalar()


def actor_for_email(engine: Engine, email: str) -> Actor | None:
    """Single sign-on: the user whose email the identity provider vouched for."""
    with engine.connect() as conn:
        user = conn.execute(select(User).where(User.email == _normal(email))).first()
    return actor_for(engine, user.username) if user is not None else None


# ------------------------------------------------------------------------ sign-in slow-down
#
# No account is ever locked: a flood of wrong passwords must not lock the real person out.
# Every attempt is counted, before its password is checked (so parallel guesses cannot
# overtake the count), under up to three keys:
#   pair    this client and this name:   5 free attempts, then 1 s, 2 s, 4 s ... (at most 15 min)
#   client  this client, any name:      30 free attempts, then the same doubling (spraying)
#   account this name, any client:      20 free attempts, then the same doubling (many clients)
# A browser that has signed in to the account before carries a signed device cookie for it
# and skips the account key (and the client key: a council office behind one address), so a
# distributed flood on a name never stops its owner on their usual browser. Unknown names are
# counted exactly like real ones and a wrong name does the same argon2 work as a wrong
# password, so neither the answers nor their timing tell which names exist. A count is
# forgotten an hour after its last attempt; a success clears its pair; an administrator can
# clear every count of a name (`unlock`).

THROTTLE_FREE = {"pair": 5, "client": 30, "account": 20}
THROTTLE_MAX_SECONDS = 15 * 60
THROTTLE_FORGET = timedelta(hours=1)
DEVICE_COOKIE = "laa_device"
DEVICE_DAYS = 90
REFUSED_MESSAGE = "The user name or password is not right."


def throttle_delay(attempts: int, free: int) -> int:
    """Seconds a key must wait after its `attempts`-th attempt (0 while within `free`)."""
    if attempts < free:
        return 0
    return min(2 ** min(attempts - free, 20), THROTTLE_MAX_SECONDS)


def slowed_message(wait: int) -> str:
    """What a client being slowed down is told (the same for every name)."""
    if wait >= 120:
        return f"Too many attempts: try again in {math.ceil(wait / 60)} minutes."
    return f"Too many attempts: try again in {wait} second{'' if wait == 1 else 's'}."


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key(), salt="laa-device")


def device_token(actor: Actor) -> str:
    """A signed token saying this browser has signed in as this user (kept 90 days)."""
    return _device_serializer().dumps({"u": actor.name, "d": secrets.token_urlsafe(8)})


def _device_user(token: str | None) -> str | None:
    if not token:
        return None
    try:
        data = _device_serializer().loads(token, max_age=DEVICE_DAYS * 86400)
    except (BadSignature, SignatureExpired):
        return None
    return data.get("u") if isinstance(data, dict) else None


def _insert_ignore(engine: Engine):  # type: ignore[no-untyped-def]
    if db.is_sqlite(engine):
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert
    return insert(SigninThrottle).on_conflict_do_nothing(index_elements=["key"])


def _reserve(engine: Engine, keys: list[tuple[str, str]], subject: str) -> tuple[int, int]:
    """Count one attempt under every key, atomically, unless a key must still wait.

    Returns (seconds to wait, 0) when refused, else (0, this client's attempts on the name).
    One short write transaction, rows locked in a fixed order (SQLite: BEGIN IMMEDIATE;
    PostgreSQL: SELECT ... FOR UPDATE), so parallel attempts are counted one by one.
    """
    now = _now()
    with db.write_transaction(engine) as conn:
        counts: dict[str, int] = {}
        wait = 0
        for scope, key in keys:
            conn.execute(
                _insert_ignore(engine).values(
                    key=key,
                    subject=None if scope == "client" else subject,
                    failures=0,
                    last_attempt_at=now,
                )
            )
            row = conn.execute(
                select(SigninThrottle).where(SigninThrottle.key == key).with_for_update()
            ).one()
            forgotten = _aware(row.last_attempt_at) < now - THROTTLE_FORGET  # type: ignore[operator]
            counts[key] = 0 if forgotten else row.failures
            allowed_at = _aware(row.next_allowed_at)
            if not forgotten and allowed_at is not None and allowed_at > now:
                wait = max(wait, math.ceil((allowed_at - now).total_seconds()))
        if wait:
            return wait, 0
        for scope, key in keys:
            attempts = counts[key] + 1
            conn.execute(
                update(SigninThrottle)
                .where(SigninThrottle.key == key)
                .values(
                    failures=attempts,
                    last_attempt_at=now,
                    next_allowed_at=now
                    + timedelta(seconds=throttle_delay(attempts, THROTTLE_FREE[scope])),
                )
            )
            counts[key] = attempts
        # Forget stale counts, so names made up by a flood do not pile up. Rows another attempt
        # has locked are skipped (PostgreSQL), so this never waits on, or deadlocks with, it.
        stale = (
            select(SigninThrottle.key)
            .where(SigninThrottle.last_attempt_at < now - THROTTLE_FORGET)
            .with_for_update(skip_locked=True)
        )
        conn.execute(delete(SigninThrottle).where(SigninThrottle.key.in_(stale)))  # type: ignore[attr-defined]
    return 0, counts[keys[0][1]]


def _signed_in(engine: Engine, user_id: int, keys: list[tuple[str, str]]) -> None:
    """After a right password: clear this client's count on the name; the attempt no longer
    counts against the client or the account (their counts are not reset: a success in the
    middle of a flood must not give the flood fresh free attempts)."""
    with db.write_transaction(engine) as conn:
        for scope, key in keys:
            if scope == "pair":
                conn.execute(delete(SigninThrottle).where(SigninThrottle.key == key))
            else:
                conn.execute(
                    update(SigninThrottle)
                    .where(SigninThrottle.key == key, SigninThrottle.failures > 0)
                    .values(failures=SigninThrottle.failures - 1)
                )
        conn.execute(
            update(User)
            .where(User.id == user_id)
            .values(failed_attempts=0, locked_until=None, last_sign_in_at=_now())
        )


def authenticate(
    engine: Engine,
    login: str,
    password: str,
    client: str = "local",
    device: str | None = None,
) -> SignedIn:
    """Check a user name (or email) and password from `client` (its IP address), slowing
    repeated attempts down (see above). `device` is the browser's device cookie, if any.

    Blocking (argon2 takes a noticeable fraction of a second): servers call it off the event
    loop. The hash is checked with no transaction open; the writes are short.
    """
    login = _normal(login)[:254]
    client = (client or "unknown")[:64]
    with engine.connect() as conn:
        user = conn.execute(
            select(User).where((User.username == login) | (User.email == login))
        ).first()
    subject = user.username if user is not None else login
    keys = [("pair", f"pair|{client}|{subject}")]
    if user is None or _device_user(device) != user.username:
        keys += [("client", f"client|{client}"), ("account", f"account|{subject}")]
    wait, attempt = _reserve(engine, keys, subject)
    if wait:
        security.event("SIGNIN_SLOWED", subject, f"client={client} wait={wait}s")
        return SignedIn(None, slowed_message(wait), wait)
    usable = user is not None and user.is_active
    # The same argon2 work whether or not the name exists (a dummy hash when it does not).
    if not _verify(user.password_hash if usable else None, password):  # type: ignore[union-attr]
        security.event(
            "SIGNIN_FAILED",
            subject,
            f"{'unknown user ' if user is None else ''}client={client} attempt {attempt}",
        )
        return SignedIn(None, REFUSED_MESSAGE)
    _signed_in(engine, user.id, keys)  # type: ignore[union-attr]
    actor = actor_for(engine, user.username)  # type: ignore[union-attr]
    if actor is None:  # disabled between the two reads
        return SignedIn(None, REFUSED_MESSAGE)
    security.event("SIGNIN", actor.name, f"client={client} {access.describe(actor.grants)}")
    return SignedIn(actor)


def slowed_names(engine: Engine) -> set[str]:
    """Names whose sign-in is being slowed down right now (any key naming them)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(SigninThrottle.subject).where(
                SigninThrottle.subject.is_not(None),  # type: ignore[union-attr]
                SigninThrottle.next_allowed_at > _now(),
            )
        ).all()
    return {r.subject for r in rows}


def unlock(engine: Engine, actor: Actor, username: str) -> int:
    """Clear every sign-in count of a user (administrators; audited). Returns how many
    counts of failed attempts were cleared (0: there were none)."""
    if not access.can_administer(actor):
        security.refused(actor.name, f"unlock {username}")
        raise access.AccessDenied(f"{actor.name} may not unlock users")
    with db.write_transaction(engine) as conn:
        user = conn.execute(select(User).where(User.username == _normal(username))).first()
        if user is None:
            raise AccountError(f"no user {username}")
        names = [user.username] + ([user.email] if user.email else [])
        mine = SigninThrottle.subject.in_(names)  # type: ignore[union-attr]
        cleared = conn.execute(
            select(func.count()).where(mine, SigninThrottle.failures > 0)
        ).scalar_one()
        for scope in ("pair", "account"):  # in the order attempts lock them (no deadlock)
            conn.execute(
                delete(SigninThrottle).where(mine, SigninThrottle.key.startswith(f"{scope}|"))  # type: ignore[attr-defined]
            )
        conn.execute(
            update(User).where(User.id == user.id).values(failed_attempts=0, locked_until=None)
        )
    security.event("UNLOCKED", actor.name, f"username={user.username} cleared={cleared}")
    return int(cleared or 0)


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
    _warn_own_key(get_settings().database_url)
    return path.read_text().strip()


@cache
def _warn_own_key(database_url: str) -> None:
    """Once per process and database: a shared (PostgreSQL) database is usually served by
    several servers, which must all sign with one SECRET_KEY (see the README)."""
    if not database_url.startswith("sqlite"):
        logging.getLogger(__name__).warning(
            "SECRET_KEY is not set: this server signs sign-ins with its own key in .secret_key. "
            "Give every server of this database the same SECRET_KEY, or a browser the proxy "
            "sends to another server must sign in again."
        )


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


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def form_token(purpose: str, binding: str) -> str:
    """A signed anti-forgery token for a server form ("signin", "signout"), bound to a cookie
    the browser holds (the sign-in form's own cookie, or the session cookie): another site can
    make the browser post, but cannot read the token it would need."""
    return URLSafeTimedSerializer(secret_key(), salt=f"laa-form-{purpose}").dumps(_digest(binding))


def form_token_ok(token: str | None, purpose: str, binding: str | None, max_age: int) -> bool:
    """Whether `token` was issued by `form_token(purpose, binding)` less than `max_age` ago."""
    if not token or not binding:
        return False
    try:
        signed = URLSafeTimedSerializer(secret_key(), salt=f"laa-form-{purpose}").loads(
            token, max_age=max_age
        )
    except (BadSignature, SignatureExpired):
        return False
    return isinstance(signed, str) and hmac.compare_digest(signed, _digest(binding))


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
