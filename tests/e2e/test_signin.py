"""Signing in and out of the served app (dashboard/server.py) in Chromium.

The ASGI gate in front of Streamlit: strangers are redirected to `/account/signin` and the
websocket refuses them; the form signs in with Enter and lands back on the requested page;
the session cookie survives reloads and new tabs; signing out ends it on the server; `next=`
never leads off-site.

The sign-out tests sign out the demo `viewer` and `department` (signing out ends every session
of that user issued until then; every other test signs in afresh).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    SIGNIN_URL,
    assert_no_exception,
    fill_signin,
    server_log_dir,
    signed_in,
    wait_for_app,
)

pytestmark = pytest.mark.browser

ADMIN_MENU = "Users and access"
COOKIE = "laa_session"
WRONG = "not-the-password-9"
REFUSED = "The user name or password is not right."


def _nav(page):  # type: ignore[no-untyped-def]
    return page.get_by_test_id("stSidebarNav")


def _session_cookies(page) -> list[dict]:  # type: ignore[no-untyped-def]
    return [c for c in page.context.cookies() if c["name"] == COOKIE]


def _websocket_state(page) -> str:  # type: ignore[no-untyped-def]
    """Try Streamlit's websocket from the current page: "open", or how it failed."""
    return page.evaluate(
        """() => new Promise(resolve => {
            const ws = new WebSocket(`ws://${location.host}/_stcore/stream`, ["streamlit"]);
            ws.onopen = () => { resolve("open"); ws.close(); };
            ws.onerror = () => resolve("error");
            ws.onclose = e => resolve(`closed ${e.code}`);
            setTimeout(() => resolve("timeout"), 5000);
        })"""
    )


def test_stranger_is_sent_to_sign_in_and_sees_no_data(stranger, demo_server) -> None:  # type: ignore[no-untyped-def]
    sockets: list[str] = []
    stranger.on("websocket", lambda ws: sockets.append(ws.url))
    stranger.goto(f"{demo_server}/block?area=D10&block=SSC")
    expect(stranger).to_have_url(SIGNIN_URL)
    path, params = urlsplit(stranger.url).path, dict(parse_qsl(urlsplit(stranger.url).query))
    assert path == "/account/signin" and params == {"next": "/block?area=D10&block=SSC"}
    expect(stranger.get_by_label("User name or email")).to_be_focused()
    expect(stranger.get_by_role("button", name="Sign in")).to_be_visible()
    body = stranger.locator("body").inner_text()
    assert "Thornbury Vale" not in body and "D10" not in body
    assert stranger.get_by_test_id("stMain").count() == 0
    assert sockets == []
    assert _websocket_state(stranger) != "open"  # the gate refuses the app's websocket
    for path in ("/", "/_stcore/stream", "/media/x.png", "/users", "/account", "/block"):
        response = stranger.request.get(demo_server + path, max_redirects=0)
        assert response.status == 303, path
        assert response.headers["location"].startswith("/account/signin?next="), path
    assert _session_cookies(stranger) == []


def test_lead_signs_in_with_enter_and_lands_on_the_requested_page(stranger, demo_server) -> None:  # type: ignore[no-untyped-def]
    signed_in(stranger, demo_server, "lead", path="/block?area=D10&block=SSC")
    parts = urlsplit(stranger.url)
    assert parts.path == "/block" and dict(parse_qsl(parts.query))["area"] == "D10"
    assert_no_exception(stranger)
    expect(
        stranger.get_by_role("heading", name="Safer and Stronger Communities", level=1)
    ).to_be_visible()
    nav = _nav(stranger)
    expect(nav.get_by_role("link", name="Blocks")).to_be_visible()
    expect(nav.get_by_role("link", name="My account")).to_be_visible()
    expect(nav.get_by_role("link", name=ADMIN_MENU)).to_have_count(0)
    sidebar = stranger.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("Thornbury Vale (D10)")).to_be_visible()  # one area: named
    expect(sidebar.get_by_role("combobox", name="Area")).to_have_count(0)
    (cookie,) = _session_cookies(stranger)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"


def test_admin_menu_has_users_and_access(stranger, demo_server) -> None:  # type: ignore[no-untyped-def]
    signed_in(stranger, demo_server, "admin")
    link = _nav(stranger).get_by_role("link", name=ADMIN_MENU)
    expect(link).to_be_visible()
    link.click()
    expect(stranger).to_have_url(re.compile(r"/users(\?|$)"))
    wait_for_app(stranger)
    assert_no_exception(stranger)
    expect(stranger.get_by_role("heading", name=ADMIN_MENU, level=1)).to_be_visible()


def test_non_admin_opening_the_users_path_sees_no_user_list(stranger, demo_server) -> None:  # type: ignore[no-untyped-def]
    signed_in(stranger, demo_server, "lead", path="/users")
    assert_no_exception(stranger)
    expect(stranger.get_by_role("heading", name=ADMIN_MENU)).to_have_count(0)
    assert "admin@demo.example" not in stranger.locator("body").inner_text()


def test_wrong_password_shows_the_error_and_sets_no_cookie(stranger, demo_server, demo_url) -> None:  # type: ignore[no-untyped-def]
    stranger.goto(f"{demo_server}/?area=D10")
    expect(stranger).to_have_url(SIGNIN_URL)
    fill_signin(stranger, "lead", WRONG)
    alert = stranger.get_by_role("alert")
    expect(alert).to_have_text(REFUSED)
    expect(stranger).to_have_url(SIGNIN_URL)
    expect(stranger.get_by_label("User name or email")).to_have_value("lead")
    expect(stranger.get_by_label("Password")).to_have_value("")
    assert _session_cookies(stranger) == []
    fill_signin(stranger, "no-such-user", WRONG)
    expect(stranger.get_by_role("alert")).to_have_text(REFUSED)  # the same words
    assert _session_cookies(stranger) == []
    stranger.goto(f"{demo_server}/?area=D10")
    expect(stranger).to_have_url(SIGNIN_URL)
    log = (server_log_dir(demo_url) / "security.log").read_text(encoding="utf-8")
    assert "SIGNIN_FAILED user=lead" in log and "SIGNIN_FAILED user=no-such-user" in log
    assert WRONG not in log


def test_session_survives_a_reload_and_a_new_tab(stranger, demo_server) -> None:  # type: ignore[no-untyped-def]
    signed_in(stranger, demo_server, "officer", path="/?area=D10")
    heading = stranger.get_by_role("heading", name="Thornbury Vale LSP overview")
    expect(heading).to_be_visible()
    stranger.reload()
    wait_for_app(stranger)
    expect(stranger).not_to_have_url(SIGNIN_URL)
    expect(heading).to_be_visible()

    tab = stranger.context.new_page()
    tab.goto(f"{demo_server}/partnership?area=D10")
    wait_for_app(tab)
    expect(tab).not_to_have_url(SIGNIN_URL)
    assert_no_exception(tab)
    expect(_nav(tab).get_by_role("link", name="My account")).to_be_visible()
    tab.close()


def _sign_out_button(page):  # type: ignore[no-untyped-def]
    return page.get_by_test_id("stMain").get_by_role("button", name="Sign out")


def test_sign_out_returns_to_sign_in_and_ends_the_session(browser, stranger, demo_server) -> None:  # type: ignore[no-untyped-def]
    signed_in(stranger, demo_server, "viewer", path="/account")
    expect(stranger.get_by_role("heading", name="My account")).to_be_visible()
    (cookie,) = _session_cookies(stranger)

    _sign_out_button(stranger).click()  # a form that POSTs with the page's token
    expect(stranger).to_have_url(re.compile(r"/account/signin$"))
    expect(stranger.get_by_label("User name or email")).to_be_visible()
    assert _session_cookies(stranger) == []
    stranger.reload()
    expect(stranger).to_have_url(SIGNIN_URL)
    stranger.goto(f"{demo_server}/?area=D10")
    expect(stranger).to_have_url(SIGNIN_URL)
    assert "Thornbury Vale" not in stranger.locator("body").inner_text()

    # The old token is dead on the server, not only deleted in this browser.
    replay = browser.new_context()
    try:
        replay.add_cookies([{**cookie, "expires": -1}])
        response = replay.request.get(f"{demo_server}/", max_redirects=0)
        assert response.status == 303
        assert response.headers["location"].startswith("/account/signin")
    finally:
        replay.close()


def test_sign_out_stays_in_the_same_tab(stranger, demo_server) -> None:  # type: ignore[no-untyped-def]
    signed_in(stranger, demo_server, "board", path="/account")
    form = stranger.get_by_test_id("stMain").locator("form[action='/account/signout']")
    assert form.get_attribute("method") == "post"
    assert form.get_attribute("target") in (None, "_self")  # a form posts in its own tab
    expect(_sign_out_button(stranger)).to_be_visible()


def test_a_link_to_sign_out_does_not_sign_out(stranger, demo_server) -> None:  # type: ignore[no-untyped-def]
    """Opening /account/signout (a link or an image on another site would) only offers the
    button; pressing it signs out."""
    signed_in(stranger, demo_server, "department", path="/account")
    stranger.goto(f"{demo_server}/account/signout")
    button = stranger.get_by_role("button", name="Sign out")
    expect(button).to_be_visible()
    assert len(_session_cookies(stranger)) == 1
    stranger.goto(f"{demo_server}/account")
    wait_for_app(stranger)
    expect(stranger.get_by_role("heading", name="My account")).to_be_visible()  # still signed in
    stranger.goto(f"{demo_server}/account/signout")
    stranger.get_by_role("button", name="Sign out").click()
    expect(stranger).to_have_url(re.compile(r"/account/signin$"))
    assert _session_cookies(stranger) == []


@contextmanager
def _framing_site(target: str) -> Iterator[str]:
    """Another origin (a second local port) serving a page that frames `target`."""
    page = (
        f'<iframe id="f" src="{target}" width=600 height=400 '
        'onload="this.dataset.loaded = 1"></iframe>'
    ).encode()

    class Framer(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Framer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_another_site_cannot_frame_the_app(stranger, demo_server) -> None:  # type: ignore[no-untyped-def]
    """A page of another origin that frames the sign-in page, as a clickjacking page would,
    gets an empty frame."""
    with _framing_site(f"{demo_server}/account/signin") as framer:
        stranger.goto(framer)
        stranger.wait_for_selector("#f[data-loaded]", state="attached")  # loaded, or refused
        frame = stranger.frame_locator("#f")
        expect(frame.get_by_label("User name or email")).to_have_count(0)


def _signin_token(page, demo_server: str) -> str:  # type: ignore[no-untyped-def]
    """The anti-forgery token of a sign-in form opened in this browser (its cookie is set)."""
    html = page.request.get(f"{demo_server}/account/signin").text()
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


NEXT_VALUES = [
    "//evil.example",
    "https://evil.example",
    "http://evil.example/",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "javascript:alert(1)",
    "https:evil.example",
    "evil.example",
]


@pytest.mark.parametrize("target", NEXT_VALUES)
def test_next_never_redirects_off_site(stranger, demo_server, target: str) -> None:  # type: ignore[no-untyped-def]
    """The form's redirect after sign-in only goes to a path on this site."""
    response = stranger.request.post(
        f"{demo_server}/account/signin?next={quote(target, safe='')}",
        form={"login": "go", "password": "laa-demo", "csrf": _signin_token(stranger, demo_server)},
        max_redirects=0,
    )
    assert response.status == 303
    location = response.headers["location"]
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc, location
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location


def test_next_in_the_browser_stays_on_site(stranger, demo_server) -> None:  # type: ignore[no-untyped-def]
    off_site: list[str] = []
    stranger.on(
        "request", lambda r: "evil.example" in urlsplit(r.url).netloc and off_site.append(r.url)
    )
    stranger.route(re.compile(r"https?://evil\.example.*"), lambda route: route.abort())
    stranger.goto(f"{demo_server}/account/signin?next={quote('//evil.example', safe='')}")
    fill_signin(stranger, "go", "laa-demo")
    expect(stranger).not_to_have_url(SIGNIN_URL)
    wait_for_app(stranger)
    assert urlsplit(stranger.url).netloc == urlsplit(demo_server).netloc
    assert off_site == []
