"""The benchmark's light session client (bench/sessions.py), without a Streamlit server: its
messages, its reading of a run's stream, its percentile, and its sign-in and websocket
against small stand-ins that speak the same protocol."""

from __future__ import annotations

import asyncio
import html
import threading
from collections.abc import Awaitable, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TypeVar
from urllib.parse import parse_qs

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from bench import sessions
from dashboard.accounts import SESSION_COOKIE

# ---- percentile -------------------------------------------------------------------------


def _run(coroutine):  # type: ignore[no-untyped-def]
    """Run a coroutine on its own thread's event loop: a browser test earlier in the same
    session keeps Playwright's loop running on the main thread, where asyncio.run refuses."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_p95_is_the_nearest_rank() -> None:
    # 25 values: 95% of 25 is 23.75, so the 24th smallest is the first that 95% reach.
    assert sessions.p95([float(v) for v in range(25, 0, -1)]) == 24.0
    # 20 values: 95% of 20 is exactly 19, the 19th smallest.
    assert sessions.p95([float(v) for v in range(1, 21)]) == 19.0
    # one slow session in 25 is past the 95th percentile; two are not
    assert sessions.p95([1.0] * 24 + [60.0]) == 1.0
    assert sessions.p95([1.0] * 23 + [60.0, 60.0]) == 60.0
    assert sessions.p95([3.5]) == 3.5


# ---- messages ---------------------------------------------------------------------------


def test_the_first_message_asks_for_one_run_of_the_page() -> None:
    msg = BackMsg()
    msg.ParseFromString(sessions.rerun_message("area=D07", "overview"))
    assert msg.WhichOneof("type") == "rerun_script"
    assert msg.rerun_script.query_string == "area=D07"
    assert msg.rerun_script.page_name == "overview"
    # nothing cached, so the server sends every message whole (no references to fetch)
    assert list(msg.rerun_script.cached_message_hashes) == []
    assert len(msg.rerun_script.widget_states.widgets) == 0


def test_a_frame_is_read_as_a_forward_message() -> None:
    sent = ForwardMsg(script_finished=ForwardMsg.FINISHED_SUCCESSFULLY)
    got = sessions.forward_message(sent.SerializeToString())
    assert got.WhichOneof("type") == "script_finished"
    with pytest.raises(RuntimeError):
        sessions.forward_message("a text frame")


def test_stream_url_follows_the_scheme() -> None:
    assert sessions.stream_url("http://127.0.0.1:8650") == "ws://127.0.0.1:8650/_stcore/stream"
    assert sessions.stream_url("https://laa.example") == "wss://laa.example/_stcore/stream"


def _markdown(body: str) -> ForwardMsg:
    msg = ForwardMsg()
    msg.delta.new_element.markdown.body = body
    return msg


def _exception(kind: str) -> ForwardMsg:
    msg = ForwardMsg()
    msg.delta.new_element.exception.type = kind
    msg.delta.new_element.exception.message = "details for the log"
    return msg


def _finished(status: int) -> ForwardMsg:
    return ForwardMsg(script_finished=status)


# ---- reading a run ----------------------------------------------------------------------


def test_a_clean_run_ends_at_its_successful_finish() -> None:
    run = sessions.Run(keep_text=True)
    for msg in (ForwardMsg(), _markdown("Wansmouth LSP overview"), _markdown("Cliff edge")):
        run.observe(msg)
        assert not run.finished
    run.observe(_finished(ForwardMsg.FINISHED_SUCCESSFULLY))
    assert run.finished
    assert run.problem == ""
    assert run.shows("LSP overview", "Cliff edge") == []
    assert run.shows("LSP overview", "Meeting mode") == ["Meeting mode"]


def test_an_interrupted_run_waits_for_the_rerun() -> None:
    run = sessions.Run()
    run.observe(_finished(ForwardMsg.FINISHED_EARLY_FOR_RERUN))
    assert not run.finished  # the rerun that interrupted it is still to come
    run.observe(_finished(ForwardMsg.FINISHED_SUCCESSFULLY))
    assert run.finished and run.problem == ""


def test_exception_boxes_and_bad_finishes_are_problems() -> None:
    run = sessions.Run()
    run.observe(_exception("KeyError"))
    run.observe(_exception("KeyError"))
    run.observe(_exception("ValueError"))
    run.observe(_finished(ForwardMsg.FINISHED_SUCCESSFULLY))
    assert run.finished
    assert run.problem == "3 exception box(es) (KeyError, ValueError)"

    broken = sessions.Run()
    broken.observe(_finished(ForwardMsg.FINISHED_WITH_COMPILE_ERROR))
    assert broken.finished and "did not compile" in broken.problem

    lost = sessions.Run()
    lost.observe(ForwardMsg(page_not_found={}))
    assert not lost.finished and lost.problem == "page not found"


def test_text_is_kept_only_when_asked() -> None:
    run = sessions.Run()
    run.observe(_markdown("Cliff edge"))
    assert run.text == []


# ---- the sign-in form -------------------------------------------------------------------

FORM_COOKIE = "laa_csrf"
T = TypeVar("T")


def _form_page(token: str) -> str:
    return (
        '<form method="post" action="/account/signin?next=%2F">'
        f'<input type="hidden" name="csrf" value="{html.escape(token)}">'
        '<input id="login" name="login" type="text"></form>'
    )


def test_the_form_token_is_read_unescaped() -> None:
    assert sessions.form_token(_form_page('tok&en"1')) == 'tok&en"1'
    with pytest.raises(RuntimeError):
        sessions.form_token("<form><input name='login'></form>")


class _SignInStandIn(BaseHTTPRequestHandler):
    """Answers like the sign-in gate: GET sets the form cookie, POST wants the token, the
    form cookie and the right password, and answers 303 with the session cookie."""

    def do_GET(self) -> None:
        page = _form_page("token-1").encode()
        self.send_response(200)
        self.send_header("Set-Cookie", f"{FORM_COOKIE}=nonce-1; Path=/account/signin")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def do_POST(self) -> None:
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        cookie_ok = f"{FORM_COOKIE}=nonce-1" in (self.headers.get("Cookie") or "")
        if not cookie_ok or form.get("csrf") != ["token-1"]:
            self.send_response(403)
        elif form.get("login") != ["admin"] or form.get("password") != ["right"]:
            self.send_response(401)
        else:
            self.send_response(303)
            self.send_header("Location", "/")
            self.send_header("Set-Cookie", f"{SESSION_COOKIE}=signed-1; Path=/; HttpOnly")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def signin_base() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SignInStandIn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_sign_in_keeps_the_session_cookie(signin_base: str) -> None:
    assert sessions.sign_in(signin_base, "admin", "right") == "signed-1"


def test_a_refused_sign_in_says_so(signin_base: str) -> None:
    with pytest.raises(RuntimeError, match="HTTP 401"):
        sessions.sign_in(signin_base, "admin", "wrong")


# ---- the websocket ----------------------------------------------------------------------


class _AppStandIn:
    """A websocket at /_stcore/stream like the served app's: refused without the session
    cookie, then for each rerun_script some deltas and a script_finished (or, told so, a
    close halfway through)."""

    def __init__(self, close_halfway: bool = False) -> None:
        self.close_halfway = close_halfway
        self.asked: list[BackMsg] = []
        self.protocols: list[str | None] = []
        self.open = 0  # connections open right now

    def gate(self, _: ServerConnection, request: Request) -> Response | None:
        if f"{SESSION_COOKIE}=signed-1" not in request.headers.get("Cookie", ""):
            return Response(403, "Forbidden", Headers(), b"")
        return None

    async def handle(self, socket: ServerConnection) -> None:
        self.protocols.append(socket.subprotocol)
        self.open += 1
        try:
            await self._answer(socket)
        finally:
            self.open -= 1

    async def _answer(self, socket: ServerConnection) -> None:
        async for frame in socket:
            msg = BackMsg()
            msg.ParseFromString(frame)
            self.asked.append(msg)
            await socket.send(ForwardMsg(new_session={}).SerializeToString())
            await socket.send(_markdown("Cliff edge").SerializeToString())
            if self.close_halfway:
                await socket.close(1011)
                return
            await asyncio.sleep(0.05)  # the script's work, which the run's time must include
            await socket.send(_finished(ForwardMsg.FINISHED_SUCCESSFULLY).SerializeToString())


async def _with_app(app: _AppStandIn, client: Callable[[str], Awaitable[T]]) -> T:
    async with serve(
        app.handle, "127.0.0.1", 0, process_request=app.gate, subprotocols=["streamlit"]
    ) as server:
        port = server.sockets[0].getsockname()[1]
        return await client(f"http://127.0.0.1:{port}")


def test_a_session_runs_the_page_and_times_it() -> None:
    app = _AppStandIn()

    async def client(base: str) -> sessions.Timed:
        return await sessions.open_session(base, "signed-1", "area=D07", keep_text=True)

    timed = _run(_with_app(app, client))
    assert timed.problem == ""
    assert timed.seconds >= 0.05
    assert timed.run.shows("Cliff edge") == []
    assert app.protocols == ["streamlit"]
    assert [m.rerun_script.query_string for m in app.asked] == ["area=D07"]


def test_without_the_cookie_the_session_is_refused() -> None:
    async def client(base: str) -> sessions.Timed:
        return await sessions.open_session(base, "forged", "area=D07")

    timed = _run(_with_app(_AppStandIn(), client))
    assert timed.problem == "refused (HTTP 403)"


def test_a_stream_that_stops_before_the_end_is_an_error() -> None:
    async def client(base: str) -> sessions.Timed:
        return await sessions.open_session(base, "signed-1")

    timed = _run(_with_app(_AppStandIn(close_halfway=True), client))
    assert timed.problem == "closed before the page finished (code 1011)"


def test_concurrent_sessions_stay_open_until_released() -> None:
    app = _AppStandIn()
    open_during: list[int] = []

    async def client(base: str) -> list[sessions.Timed]:
        async with sessions.arriving_sessions([base], "signed-1", 5, 0, "area=D07") as runs:
            open_during.append(app.open)  # every run has ended, no session has closed
            return runs

    runs = _run(_with_app(app, client))
    assert len(runs) == 5 and all(r.problem == "" for r in runs)
    assert open_during == [5]
    assert len(app.asked) == 5
    assert app.open == 0  # closed on leaving


def test_arriving_sessions_are_timed_from_their_own_moment_and_spread_over_servers() -> None:
    first, second = _AppStandIn(), _AppStandIn()

    async def client(base: str) -> tuple[list[sessions.Timed], float]:
        async with serve(
            second.handle, "127.0.0.1", 0, process_request=second.gate,
            subprotocols=["streamlit"],
        ) as other:  # fmt: skip
            port = other.sockets[0].getsockname()[1]
            started = asyncio.get_running_loop().time()
            async with sessions.arriving_sessions(
                [base, f"http://127.0.0.1:{port}"], "signed-1", 6, 0.6, "area=D07", seed=3
            ) as runs:
                return runs, asyncio.get_running_loop().time() - started

    runs, took = _run(_with_app(first, client))
    assert len(runs) == 6 and all(r.problem == "" for r in runs)
    # each run is its own 50 ms of work, not the wait before its moment
    assert all(0.05 <= r.seconds < 0.5 for r in runs)
    assert took >= 0.3  # the moments really are spread (the latest of six within 0.6 s)
    assert len(first.asked) == 3 and len(second.asked) == 3  # as a proxy spreads sessions
