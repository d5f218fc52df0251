"""The served application: Streamlit as an ASGI app with a sign-in gate in front of it.

`make run` serves this module (`streamlit run dashboard/server.py`). A small middleware checks
the signed session cookie on every HTTP and websocket request; without a valid one, pages
redirect to `/account/signin` and the websocket is refused, so no script runs for a stranger.
`/account/signin` (a plain HTML form: user name or email, password, Enter submits) sets the
cookie; a POST to `/account/signout` ends every session of that user. The entrypoint checks
the same cookie again (and AppTest, which bypasses this middleware, exercises that in-app gate).

Both forms carry a signed anti-forgery token (`accounts.form_token`), the sign-in body is
capped, and the password check runs in a worker thread (argon2 is slow on purpose), a few at a
time, so a flood of sign-ins cannot stall the event loop that serves everyone else. Another
middleware sends the framing and sniffing headers on every response.

When single sign-on is configured (`[auth]` in `.streamlit/secrets.toml`), the app itself
must run to offer `st.login`, so the middleware lets requests through and the entrypoint's
gate (which runs before any page) signs people in: by SSO, mapping the identity's email to a
user record, or by a link to the local sign-in form.
"""

from __future__ import annotations

import html
import secrets
import time
from functools import partial
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import anyio
import streamlit as st
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from dashboard import accounts, db, security
from dashboard.access import Actor

SIGNIN_PATH = "/account/signin"
SIGNOUT_PATH = "/account/signout"
RENEW_PATH = "/account/renew"  # after a password change: a new cookie for this browser
OPEN_PATHS = ("/account/", "/_stcore/health", "/_stcore/host-config", "/favicon")
_TOKEN_CACHE: dict[str, tuple[float, bool]] = {}  # token -> (checked at, valid), for 5 s
CSRF_COOKIE = "laa_csrf"
FORM_BODY_LIMIT = 8 * 1024  # a sign-in or sign-out form is a few hundred bytes
SIGNIN_FORM_SECONDS = 2 * 3600  # a sign-in page left open longer asks again
SECURITY_HEADERS = [
    (b"content-security-policy", b"frame-ancestors 'self'"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]
_SECURITY_HEADER_NAMES = {name for name, _ in SECURITY_HEADERS}
_limiter: anyio.CapacityLimiter | None = None


def _password_checks() -> anyio.CapacityLimiter:
    """At most two argon2 checks at once (each takes ~64 MB and a core); the rest queue."""
    global _limiter
    if _limiter is None:  # made inside the event loop, on first use
        _limiter = anyio.CapacityLimiter(2)
    return _limiter


async def _in_thread(func, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Run blocking work (database, hashing) off the event loop."""
    return await anyio.to_thread.run_sync(partial(func, *args, **kwargs))


def _sso_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml at all
        return False


def _cookies(scope: dict) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is simply not a session
                return {}
    return {k: morsel.value for k, morsel in jar.items()}


async def _valid(token: str | None) -> bool:
    if not token:
        return False
    now = time.monotonic()
    cached = _TOKEN_CACHE.get(token)
    if cached and now - cached[0] < 5:
        return cached[1]
    valid = await _in_thread(accounts.session_actor, db.get_engine(), token) is not None
    if len(_TOKEN_CACHE) > 5000:
        _TOKEN_CACHE.clear()
    _TOKEN_CACHE[token] = (now, valid)
    return valid


class SessionGate:
    """Pure ASGI middleware: only signed-in requests reach Streamlit."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] not in ("http", "websocket") or scope["path"].startswith(OPEN_PATHS):
            await self.app(scope, receive, send)
            return
        # With single sign-on, st.login must run inside the app for people who have no cookie
        # yet: the entrypoint's gate (dashboard/ui/auth.py) then decides, before any page runs.
        allowed = _sso_configured() or await _valid(_cookies(scope).get(accounts.SESSION_COOKIE))
        if allowed:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4401})
            return
        target = scope["path"] + (
            f"?{scope['query_string'].decode()}" if scope.get("query_string") else ""
        )
        response = RedirectResponse(f"{SIGNIN_PATH}?next={quote(target, safe='')}", status_code=303)
        await response(scope, receive, send)


class SecurityHeaders:
    """Pure ASGI middleware: every HTTP response (pages, sign-in, assets, redirects) says it
    may be framed only by this site, must not be content-sniffed, and sends no referrer to
    other sites."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:  # type: ignore[no-untyped-def]
            if message["type"] == "http.response.start":
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() not in _SECURITY_HEADER_NAMES
                ]
                message = {**message, "headers": headers + SECURITY_HEADERS}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _safe_next(value: str | None) -> str:
    """Only same-site paths (no open redirect)."""
    if not value:
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return "/"
    return value


SHELL = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title} · LAA performance</title>
<style>
body {{font-family: "Source Sans Pro", Helvetica, Arial, sans-serif; background:#f3f2f1; margin:0;
  color:#0b0c0c;}}
main {{max-width: 26rem; margin: 8vh auto; background:#fff; padding: 2rem 2.2rem;
  border-top: 6px solid #1d70b8; box-shadow: 0 1px 3px rgba(0,0,0,.15);}}
h1 {{font-size: 1.6rem; margin: 0 0 .3rem;}} p.sub {{color:#505a5f; margin:0 0 1.4rem;}}
label {{display:block; font-weight:600; margin: 1rem 0 .3rem;}}
input {{width:100%; box-sizing:border-box; font-size:1.05rem; padding:.55rem; border:2px solid #0b0c0c;}}
input:focus {{outline:3px solid #ffdd00;}}
button {{margin-top:1.4rem; background:#00703c; color:#fff; border:0; font-size:1.05rem;
  padding:.6rem 1.2rem; cursor:pointer;}}
.error {{border-left:5px solid #d4351c; padding:.5rem .8rem; color:#d4351c; font-weight:600;}}
.sso {{display:inline-block; margin-top:1rem;}}
</style></head>
<body><div data-testid="stApp"><!-- the test id lets page tools wait for this page too --><main>
<h1>LAA performance</h1><p class="sub">{sub}</p>
{error}
{body}
</main></div></body></html>"""

SIGNIN_FORM = """<form method="post" action="{action}">
<input type="hidden" name="csrf" value="{csrf}">
<label for="login">User name or email</label>
<input id="login" name="login" type="text" autocomplete="username" autofocus required value="{login}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
{sso}"""

SIGNOUT_FORM = """<form method="post" action="{action}">
<input type="hidden" name="csrf" value="{csrf}">
<button type="submit">Sign out</button>
</form>"""


def _html(title: str, sub: str, body: str, error: str = "", status: int = 200) -> HTMLResponse:
    page = SHELL.format(
        title=html.escape(title),
        sub=html.escape(sub),
        error=f'<p class="error" role="alert">{html.escape(error)}</p>' if error else "",
        body=body,
    )
    return HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store"})


def _page(
    request: Request, next_path: str, error: str = "", login: str = "", status: int = 200
) -> HTMLResponse:
    """The sign-in page, with an anti-forgery token bound to this browser's form cookie."""
    nonce = request.cookies.get(CSRF_COOKIE) or ""
    if len(nonce) < 32:
        nonce = secrets.token_urlsafe(32)
    sso = (
        '<a class="sso" href="/?sso=1">Sign in with your organisation account</a>'
        if _sso_configured()
        else ""
    )
    form = SIGNIN_FORM.format(
        action=html.escape(f"{SIGNIN_PATH}?next={quote(next_path, safe='')}"),
        csrf=html.escape(accounts.form_token("signin", nonce)),
        login=html.escape(login),
        sso=sso,
    )
    response = _html("Sign in", "Sign in to your partnership's dashboard.", form, error, status)
    response.set_cookie(
        CSRF_COOKIE,
        nonce,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path=SIGNIN_PATH,
    )
    return response


class _TooLarge(Exception):
    pass


async def _form(request: Request) -> dict[str, str]:
    """The posted form's first values, read a chunk at a time and refused past the cap."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > FORM_BODY_LIMIT:
        raise _TooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > FORM_BODY_LIMIT:
            raise _TooLarge
    parsed = parse_qs(body.decode("utf-8", "replace"))
    return {name: values[0] for name, values in parsed.items() if values}


def _too_large() -> HTMLResponse:
    return _html(
        "Sign in", "Sign in to your partnership's dashboard.",
        f'<p><a href="{SIGNIN_PATH}">Back to sign-in</a></p>',
        "What was sent is too long for a sign-in form.", status=413,
    )  # fmt: skip


def _client(request: Request) -> str:
    """The client's address (uvicorn puts the forwarded one here behind a local proxy)."""
    return request.client.host if request.client else "unknown"


async def signin(request: Request) -> Response:
    next_path = _safe_next(request.query_params.get("next"))
    if request.method == "GET":
        return _page(request, next_path)
    try:
        form = await _form(request)
    except _TooLarge:
        return _too_large()
    login = form.get("login", "")[:254]
    password = form.get("password", "")[:1024]
    if not accounts.form_token_ok(
        form.get("csrf"), "signin", request.cookies.get(CSRF_COOKIE), SIGNIN_FORM_SECONDS
    ):
        security.event("SIGNIN_FORGED", login, f"client={_client(request)} no valid form token")
        message = "This sign-in form has expired: please sign in again."
        return _page(request, next_path, message, login, status=403)
    async with _password_checks():
        result = await _in_thread(
            accounts.authenticate,
            db.get_engine(),
            login,
            password,
            client=_client(request),
            device=request.cookies.get(accounts.DEVICE_COOKIE),
        )
    if result.actor is None:
        status = 429 if result.retry_after else 401
        response = _page(request, next_path, result.message, login, status=status)
        if result.retry_after:
            response.headers["Retry-After"] = str(result.retry_after)
        return response
    response = RedirectResponse(next_path, status_code=303)
    _set_session_cookie(response, request, result.actor)
    response.set_cookie(  # this browser has signed in as this user (see accounts.authenticate)
        accounts.DEVICE_COOKIE,
        accounts.device_token(result.actor),
        max_age=accounts.DEVICE_DAYS * 86400,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path=SIGNIN_PATH,
    )
    return response


def _set_session_cookie(response: Response, request: Request, actor: Actor) -> None:
    response.set_cookie(
        accounts.SESSION_COOKIE,
        accounts.issue_session(actor),
        max_age=accounts.SESSION_HOURS * 3600,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


async def renew(request: Request) -> Response:
    """Trade a renewal token (a password change just ended every session) for a new cookie."""
    token = request.query_params.get("token")
    actor = await _in_thread(accounts.renewed_actor, db.get_engine(), token)
    if actor is None:
        return RedirectResponse(SIGNIN_PATH, status_code=303)
    response = RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
    _set_session_cookie(response, request, actor)
    return response


def _signout_page(token: str, error: str = "", status: int = 200) -> HTMLResponse:
    form = SIGNOUT_FORM.format(
        action=html.escape(SIGNOUT_PATH), csrf=html.escape(accounts.form_token("signout", token))
    )
    return _html("Sign out", "Sign out of the dashboard on every device.", form, error, status)


async def signout(request: Request) -> Response:
    """GET shows a button; only its POST (with the page's token) signs out, so a link or an
    image on another site cannot sign anyone out."""
    token = request.cookies.get(accounts.SESSION_COOKIE) or ""
    actor = await _in_thread(accounts.session_actor, db.get_engine(), token)
    if actor is not None and request.method == "GET":
        return _signout_page(token)
    if actor is not None:
        try:
            form = await _form(request)
        except _TooLarge:
            return _signout_page(token, "What was sent is too long.", status=413)
        if not accounts.form_token_ok(
            form.get("csrf"), "signout", token, accounts.SESSION_HOURS * 3600
        ):
            security.event("SIGNOUT_FORGED", actor.name, f"client={_client(request)}")
            return _signout_page(token, "Press the button to sign out.", status=403)
        await _in_thread(accounts.sign_out, db.get_engine(), actor)
        security.event("SIGNOUT_PAGE", actor.name, "")
    _TOKEN_CACHE.pop(token, None)
    response = RedirectResponse(SIGNIN_PATH, status_code=303)
    response.delete_cookie(accounts.SESSION_COOKIE, path="/")
    return response


app = st.App(
    str(Path(__file__).with_name("app.py")),
    routes=[
        Route(SIGNIN_PATH, signin, methods=["GET", "POST"]),
        Route(SIGNOUT_PATH, signout, methods=["GET", "POST"]),
        Route(RENEW_PATH, renew, methods=["GET"]),
    ],
    middleware=[Middleware(SecurityHeaders), Middleware(SessionGate)],
)
