"""Streamlit sessions opened by a light client: no browser, just the websocket a browser opens.

A browser signs in through the form at `/account/signin`, then opens `/_stcore/stream` with
the session cookie and sends one `rerun_script` BackMsg (the page and its query string); the
server runs the script and streams ForwardMsgs, the last of a run being `script_finished`.
This client does the same and only parses what comes back (no layout, no scripts, no drawing),
so 25 concurrent sessions measure the server rather than 25 browser tabs on the same cores. A
run is timed from opening the websocket to the `script_finished` that ends it.

A client that says it has cached no message is sent every message whole (never a `ref_hash`),
so the stream holds all of the page; an exception box or a script that did not finish well is
an error. A run with `keep_text=True` keeps the page's text, to check that it really rendered
the page before timing it.
"""

from __future__ import annotations

import asyncio
import html
import random
import re
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from urllib.parse import urlencode, urlsplit

from google.protobuf import text_format
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from dashboard.accounts import SESSION_COOKIE

SIGNIN_PATH = "/account/signin"
STREAM_PATH = "/_stcore/stream"
SUBPROTOCOL = "streamlit"  # the first Sec-WebSocket-Protocol entry the server selects
RUN_TIMEOUT_S = 300.0
_TOKEN = re.compile(r'<input[^>]*name="csrf"[^>]*value="([^"]*)"')


@dataclass
class Run:
    """What one session's script run sent back, as it arrives."""

    keep_text: bool = False
    finished: bool = False  # a script_finished that ends the run has arrived
    exceptions: list[str] = field(default_factory=list)  # exception boxes' types, as shown
    problems: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)  # every element, when keep_text
    messages: int = 0

    @property
    def problem(self) -> str:
        """What went wrong, "" when nothing did."""
        boxes = []
        if self.exceptions:  # the kinds say where to look in the server's log
            kinds = ", ".join(sorted(set(self.exceptions)))
            boxes.append(f"{len(self.exceptions)} exception box(es) ({kinds})")
        return "; ".join(boxes + self.problems)

    def observe(self, msg: ForwardMsg) -> None:
        """Take one ForwardMsg into account."""
        self.messages += 1
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            if element.WhichOneof("type") == "exception":
                self.exceptions.append(element.exception.type or "error")
            if self.keep_text:
                self.text.append(text_format.MessageToString(element, as_utf8=True))
        elif kind == "page_not_found":
            self.problems.append("page not found")
        elif kind == "script_finished":
            status = msg.script_finished
            # An interrupted run is followed by the rerun that interrupted it: wait for that.
            if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                self.problems.append("the page's script did not compile")
                self.finished = True
            elif status == ForwardMsg.FINISHED_SUCCESSFULLY:
                self.finished = True

    def shows(self, *needles: str) -> list[str]:
        """The needles missing from the page's text (keep_text runs only)."""
        whole = "\n".join(self.text)
        return [n for n in needles if n not in whole]


@dataclass(frozen=True)
class Timed:
    """One session's run: its seconds (to the end, or to where it stopped) and its problem."""

    seconds: float
    problem: str
    run: Run


def form_token(page: str) -> str:
    """The anti-forgery token of the sign-in page's form."""
    found = _TOKEN.search(page)
    if found is None:
        raise RuntimeError("the sign-in page has no form token")
    return html.unescape(found.group(1))


def rerun_message(query_string: str = "", page_name: str = "") -> bytes:
    """The BackMsg a browser sends first: run the page (`page_name` is its URL path, "" the
    default page) with this query string, no widget state and no cached messages."""
    msg = BackMsg()
    msg.rerun_script.query_string = query_string
    msg.rerun_script.page_name = page_name
    return msg.SerializeToString()


def forward_message(frame: bytes | str) -> ForwardMsg:
    """A ForwardMsg from one binary websocket frame."""
    if isinstance(frame, str):
        raise RuntimeError("the server sent a text frame where a message was expected")
    msg = ForwardMsg()
    msg.ParseFromString(frame)
    return msg


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None  # the 303 after signing in is the answer: keep its cookie, go no further


def sign_in(base: str, login: str, password: str) -> str:
    """Sign in through the form, as a browser does (GET sets the form cookie and token, POST
    the form); the session cookie's value. Blocking: argon2 runs once on the server."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    with opener.open(f"{base}{SIGNIN_PATH}", timeout=60) as answer:
        token = form_token(answer.read().decode("utf-8"))
    body = urlencode({"csrf": token, "login": login, "password": password}).encode()
    try:
        with opener.open(f"{base}{SIGNIN_PATH}?next=%2F", data=body, timeout=120) as answer:
            status = answer.status  # 200: the form again, with a refusal
    except urllib.error.HTTPError as answer:  # 303 (signed in), 401, 403, 429
        status = answer.code
    cookie = next((c.value for c in jar if c.name == SESSION_COOKIE and c.value), None)
    if status != 303 or cookie is None:
        raise RuntimeError(f"signing in as {login} was refused (HTTP {status})")
    return cookie


def stream_url(base: str) -> str:
    parts = urlsplit(base)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}{STREAM_PATH}"


class Session:
    """One browser-less session: a websocket to the app, opened on its first run."""

    def __init__(self, base: str, cookie: str) -> None:
        self.base, self.cookie = base, cookie
        self._socket: ClientConnection | None = None

    async def run(
        self,
        query_string: str = "",
        page_name: str = "",
        keep_text: bool = False,
        timeout: float = RUN_TIMEOUT_S,
    ) -> Timed:
        """Run a page once, timed from the request (opening the websocket, the first time)
        to the end of the run. A failure (refused, closed, timed out) is a problem, not an
        exception."""
        run = Run(keep_text=keep_text)
        start = time.perf_counter()
        try:
            async with asyncio.timeout(timeout):
                if self._socket is None:
                    self._socket = await connect(
                        stream_url(self.base),
                        subprotocols=[SUBPROTOCOL],  # type: ignore[list-item]
                        additional_headers={"Cookie": f"{SESSION_COOKIE}={self.cookie}"},
                        max_size=None,  # a page's data frames can pass the 1 MiB default
                        open_timeout=None,  # the run's timeout covers the opening too
                    )
                await self._socket.send(rerun_message(query_string, page_name))
                while not run.finished:
                    run.observe(forward_message(await self._socket.recv()))
        except TimeoutError:
            run.problems.append(f"did not finish in {timeout:.0f} s")
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else "none"
            run.problems.append(f"closed before the page finished (code {code})")
        except InvalidStatus as refused:
            run.problems.append(f"refused (HTTP {refused.response.status_code})")
        except InvalidHandshake as exc:
            run.problems.append(f"could not open the session ({exc.__class__.__name__})")
        except OSError as exc:
            run.problems.append(f"could not connect ({exc.__class__.__name__})")
        return Timed(time.perf_counter() - start, run.problem, run)

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
            self._socket = None

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()


async def open_session(
    base: str, cookie: str, query_string: str = "", page_name: str = "", keep_text: bool = False
) -> Timed:
    """A new session that runs a page once and closes."""
    async with Session(base, cookie) as session:
        return await session.run(query_string, page_name, keep_text)


@asynccontextmanager
async def arriving_sessions(
    bases: list[str],
    cookie: str,
    count: int,
    within_s: float,
    query_string: str = "",
    page_name: str = "",
    seed: int = 1,
) -> AsyncIterator[list[Timed]]:
    """`count` new sessions, each opened at its own moment within `within_s` seconds
    (uniform, from `seed`: the same moments every run; 0 opens them all at once) and each
    run timed from its own opening; session i goes to `bases[i % len(bases)]`, as a proxy
    with sticky sessions spreads new sessions over its servers. Their runs, while they are
    all still open."""
    draw = random.Random(seed)
    moments = sorted(draw.uniform(0, within_s) for _ in range(count))
    opened = [Session(bases[i % len(bases)], cookie) for i in range(count)]

    async def later(session: Session, moment: float) -> Timed:
        await asyncio.sleep(moment)
        return await session.run(query_string, page_name)

    try:
        yield list(
            await asyncio.gather(*(later(s, m) for s, m in zip(opened, moments, strict=True)))
        )
    finally:
        await asyncio.gather(*(s.close() for s in opened))


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile: the smallest value at least 95% of the values reach."""
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]
