"""User accounts: argon2 passwords, sign-in with lock-out, grants, signed session tokens, and
the `laa user` commands. On SQLite, and on PostgreSQL when TEST_DATABASE_URL is set.

The clock of accounts (`accounts._now`) and of the token signer are moved by monkeypatching,
so lock-out and expiry are tested without waiting.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_decode, base64_encode, bytes_to_int, int_to_bytes
from sqlalchemy import Engine, select, update
from sqlmodel import SQLModel
from typer.testing import CliRunner

import data_models  # noqa: F401  (every table registered, for the clear-text scan)
from dashboard import accounts, security, settings, store
from dashboard.access import AccessDenied, Actor, Grant
from dashboard.cli import app
from data_models import User
from data_models.access import SigninThrottle

PASSWORD = "correct horse battery"
WRONG = "Tr0ub4dor&3-wrong"
REFUSED = "The user name or password is not right."
AREA = "X01"
BOARD = "Accounts Test Borough LSP Executive Board"  # made with the area by save_areas
runner = CliRunner()


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A test signing key (never the project's .secret_key)."""
    monkeypatch.setenv("SECRET_KEY", "test-signing-key-for-accounts")
    settings.get_settings.cache_clear()
    yield
    settings.get_settings.cache_clear()


@pytest.fixture
def area(engine: Engine, admin: Actor) -> str:
    """One area (with its LSP executive board partnership) for grants to name."""
    row = {
        "area_code": AREA,
        "area_name": "Accounts Test Borough",
        "region_code": "GONW",
        "la_type": "unitary",
        "population": 100_000,
        "net_budget_requirement_gbp": Decimal("100000000"),
        "agreement_start": datetime(2006, 4, 1).date(),
        "agreement_end": datetime(2009, 3, 31).date(),
    }
    with engine.begin() as conn:
        store.save_areas(conn, admin, [row])
    return AREA


@pytest.fixture
def jo(engine: Engine, admin: Actor, area: str) -> Actor:
    """A user `jo` (jo@example.org) who views X01."""
    accounts.add_user(engine, admin, "Jo", "Jo Bloggs", PASSWORD, "Jo@Example.org")
    accounts.grant(engine, admin, "jo", Grant("viewer", area_code=area))
    actor = accounts.actor_for(engine, "jo")
    assert actor is not None
    return actor


class Clock:
    """accounts._now, moved by hand."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = datetime(2008, 11, 30, 9, 0, tzinfo=UTC)
        monkeypatch.setattr(accounts, "_now", lambda: self.now)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def log_lines() -> list[str]:
    path = Path(security.log_path())
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def new_log_lines(before: list[str]) -> list[str]:
    return log_lines()[len(before) :]


def user_row(engine: Engine, username: str):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(select(User).where(User.username == username)).one()


def every_value(engine: Engine) -> str:
    """Every row of every table, as text."""
    with engine.connect() as conn:
        return "\n".join(
            repr(tuple(row))
            for table in SQLModel.metadata.sorted_tables
            for row in conn.execute(table.select())
        )


# ------------------------------------------------------------------------------------ passwords


def test_passwords_are_stored_only_as_argon2id_hashes(engine: Engine, jo: Actor) -> None:
    stored = user_row(engine, "jo").password_hash
    assert stored.startswith("$argon2id$")
    assert PasswordHasher().verify(stored, PASSWORD)
    assert PASSWORD not in every_value(engine)
    accounts.authenticate(engine, "jo", PASSWORD)
    accounts.authenticate(engine, "jo", WRONG)
    assert PASSWORD not in every_value(engine) and WRONG not in every_value(engine)
    log = "\n".join(log_lines())
    assert PASSWORD not in log and WRONG not in log


def test_same_password_gets_a_different_salt(engine: Engine, admin: Actor) -> None:
    for name in ("amy", "ben"):
        accounts.add_user(engine, admin, name, name, PASSWORD, f"{name}@example.org")
    assert user_row(engine, "amy").password_hash != user_row(engine, "ben").password_hash


def test_short_password_is_refused_and_no_user_is_made(engine: Engine, admin: Actor) -> None:
    with pytest.raises(accounts.AccountError, match="at least 8 characters"):
        accounts.add_user(engine, admin, "shorty", "Shorty", "1234567", "s@example.org")
    assert accounts.actor_for(engine, "shorty") is None
    with pytest.raises(accounts.AccountError):
        accounts.hash_password("")


def test_single_sign_on_user_has_no_password_and_cannot_sign_in_with_one(
    engine: Engine, admin: Actor
) -> None:
    accounts.add_user(engine, admin, "sso", "SSO Only", None, "sso@example.org")
    assert user_row(engine, "sso").password_hash is None
    for guess in ("", "anything-at-all"):
        assert accounts.authenticate(engine, "sso", guess) == accounts.SignedIn(None, REFUSED)
    assert accounts.actor_for_email(engine, "SSO@example.org") == Actor("sso")


def test_duplicate_user_name_or_email_is_refused(engine: Engine, admin: Actor, jo: Actor) -> None:
    with pytest.raises(accounts.AccountError, match="already exists"):
        accounts.add_user(engine, admin, " JO ", "Another Jo", PASSWORD, "other@example.org")
    with pytest.raises(accounts.AccountError, match="already exists"):
        accounts.add_user(engine, admin, "joanna", "Joanna", PASSWORD, "jo@example.org")


def test_two_users_without_email(engine: Engine, admin: Actor) -> None:
    accounts.add_user(engine, admin, "first", "First", PASSWORD)
    accounts.add_user(engine, admin, "second", "Second", PASSWORD)
    assert accounts.actor_for(engine, "second") is not None


# -------------------------------------------------------------------------------------- sign-in


@pytest.mark.parametrize("login", ["jo", " JO ", "jo@example.org", "Jo@Example.ORG"])
def test_sign_in_by_user_name_or_email(engine: Engine, jo: Actor, login: str) -> None:
    result = accounts.authenticate(engine, login, PASSWORD)
    assert result.actor == jo and result.message == ""
    assert result.actor.grants == (Grant("viewer", area_code=AREA),)
    assert user_row(engine, "jo").last_sign_in_at is not None


def test_wrong_password_and_unknown_user_read_the_same(engine: Engine, jo: Actor) -> None:
    wrong = accounts.authenticate(engine, "jo", WRONG)
    unknown = accounts.authenticate(engine, "nobody", PASSWORD)
    by_email = accounts.authenticate(engine, "nobody@example.org", PASSWORD)
    assert wrong == unknown == by_email == accounts.SignedIn(None, REFUSED)
    assert accounts.authenticate(engine, "jo", PASSWORD.upper()).actor is None  # case matters


class CountingHasher(PasswordHasher):
    """argon2 as in accounts, counting the password checks (the expensive work)."""

    def __init__(self) -> None:
        super().__init__()
        self._calls: list[int] = []  # appended from many threads

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self._calls.append(1)
        return super().verify(hash, password)

    @property
    def checks(self) -> int:
        return len(self._calls)


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    counting = CountingHasher()
    monkeypatch.setattr(accounts, "_HASHER", counting)
    return counting


def slowed(seconds: int) -> str:
    return accounts.slowed_message(seconds)


def test_a_real_name_and_an_unknown_one_answer_alike_and_do_the_same_work(
    engine: Engine, jo: Actor, clock: Clock, hasher: CountingHasher
) -> None:
    """Eight wrong passwords for jo and for a name nobody has, from one client: the same
    answers in the same order, and an argon2 check for exactly the same attempts (none once the
    client is being slowed down, real name or not)."""

    def answers(login: str) -> list[tuple[str, int]]:
        seen = []
        for _ in range(8):
            before = hasher.checks
            result = accounts.authenticate(engine, login, WRONG, client="10.0.0.1")
            seen.append((result.message, hasher.checks - before))
            clock.advance(seconds=0.5)
        return seen

    real, unknown = answers("jo"), answers("nobody@example.org")
    assert real == unknown
    assert [checks for _, checks in real] == [1] * 5 + [0, 1, 0]
    assert [message for message, _ in real] == [REFUSED] * 5 + [slowed(1), REFUSED, slowed(2)]


def test_wrong_unknown_disabled_and_single_sign_on_all_do_one_check(
    engine: Engine, admin: Actor, jo: Actor, hasher: CountingHasher
) -> None:
    accounts.add_user(engine, admin, "sso", "SSO Only", None, "sso@example.org")
    accounts.add_user(engine, admin, "gone", "Gone", PASSWORD, "gone@example.org")
    with engine.begin() as conn:
        conn.execute(update(User).where(User.username == "gone").values(is_active=False))
    for login, password in [("jo", WRONG), ("nobody", PASSWORD), ("sso", PASSWORD),
                            ("gone", PASSWORD)]:  # fmt: skip
        before = hasher.checks
        assert accounts.authenticate(engine, login, password) == accounts.SignedIn(None, REFUSED)
        assert hasher.checks == before + 1, login


def test_the_password_is_checked_with_no_database_connection_held(
    engine: Engine, jo: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """argon2 takes a noticeable time: no transaction (on SQLite, the one write lock) may be
    held meanwhile, or every save in the app waits behind each sign-in."""
    held: list[int] = []

    class Watching(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            held.append(engine.pool.checkedout())  # type: ignore[attr-defined]
            return super().verify(hash, password)

    monkeypatch.setattr(accounts, "_HASHER", Watching())
    for login, password in [("jo", WRONG), ("jo", PASSWORD), ("nobody", WRONG)]:
        accounts.authenticate(engine, login, password)
    assert held == [0, 0, 0]


def test_repeated_failures_slow_this_client_down_and_never_lock_the_account(
    engine: Engine, jo: Actor, clock: Clock
) -> None:
    before = log_lines()
    for _ in range(5):
        assert accounts.authenticate(engine, "jo", WRONG, client="10.0.0.1").message == REFUSED
    waits = []
    for _ in range(4):  # each failure past the fifth doubles this client's wait: 1, 2, 4, 8 s
        result = accounts.authenticate(engine, "jo", PASSWORD, client="10.0.0.1")
        assert result == accounts.SignedIn(None, slowed(result.retry_after), result.retry_after)
        waits.append(result.retry_after)
        clock.advance(seconds=result.retry_after)
        assert accounts.authenticate(
            engine, "jo@example.org", WRONG, client="10.0.0.1"
        ).message == (REFUSED)
    assert waits == [1, 2, 4, 8]
    # Another client is not held up at all, and the account is not locked.
    assert accounts.authenticate(engine, "jo", PASSWORD, client="10.0.0.2").actor == jo
    # This one waits its 16 s, then the right password works and its count starts again.
    assert accounts.authenticate(engine, "jo", PASSWORD, client="10.0.0.1").retry_after == 16
    clock.advance(seconds=16)
    assert accounts.authenticate(engine, "jo", PASSWORD, client="10.0.0.1").actor == jo
    for _ in range(5):
        assert accounts.authenticate(engine, "jo", WRONG, client="10.0.0.1").message == REFUSED

    lines = new_log_lines(before)
    failed = [line.split(" user=jo ", 1)[1] for line in lines if " SIGNIN_FAILED user=jo " in line]
    assert failed[:6] == [f"client=10.0.0.1 attempt {n}" for n in range(1, 7)]
    assert sum(" SIGNIN_SLOWED user=jo client=10.0.0.1" in line for line in lines) == 5
    assert not any(PASSWORD in line or WRONG in line for line in lines)


def test_waits_stop_doubling_at_fifteen_minutes_and_are_forgotten_after_an_hour(
    engine: Engine, jo: Actor, clock: Clock
) -> None:
    assert [accounts.throttle_delay(n, 5) for n in (1, 4, 5, 6, 9, 14, 15, 100)] == [
        0, 0, 1, 2, 16, 512, 900, 900,
    ]  # fmt: skip
    for _ in range(15):
        accounts.authenticate(engine, "jo", WRONG, client="10.0.0.1")
        clock.advance(minutes=15)
    assert accounts.authenticate(engine, "jo", WRONG, client="10.0.0.1").retry_after == 0
    assert accounts.authenticate(engine, "jo", WRONG, client="10.0.0.1").retry_after == 900
    assert slowed(900) == "Too many attempts: try again in 15 minutes."
    clock.advance(hours=1, seconds=1)
    for _ in range(5):  # an hour after its last attempt the client's count is forgotten
        assert accounts.authenticate(engine, "jo", WRONG, client="10.0.0.1").message == REFUSED


def test_counts_of_made_up_names_do_not_pile_up(engine: Engine, clock: Clock) -> None:
    for n in range(10):
        accounts.authenticate(engine, f"made-up-{n}", WRONG, client="10.0.0.1")
    clock.advance(hours=1, minutes=1)
    accounts.authenticate(engine, "one-more", WRONG, client="10.0.0.2")
    with engine.connect() as conn:
        keys = set(conn.execute(select(SigninThrottle.key)).scalars())
    assert keys == {"pair|10.0.0.2|one-more", "client|10.0.0.2", "account|one-more"}


def test_a_flood_on_a_name_does_not_stop_its_owner_signing_in(
    engine: Engine, jo: Actor, clock: Clock
) -> None:
    """Thirty guesses from one client, then forty from forty clients (a distributed flood): the
    owner's usual browser (its device cookie) still signs in at once; a new browser is slowed
    for seconds, not locked out for a quarter of an hour, and then signs in."""
    home = accounts.authenticate(engine, "jo", PASSWORD, client="192.0.2.1")
    device = accounts.device_token(home.actor)  # type: ignore[arg-type]
    for _ in range(30):
        accounts.authenticate(engine, "jo", WRONG, client="10.0.0.1")
    assert accounts.authenticate(engine, "jo", PASSWORD, client="10.0.0.2").actor == jo
    for n in range(40):
        accounts.authenticate(engine, "jo", WRONG, client=f"10.1.0.{n}")
    assert accounts.authenticate(
        engine, "jo", PASSWORD, client="192.0.2.1", device=device
    ).actor == (jo)
    cafe = accounts.authenticate(engine, "jo", PASSWORD, client="198.51.100.7")
    assert cafe.actor is None and 0 < cafe.retry_after <= 900
    clock.advance(seconds=cafe.retry_after)
    assert accounts.authenticate(engine, "jo", PASSWORD, client="198.51.100.7").actor == jo
    # A device cookie of someone else, or a forged one, is no help.
    other = accounts.device_token(Actor("kim"))
    for token in (other, device[:-2] + "xx"):
        accounts.authenticate(engine, "jo", WRONG, client="10.2.0.1", device=token)
    assert accounts.authenticate(engine, "jo", PASSWORD, client="10.2.0.2").retry_after > 0


def test_a_success_clears_the_clients_count(engine: Engine, jo: Actor) -> None:
    for _ in range(2):
        for _ in range(4):
            accounts.authenticate(engine, "jo", WRONG)
        assert accounts.authenticate(engine, "jo", PASSWORD).actor == jo


def test_parallel_guesses_are_counted_one_by_one(
    engine: Engine, jo: Actor, clock: Clock, hasher: CountingHasher
) -> None:
    """Eight threads guess five times each at the same moment from one client: only the five
    free attempts reach the password check, not forty."""

    def guess(_: int) -> list[str]:
        return [
            accounts.authenticate(engine, "jo", WRONG, client="10.0.0.1").message for _ in range(5)
        ]

    with ThreadPoolExecutor(8) as pool:
        messages = [m for batch in pool.map(guess, range(8)) for m in batch]
    assert hasher.checks == 5
    assert messages.count(REFUSED) == 5 and messages.count(slowed(1)) == 35
    assert user_row(engine, "jo").last_sign_in_at is None


def test_unlock_clears_the_delays_and_is_audited(
    engine: Engine, admin: Actor, jo: Actor, clock: Clock
) -> None:
    for n in range(25):
        accounts.authenticate(engine, "jo", WRONG, client=f"10.0.{n % 2}.1")
    assert accounts.list_users(engine, admin).filter(username="jo")["locked"].to_list() == [True]
    assert accounts.authenticate(engine, "jo", PASSWORD, client="10.0.0.1").retry_after > 0
    with pytest.raises(AccessDenied):
        accounts.unlock(engine, Actor("v", (Grant("viewer", area_code=AREA),)), "jo")
    with pytest.raises(accounts.AccountError, match="no user ghost"):
        accounts.unlock(engine, admin, "ghost")
    before = log_lines()
    assert accounts.unlock(engine, admin, "JO") > 0
    assert any(" UNLOCKED user=tester username=jo" in line for line in new_log_lines(before))
    assert accounts.list_users(engine, admin).filter(username="jo")["locked"].to_list() == [False]
    assert accounts.authenticate(engine, "jo", PASSWORD, client="10.0.0.1").actor == jo


def test_form_tokens_are_bound_to_their_cookie_and_purpose(monkeypatch: pytest.MonkeyPatch) -> None:
    token = accounts.form_token("signin", "cookie-a")
    assert accounts.form_token_ok(token, "signin", "cookie-a", 60)
    assert not accounts.form_token_ok(token, "signin", "cookie-b", 60)
    assert not accounts.form_token_ok(token, "signout", "cookie-a", 60)
    for bad in (None, "", "garbage", token[:-3] + "abc"):
        assert not accounts.form_token_ok(bad, "signin", "cookie-a", 60)
    assert not accounts.form_token_ok(token, "signin", None, 60)
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(real(self) + 120))
    assert not accounts.form_token_ok(token, "signin", "cookie-a", 60)  # expired


def test_unknown_user_is_logged_without_the_password(engine: Engine) -> None:
    before = log_lines()
    accounts.authenticate(engine, "Mallory", WRONG)
    (line,) = new_log_lines(before)
    assert " SIGNIN_FAILED user=mallory unknown user" in line
    assert WRONG not in line


def test_a_forged_user_name_cannot_forge_log_lines(engine: Engine) -> None:
    before = log_lines()
    accounts.authenticate(engine, "x\nSIGNIN user=admin\r", WRONG)
    lines = new_log_lines(before)
    assert len(lines) == 1 and "SIGNIN_FAILED" in lines[0]


def test_disabled_user_cannot_sign_in(engine: Engine, jo: Actor) -> None:
    token = accounts.issue_session(jo)
    with engine.begin() as conn:
        conn.execute(update(User).where(User.username == "jo").values(is_active=False))
    assert accounts.authenticate(engine, "jo", PASSWORD) == accounts.SignedIn(None, REFUSED)
    assert accounts.actor_for(engine, "jo") is None
    assert accounts.actor_for_email(engine, "jo@example.org") is None
    assert accounts.session_actor(engine, token) is None


# ------------------------------------------------------------------------------------- sessions


def test_session_token_names_the_user_with_current_grants(engine: Engine, jo: Actor) -> None:
    token = accounts.issue_session(jo)
    assert accounts.session_actor(engine, token) == jo
    assert PASSWORD not in token


@pytest.mark.parametrize("token", [None, "", "garbage", "a.b.c", "...."])
def test_no_or_garbage_token_is_nobody(engine: Engine, token: str | None) -> None:
    assert accounts.session_actor(engine, token) is None


def _earlier(timestamp: str) -> str:
    """A token's timestamp part, an hour earlier."""
    seconds = bytes_to_int(base64_decode(timestamp))
    return base64_encode(int_to_bytes(seconds - 3600)).decode()


def _flip(text: str, at: int) -> str:
    return text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1 :]


def test_tampered_tokens_are_refused(engine: Engine, jo: Actor, admin: Actor) -> None:
    accounts.add_user(engine, admin, "boss", "Boss", PASSWORD, "boss@example.org")
    accounts.grant(engine, admin, "boss", Grant("admin"))
    token = accounts.issue_session(jo)
    payload, timestamp, signature = token.rsplit(".", 2)
    boss = accounts.issue_session(Actor("boss"))
    forged = [
        _flip(token, len(token) - 3),  # the signature
        _flip(token, 2),  # the payload
        boss.rsplit(".", 2)[0] + f".{timestamp}.{signature}",  # another user's payload
        f"{payload}.{_earlier(timestamp)}.{signature}",  # another time
        URLSafeTimedSerializer("another key", salt="laa-session").dumps(
            {"u": "boss", "t": accounts._now().timestamp()}
        ),
        URLSafeTimedSerializer(accounts.secret_key(), salt="other-salt").dumps(
            {"u": "boss", "t": accounts._now().timestamp()}
        ),
    ]
    for bad in forged:
        assert accounts.session_actor(engine, bad) is None, bad
    assert accounts.session_actor(engine, token) == jo


def test_token_of_an_unknown_user_is_nobody(engine: Engine) -> None:
    assert accounts.session_actor(engine, accounts.issue_session(Actor("ghost"))) is None


def test_token_expires_after_the_session_hours(
    engine: Engine, jo: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = TimestampSigner.get_timestamp

    def issued(hours_ago: float) -> str:
        monkeypatch.setattr(
            TimestampSigner, "get_timestamp", lambda self: int(real(self) - hours_ago * 3600)
        )
        token = accounts.issue_session(jo)
        monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
        return token

    assert accounts.session_actor(engine, issued(accounts.SESSION_HOURS - 0.1)) == jo
    assert accounts.session_actor(engine, issued(accounts.SESSION_HOURS + 0.1)) is None


def test_sign_out_ends_every_session_of_the_user(
    engine: Engine, jo: Actor, admin: Actor, clock: Clock
) -> None:
    accounts.add_user(engine, admin, "kim", "Kim", PASSWORD, "kim@example.org")
    laptop, phone = accounts.issue_session(jo), accounts.issue_session(jo)
    other = accounts.issue_session(Actor("kim"))
    clock.advance(seconds=1)
    before = log_lines()
    accounts.sign_out(engine, jo)
    assert accounts.session_actor(engine, laptop) is None
    assert accounts.session_actor(engine, phone) is None
    assert accounts.session_actor(engine, other) == Actor("kim")  # only jo's sessions end
    assert any(" SIGNOUT user=jo" in line for line in new_log_lines(before))
    clock.advance(seconds=1)
    again = accounts.issue_session(accounts.authenticate(engine, "jo", PASSWORD).actor)  # type: ignore[arg-type]
    assert accounts.session_actor(engine, again) == jo
    assert accounts.session_actor(engine, laptop) is None


def test_revoked_grant_takes_effect_for_an_open_session(
    engine: Engine, jo: Actor, admin: Actor
) -> None:
    token = accounts.issue_session(jo)
    officer = Grant("officer", area_code=AREA)
    assert accounts.grant(engine, admin, "jo", officer) is True
    assert accounts.grant(engine, admin, "jo", officer) is False  # already held
    assert set(accounts.session_actor(engine, token).grants) == {jo.grants[0], officer}  # type: ignore[union-attr]

    assert accounts.revoke(engine, admin, "jo", jo.grants[0]) is True
    assert accounts.revoke(engine, admin, "jo", officer) is True
    assert accounts.revoke(engine, admin, "jo", officer) is False
    now = accounts.session_actor(engine, token)
    assert now == Actor("jo")
    with pytest.raises(AccessDenied):
        store.load_scope(engine, now, [AREA])  # type: ignore[arg-type]
    assert accounts.list_users(engine, admin).filter(username="jo")["grants"].to_list() == [
        "no access"
    ]


# ---------------------------------------------------------------------------- grants and admins


@pytest.mark.parametrize(
    ("grant", "message"),
    [
        (Grant("viewer", area_code="NOPE"), "no area NOPE"),
        (Grant("lead", area_code=AREA, partnership="Nope Partnership"), "no partnership"),
        (Grant("go", region_code="GOXX"), "no region GOXX"),
        (Grant("department", department_code="MoX"), "no department MoX"),
    ],
)
def test_grant_must_name_things_that_exist(
    engine: Engine, admin: Actor, jo: Actor, grant: Grant, message: str
) -> None:
    with pytest.raises(accounts.AccountError, match=message):
        accounts.grant(engine, admin, "jo", grant)
    assert accounts.actor_for(engine, "jo") == jo


def test_grant_needs_its_scope() -> None:
    with pytest.raises(ValueError, match="needs partnership"):
        Grant("lead", area_code=AREA)
    with pytest.raises(ValueError, match="unknown role"):
        Grant("superuser")
    with pytest.raises(TypeError):
        Actor("x", grants="admin")  # type: ignore[arg-type]


def test_grant_to_an_unknown_user_is_refused(engine: Engine, admin: Actor, area: str) -> None:
    with pytest.raises(accounts.AccountError, match="no user ghost"):
        accounts.grant(engine, admin, "ghost", Grant("viewer", area_code=area))


@pytest.mark.parametrize("role", ["officer", "board", "lead", "go", "department", "viewer"])
def test_only_administrators_manage_users(
    engine: Engine, admin: Actor, jo: Actor, role: str
) -> None:
    scope = {
        "officer": {"area_code": AREA},
        "board": {"area_code": AREA},
        "lead": {"area_code": AREA, "partnership": BOARD},
        "go": {"region_code": "GONW"},
        "department": {"department_code": "HO"},
        "viewer": {"area_code": AREA},
    }[role]
    actor = Actor(f"a-{role}", (Grant(role, **scope),))
    before = log_lines()
    attempts = [
        lambda: accounts.add_user(engine, actor, "sneaky", "S", PASSWORD, "s@example.org"),
        lambda: accounts.grant(engine, actor, "jo", Grant("admin")),
        lambda: accounts.revoke(engine, actor, "jo", jo.grants[0]),
        lambda: accounts.list_users(engine, actor),
    ]
    for attempt in attempts:
        with pytest.raises(AccessDenied):
            attempt()
    assert accounts.actor_for(engine, "sneaky") is None
    assert accounts.actor_for(engine, "jo") == jo
    refused = [line for line in new_log_lines(before) if f" REFUSED user=a-{role} " in line]
    assert len(refused) == len(attempts)


# ------------------------------------------------------------------------------ laa user commands


def laa(*args: str, code: int = 0):  # type: ignore[no-untyped-def]
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (
        f"laa {' '.join(args)} exited {result.exit_code}, expected {code}\n"
        f"stdout: {result.stdout!r}\nstderr: {result.stderr!r}\nexception: {result.exception!r}"
    )
    return result


def test_laa_user_add_grant_list_revoke(engine: Engine, area: str) -> None:
    result = laa("user", "add", "Sam", "--name", "Sam Smith", "--email", "sam@example.org",
                 "--password", PASSWORD)  # fmt: skip
    assert result.stdout == "" and result.stderr == "added user sam\n"
    assert user_row(engine, "sam").password_hash.startswith("$argon2id$")
    assert accounts.authenticate(engine, "sam@example.org", PASSWORD).actor == Actor("sam")

    result = laa("user", "grant", "sam", "lead", "--area", area, "--partnership", BOARD)
    assert result.stderr == f"granted lead ({area} / {BOARD}) to sam\n"
    assert laa("user", "grant", "sam", "lead", "--area", area, "--partnership", BOARD).stderr == (
        f"sam already had lead ({area} / {BOARD})\n"
    )
    laa("user", "grant", "sam", "go", "--region", "GONW")
    listing = laa("user", "list").stdout
    assert listing.splitlines()[0] == "username,display_name,email,active,locked,grants"
    assert f'sam,Sam Smith,sam@example.org,true,false,"lead ({area} / {BOARD}), go (GONW)"' in (
        listing
    )

    assert laa("user", "revoke", "sam", "go", "--region", "GONW").stderr == (
        "revoked go (GONW) from sam\n"
    )
    assert "does not hold" in laa("user", "revoke", "sam", "go", "--region", "GONW", code=1).stderr
    assert accounts.actor_for(engine, "sam") == Actor(
        "sam", (Grant("lead", area_code=area, partnership=BOARD),)
    )
    for out in (listing, result.stdout, result.stderr):
        assert PASSWORD not in out


def test_laa_user_add_refuses_a_short_password_and_duplicates(engine: Engine) -> None:
    result = laa("user", "add", "tiny", "--email", "t@example.org", "--password", "short", code=1)
    assert "at least 8 characters" in result.stderr
    assert accounts.actor_for(engine, "tiny") is None
    laa("user", "add", "dup", "--email", "d@example.org", "--password", PASSWORD)
    assert "already exists" in laa("user", "add", "DUP", "--password", PASSWORD, code=1).stderr


def test_laa_user_add_without_a_password_is_single_sign_on(engine: Engine) -> None:
    laa("user", "add", "sso", "--email", "sso@example.org", "--password", "")
    assert user_row(engine, "sso").password_hash is None


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["viewer", "--area", "NOPE"], 1, "no area NOPE"),
        (["lead", "--area", AREA, "--partnership", "Nope"], 1, "no partnership 'Nope' in X01"),
        (["go", "--region", "GOXX"], 1, "no region GOXX"),
        (["department", "--department", "NOPE"], 1, "no department NOPE"),
        (["lead", "--area", AREA], 2, "a lead grant needs partnership"),
        (["viewer"], 2, "a viewer grant needs area_code"),
        (["viewer", "--area", AREA, "--region", "GONW"], 2, "takes no region_code"),
        (["go", "--region", "GONW", "--area", AREA], 2, "takes no area_code"),
        (["admin", "--area", AREA], 2, "takes no area_code"),
        (["officer", "--area", AREA, "--partnership", BOARD], 2, "takes no partnership"),
        (["wizard"], 2, "unknown role"),
    ],
)
def test_laa_user_grant_refuses_unknown_scopes_and_wrong_options(
    engine: Engine, area: str, args: list[str], code: int, message: str
) -> None:
    laa("user", "add", "pat", "--email", "pat@example.org", "--password", PASSWORD)
    result = laa("user", "grant", "pat", *args, code=code)
    assert message in result.stderr
    assert result.stdout == ""
    assert accounts.actor_for(engine, "pat") == Actor("pat")  # nothing granted


def test_laa_user_grant_to_an_unknown_user(engine: Engine, area: str) -> None:
    assert "no user ghost" in laa("user", "grant", "ghost", "viewer", "--area", area, code=1).stderr


# ----------------------------------------------------------------------------- password change

NEW_PASSWORD = "a new and longer phrase"


def test_change_password_checks_the_current_one_and_the_rule(engine: Engine, jo: Actor) -> None:
    stored = user_row(engine, "jo").password_hash
    before = log_lines()
    with pytest.raises(accounts.AccountError, match="current password is not right"):
        accounts.change_password(engine, jo, WRONG, NEW_PASSWORD)
    with pytest.raises(accounts.AccountError, match="needs at least 8 characters"):
        accounts.change_password(engine, jo, PASSWORD, "short")
    with pytest.raises(accounts.AccountError, match="same as the current"):
        accounts.change_password(engine, jo, PASSWORD, PASSWORD)
    assert user_row(engine, "jo").password_hash == stored  # nothing changed
    assert accounts.authenticate(engine, "jo", PASSWORD).actor == jo
    assert any("PASSWORD_CHANGE_REFUSED user=jo" in line for line in new_log_lines(before))


def test_change_password_new_works_old_does_not_and_sessions_end(
    engine: Engine, jo: Actor, admin: Actor, clock: Clock
) -> None:
    accounts.add_user(engine, admin, "kim", "Kim", PASSWORD)
    laptop, other = accounts.issue_session(jo), accounts.issue_session(Actor("kim"))
    clock.advance(seconds=1)
    before = log_lines()
    accounts.change_password(engine, jo, PASSWORD, NEW_PASSWORD)

    stored = user_row(engine, "jo").password_hash
    assert stored.startswith("$argon2id$") and NEW_PASSWORD not in every_value(engine)
    assert accounts.authenticate(engine, "jo", PASSWORD).actor is None
    assert accounts.authenticate(engine, "jo", NEW_PASSWORD).actor == jo
    assert accounts.session_actor(engine, laptop) is None  # every earlier session of jo ends
    assert accounts.session_actor(engine, other) == Actor("kim")
    logged = new_log_lines(before)
    assert any("PASSWORD_CHANGED user=jo" in line for line in logged)
    assert not any(NEW_PASSWORD in line or PASSWORD in line for line in logged)


def test_renewal_token_keeps_the_session_in_use(
    engine: Engine, jo: Actor, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = accounts.renewal_token(jo)  # issued before the change: refused
    clock.advance(seconds=1)
    accounts.change_password(engine, jo, PASSWORD, NEW_PASSWORD)
    clock.advance(seconds=1)
    fresh = accounts.renewal_token(jo)
    assert accounts.renewed_actor(engine, stale) is None
    assert accounts.renewed_actor(engine, fresh) == jo
    assert accounts.renewed_actor(engine, accounts.issue_session(jo)) is None  # other salt
    assert accounts.renewed_actor(engine, None) is None
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(
        TimestampSigner,
        "get_timestamp",
        lambda self: int(real(self) + accounts.RENEWAL_SECONDS + 5),
    )
    assert accounts.renewed_actor(engine, fresh) is None  # expired


def test_single_sign_on_user_has_no_password_to_change(engine: Engine, admin: Actor) -> None:
    accounts.add_user(engine, admin, "sso", "Sam", None, "sam@example.org")
    assert not accounts.has_password(engine, "sso")
    with pytest.raises(accounts.AccountError, match="organisation account"):
        accounts.change_password(engine, Actor("sso"), "", NEW_PASSWORD)


def test_laa_user_unlock_clears_the_delays_and_is_logged(engine: Engine, jo: Actor) -> None:
    for _ in range(6):
        accounts.authenticate(engine, "jo", WRONG, client="10.0.0.1")
    assert accounts.authenticate(engine, "jo", PASSWORD, client="10.0.0.1").retry_after > 0
    before = log_lines()
    assert laa("user", "unlock", "Jo").stderr == "cleared the sign-in delays of jo\n"
    assert any(
        " UNLOCKED user=cli:" in line and "username=jo" in line for line in new_log_lines(before)
    )
    assert accounts.authenticate(engine, "jo", PASSWORD, client="10.0.0.1").actor == jo
    assert laa("user", "unlock", "jo").stderr == "jo had no sign-in delays\n"
    assert laa("user", "unlock", "ghost", code=1).stderr == "no user ghost\n"
