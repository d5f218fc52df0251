"""The served application: Streamlit as an ASGI app with a sign-in gate in front of it.

`make run` serves this module (`streamlit run dashboard/server.py`). A small middleware checks
the signed session cookie on every HTTP and websocket request; without a valid one, pages
redirect to `/account/signin` and the websocket is refused, so no script runs for a stranger.
`/account/signin` (a plain HTML form: user name or email, password, Enter submits) sets the
cookie; `/account/signout` ends every session of that user. The entrypoint checks the same
cookie again (and AppTest, which bypasses this middleware, exercises that in-app gate).

When single sign-on is configured (`[auth]` in `.streamlit/secrets.toml`), the app itself
must run to offer `st.login`, so the middleware lets requests through and the entrypoint's
gate (which runs before any page) signs people in: by SSO, mapping the identity's email to a
user record, or by a link to the local sign-in form.
"""

from __future__ import annotations

import html
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

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


def _valid(token: str | None) -> bool:
    if not token:
        return False
    now = time.monotonic()
    cached = _TOKEN_CACHE.get(token)
    if cached and now - cached[0] < 5:
        return cached[1]
    valid = accounts.session_actor(db.get_engine(), token) is not None
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
        allowed = _sso_configured() or _valid(_cookies(scope).get(accounts.SESSION_COOKIE))
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


def _safe_next(value: str | None) -> str:
    """Only same-site paths (no open redirect)."""
    if not value:
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return "/"
    return value


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Sign in · LAA performance</title>
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
<h1>LAA performance</h1><p class="sub">Sign in to your partnership's dashboard.</p>
{error}
<form method="post" action="{action}">
<label for="login">User name or email</label>
<input id="login" name="login" type="text" autocomplete="username" autofocus required value="{login}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
{sso}
</main></div></body></html>"""


def _page(next_path: str, error: str = "", login: str = "", status: int = 200) -> HTMLResponse:
    sso = (
        '<a class="sso" href="/?sso=1">Sign in with your organisation account</a>'
        if _sso_configured()
        else ""
    )
    body = PAGE.format(
        error=f'<p class="error" role="alert">{html.escape(error)}</p>' if error else "",
        action=html.escape(f"{SIGNIN_PATH}?next={quote(next_path, safe='')}"),
        login=html.escape(login),
        sso=sso,
    )
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


async def signin(request: Request) -> Response:
    next_path = _safe_next(request.query_params.get("next"))
    if request.method == "GET":
        return _page(next_path)
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    login = (form.get("login") or [""])[0][:254]
    password = (form.get("password") or [""])[0][:1024]
    result = accounts.authenticate(db.get_engine(), login, password)
    if result.actor is None:
        return _page(next_path, result.message, login, status=401)
    response = RedirectResponse(next_path, status_code=303)
    _set_session_cookie(response, request, result.actor)
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
    actor = accounts.renewed_actor(db.get_engine(), request.query_params.get("token"))
    if actor is None:
        return RedirectResponse(SIGNIN_PATH, status_code=303)
    response = RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
    _set_session_cookie(response, request, actor)
    return response


async def signout(request: Request) -> Response:
    token = request.cookies.get(accounts.SESSION_COOKIE)
    actor = accounts.session_actor(db.get_engine(), token)
    if actor is not None:
        accounts.sign_out(db.get_engine(), actor)
    _TOKEN_CACHE.pop(token or "", None)
    response = RedirectResponse(SIGNIN_PATH, status_code=303)
    response.delete_cookie(accounts.SESSION_COOKIE, path="/")
    security.event("SIGNOUT_PAGE", actor.name if actor else "anonymous", "")
    return response


app = st.App(
    str(Path(__file__).with_name("app.py")),
    routes=[
        Route(SIGNIN_PATH, signin, methods=["GET", "POST"]),
        Route(SIGNOUT_PATH, signout, methods=["GET", "POST"]),
        Route(RENEW_PATH, renew, methods=["GET"]),
    ],
    middleware=[Middleware(SessionGate)],
)
