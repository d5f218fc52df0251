"""The sign-in routes of the served app (dashboard/server.py) over HTTP, without a browser:
anti-forgery tokens, the body cap, POST-only sign-out, the framing headers, and a flood of
sign-ins that must not stall the server for everyone else.

The server runs over its own small database (an administrator and a viewer), so its
slow-downs never reach the shared demo server of the other browser tests. Clients are told
apart by X-Forwarded-For, which uvicorn trusts from 127.0.0.1 (as behind a local proxy).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine

from dashboard import accounts, store
from dashboard.access import Grant
from seed_data.demo_users import DEMO_PASSWORD
from tests.e2e.conftest import _seeded, serve

COOKIE = accounts.SESSION_COOKIE
WRONG = "not-the-password-9"
FRAMING = {
    "content-security-policy": "frame-ancestors 'self'",
    "x-frame-options": "SAMEORIGIN",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def _users(engine: Engine, actor: store.Actor) -> None:
    accounts.add_user(engine, actor, "admin", "Test Administrator", DEMO_PASSWORD)
    accounts.grant(engine, actor, "admin", Grant("admin"))
    accounts.add_user(engine, actor, "sam", "Sam", DEMO_PASSWORD)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = _seeded(tmp_path_factory.mktemp("signin_server") / "server.db", _users)
    with serve(url) as served:
        yield served


def _form(session: requests.Session, base: str, path: str = "/account/signin") -> str:
    """Open a form page in `session` (which keeps its cookies); its anti-forgery token."""
    page = session.get(base + path, allow_redirects=False)
    assert page.status_code == 200, page.status_code
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def _sign_in(
    base: str, user: str, password: str = DEMO_PASSWORD, client: str = "203.0.113.1"
) -> tuple[requests.Session, requests.Response]:
    session = requests.Session()
    session.headers["X-Forwarded-For"] = client
    token = _form(session, base)
    response = session.post(
        f"{base}/account/signin",
        data={"login": user, "password": password, "csrf": token},
        allow_redirects=False,
    )
    return session, response


def _signed_in(session: requests.Session, base: str) -> bool:
    response = session.get(f"{base}/", allow_redirects=False)
    return response.status_code == 200


def test_every_response_forbids_framing_by_other_sites(base: str) -> None:
    session, signed = _sign_in(base, "admin")
    assert signed.status_code == 303
    responses = {
        "sign-in page": requests.get(f"{base}/account/signin"),
        "redirect to sign-in": requests.get(f"{base}/users", allow_redirects=False),
        "health check": requests.get(f"{base}/_stcore/health"),
        "sign-in answer": signed,
        "app page": session.get(f"{base}/"),
    }
    script = re.search(r'src="(\./static/[^"]+\.js)"', responses["app page"].text)
    assert script, "the app page names its script"
    responses["app script"] = session.get(f"{base}/{script.group(1).removeprefix('./')}")
    for what, response in responses.items():
        assert response.status_code in (200, 303), what
        for name, value in FRAMING.items():
            assert response.headers.get(name) == value, (what, name)


def test_sign_in_needs_the_forms_own_token(base: str) -> None:
    bare = requests.post(
        f"{base}/account/signin",
        data={"login": "admin", "password": DEMO_PASSWORD},
        allow_redirects=False,
    )
    assert bare.status_code == 403 and COOKIE not in bare.cookies
    assert "This sign-in form has expired" in bare.text
    theirs = _form(requests.Session(), base)  # a token made for another browser's form cookie
    mine = requests.Session()
    real = _form(mine, base)
    for token in (theirs, real[:-4] + "AAAA", ""):
        refused = mine.post(
            f"{base}/account/signin",
            data={"login": "admin", "password": DEMO_PASSWORD, "csrf": token},
            allow_redirects=False,
        )
        assert refused.status_code == 403 and COOKIE not in refused.cookies
    assert not _signed_in(mine, base)
    accepted = mine.post(
        f"{base}/account/signin",
        data={"login": "admin", "password": DEMO_PASSWORD, "csrf": real},
        allow_redirects=False,
    )
    assert accepted.status_code == 303 and _signed_in(mine, base)


def test_a_sign_in_body_over_the_cap_is_refused(base: str) -> None:
    session = requests.Session()
    token = _form(session, base)
    big = {"login": "admin", "password": "x" * 9000, "csrf": token}
    declared = session.post(f"{base}/account/signin", data=big, allow_redirects=False)
    assert declared.status_code == 413
    assert "too long for a sign-in form" in declared.text

    def chunks() -> Iterator[bytes]:  # no Content-Length: the cap is counted as it arrives
        yield f"csrf={token}&login=admin&password=".encode()
        for _ in range(20):
            yield b"y" * 1024

    streamed = session.post(f"{base}/account/signin", data=chunks(), allow_redirects=False)
    assert streamed.status_code == 413 and COOKIE not in streamed.cookies


def test_signing_out_takes_a_post_with_the_pages_token(base: str) -> None:
    session, signed = _sign_in(base, "sam", client="203.0.113.2")
    assert signed.status_code == 303
    shown = session.get(f"{base}/account/signout", allow_redirects=False)
    assert shown.status_code == 200 and "Sign out" in shown.text
    assert _signed_in(session, base)  # a GET (a link, an image) signs nobody out
    forged = session.post(f"{base}/account/signout", data={"csrf": "x"}, allow_redirects=False)
    assert forged.status_code == 403 and _signed_in(session, base)
    token = _form(session, base, "/account/signout")
    done = session.post(f"{base}/account/signout", data={"csrf": token}, allow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/account/signin"
    assert not _signed_in(session, base)


def test_repeated_failures_slow_that_client_down_not_the_account(base: str) -> None:
    for _ in range(5):
        assert _sign_in(base, "sam", WRONG, client="198.51.100.9")[1].status_code == 401
    _, slowed = _sign_in(base, "sam", client="198.51.100.9")
    assert slowed.status_code == 429 and int(slowed.headers["retry-after"]) >= 1
    assert "Too many attempts: try again in" in slowed.text
    assert COOKIE not in slowed.cookies
    session, elsewhere = _sign_in(base, "sam", client="198.51.100.10")
    assert elsewhere.status_code == 303 and _signed_in(session, base)


def test_a_flood_of_sign_ins_does_not_stall_the_server(base: str, tmp_path: Path) -> None:
    """Thirty-six sign-ins from twelve threads, each from its own address for a name nobody has
    (so none is slowed down and every one costs an argon2 check): meanwhile the health check
    keeps answering promptly. (With the check on the event loop it took about 2 s here.)"""
    done = False
    slowest = 0.0

    def health() -> None:
        nonlocal slowest
        while not done:
            started = time.monotonic()
            assert requests.get(f"{base}/_stcore/health", timeout=30).status_code == 200
            slowest = max(slowest, time.monotonic() - started)
            time.sleep(0.05)

    def flood(thread: int) -> list[int]:
        return [
            _sign_in(base, f"nobody-{thread}-{n}", WRONG, client=f"192.0.2.{thread * 10 + n}")[
                1
            ].status_code
            for n in range(3)
        ]

    with ThreadPoolExecutor(13) as pool:
        watcher = pool.submit(health)
        statuses = [s for batch in pool.map(flood, range(12)) for s in batch]
        done = True
        watcher.result()
    assert statuses == [401] * 36
    print(f"slowest health check during the flood: {slowest:.3f} s")
    assert slowest < 1.0, f"the health check took {slowest:.2f} s during the flood"
