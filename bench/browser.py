"""The figures measured against the real server: in Chromium, each page's first render beside
a one-line page on the same server and the server's memory after every page; with a light
websocket client (bench/sessions.py), 25 sessions on the overview (arriving within 5 s, beside
one session alone; all at once, on one server and on two, beside the same burst on the blank
page), so those figures are the servers', not 25 browser tabs' on the same cores."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from bench import databases, sessions
from bench.report import Row
from seed_data.demo_users import DEMO_PASSWORD

STREAMLIT = str(Path(sys.executable).with_name("streamlit"))
PORT = int(os.environ.get("BENCH_PORT", "8621"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
VIEWPORT = {"width": 1400, "height": 1000}
PAGE_TIMEOUT_MS = 300_000
SESSIONS = 25
# A board following the chair's "open the overview": every member within a few seconds.
SPREAD_S = 5.0
BLANK_VISITS = 5
# Texts of the overview that must be in the light client's stream before it is timed.
OVERVIEW_TEXTS = ("LSP overview", "Cliff edge")
# Pages that read across areas (goal ≤ 3× the blank page); every other page is one area's (≤ 2×).
# The region and national views (issue 13) assess every area they show in one pass; Compare
# areas (in the menu's 'Across areas') reads one indicator's values in every area of the group.
ACROSS_AREAS = {
    "returns", "audit", "burden", "reporting-lines", "users", "region", "national", "compare",
}  # fmt: skip
SETTLED = """() => {
    const app = document.querySelector("[data-testid='stApp']");
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    const conn = app.getAttribute('data-test-connection-state');
    if (conn !== null && conn !== 'CONNECTED') return false;
    if (document.querySelector("[data-testid='stSkeleton']")) return false;
    return !!document.querySelector("[data-testid='stMain'] [data-testid='stElementContainer']");
}"""


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        if found := shutil.which(name):
            return found
    return None


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (/proc/<pid>/stat), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """Resident set size of a process, in MB (VmRSS of /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def serve(
    url: str, work: Path, port: int = PORT, log_name: str = "server.log"
) -> Iterator[tuple[str, int]]:
    """The served app (`dashboard/server.py`, sign-in gate included) over `url` on `port`;
    yields its base URL and process id, and stops it afterwards."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise RuntimeError(f"port {port} is in use: set BENCH_PORT to a free one")
    log = (work / log_name).open("w")
    proc = subprocess.Popen(
        [STREAMLIT, "run", "dashboard/server.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=databases.ROOT, env=databases.env(url, work), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: see {work / log_name}")
            time.sleep(0.3)
        yield base, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


async def settle(page) -> float:  # type: ignore[no-untyped-def]
    """Wait until the page has settled; the moment it did (perf_counter). A page that starts
    another run within 0.3 s (a rerun, a forward) is waited for again."""
    while True:
        await page.wait_for_function(SETTLED, timeout=PAGE_TIMEOUT_MS, polling=50)
        settled = time.perf_counter()
        await page.wait_for_timeout(300)
        if await page.evaluate(SETTLED):
            return settled


async def visit(page, url: str) -> tuple[float, str]:  # type: ignore[no-untyped-def]
    """Seconds from navigation to a settled page, and what went wrong ("" when nothing)."""
    start = time.perf_counter()
    try:
        await page.goto(url, timeout=PAGE_TIMEOUT_MS)
        took = await settle(page) - start
    except Exception as exc:  # a page that never settles is a finding, not a crash
        return time.perf_counter() - start, f"did not settle ({exc.__class__.__name__})"
    boxes = await page.locator("[data-testid='stException']").count()
    return took, f"{boxes} exception box(es)" if boxes else ""


async def sign_in(page, base: str) -> None:  # type: ignore[no-untyped-def]
    """Open the blank page, which lands on the sign-in form; sign in as the administrator."""
    await page.goto(f"{base}/blank", timeout=PAGE_TIMEOUT_MS)
    await page.get_by_label("User name or email").fill("admin")
    box = page.get_by_label("Password")
    await box.fill(os.environ.get("BENCH_ADMIN_PASSWORD", DEMO_PASSWORD))
    await box.press("Enter")
    await page.wait_for_url(lambda u: "/account/signin" not in u, timeout=60_000)
    await settle(page)


async def menu_paths(page) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(label, path) of every page in the administrator's menu, in menu order."""
    links = page.locator("[data-testid='stSidebarNav'] a")
    found: list[tuple[str, str]] = []
    for i in range(await links.count()):
        link = links.nth(i)
        path = urlsplit(await link.get_attribute("href") or "/").path.strip("/")
        label = (await link.inner_text()).strip().splitlines()[-1]
        if path not in {p for _, p in found}:
            found.append((label, path))
    return found


async def _measure(
    base: str, pid: int, area: str, warm_area: str | None, scale: str, backend: str,
    write_one_value: Callable[[], None],
    second: Callable[[], AbstractContextManager[tuple[str, int]]],
) -> list[Row]:  # fmt: skip
    from playwright.async_api import async_playwright

    path = chromium()
    assert path is not None
    rows: list[Row] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        context = await browser.new_context(viewport=VIEWPORT)
        page = await context.new_page()
        await sign_in(page, base)
        pages = await menu_paths(page)
        if warm_area is not None:
            # Every one-area page once for an area of another region, untimed: the browser
            # then holds the code of each kind of element (the chart library's is 0.8 MB, and
            # cost its first page 0.2-0.45 s) as it holds the blank page's, and the server has
            # imported every page; the measured area's data stays unread. Pages across areas
            # are left out: they would read the very data they are timed on.
            for _, slug in pages:
                if slug not in ACROSS_AREAS:
                    await visit(page, f"{base}/{slug}?area={warm_area}")
        blank_url = f"{base}/blank?area={area}"
        blanks = [(await visit(page, blank_url))[0] for _ in range(BLANK_VISITS)]
        renders = []
        for label, slug in pages:  # each page's first render, as a user opening the menu
            renders.append((label, slug, *await visit(page, f"{base}/{slug}?area={area}")))
            blanks.append((await visit(page, blank_url))[0])  # the floor, as the load drifts
        blank = statistics.median(blanks)
        for label, slug, took, problem in renders:
            across = slug in ACROSS_AREAS
            what = "across areas" if across else f"area {area}"
            rows.append(
                Row(
                    f"first render: {label} ({what})", scale, backend,
                    None if problem.startswith("did not") else took, blank, 3 if across else 2,
                    note=problem, broken=bool(problem),
                )
            )  # fmt: skip
        if "national" in {slug for _, slug in pages}:
            # A value saved in one area, then the national view again: only that area is
            # assessed afresh (the others' parts are kept), so it opens near a page of one area.
            await asyncio.to_thread(write_one_value)
            took, problem = await visit(page, f"{base}/national?area={area}")
            rows.append(
                Row(
                    f"National view after a value is saved in {area}", scale, backend,
                    None if problem.startswith("did not") else took, blank, 3,
                    note=problem or "the other areas' assessments kept", broken=bool(problem),
                )
            )  # fmt: skip
        rows.append(
            Row("server memory after every page", scale, backend, rss_mb(pid), None, 600,
                kind="limit", unit="MB", applies=scale != "demo")
        )  # fmt: skip
        # The overview alone in Chromium: what the light client's "alone" should be near.
        overview = f"{base}/overview?area={area}"
        in_chromium = statistics.median([(await visit(page, overview))[0] for _ in range(3)])
        await browser.close()
    try:
        concurrent = await _concurrent_rows(base, pid, area, scale, backend, in_chromium, second)
        return [*rows, *concurrent]
    except Exception as exc:  # the page renders above still stand
        note = f"light websocket client failed: {exc}"[:200]
        figure = f"{SESSIONS} sessions opening the overview, p95"
        return [*rows, Row(figure, scale, backend, None, None, 3, note=note)]


@dataclass(frozen=True)
class Burst:
    """SESSIONS runs on one page: their times, and the note a row gives (p50, errors)."""

    runs: list[sessions.Timed]

    @property
    def errors(self) -> int:
        return sum(1 for r in self.runs if r.problem)

    @property
    def p95(self) -> float:
        return sessions.p95([r.seconds for r in self.runs])

    @property
    def note(self) -> str:
        problems = sorted({r.problem for r in self.runs if r.problem})
        p50 = statistics.median([r.seconds for r in self.runs])
        return f"p50 {p50:.2f} s, {self.errors} error(s)" + (
            f": {'; '.join(problems)}" if problems else ""
        )


async def _burst(
    bases: list[str], cookie: str, query: str, page: str, within_s: float = 0
) -> Burst:
    """SESSIONS sessions on a page (all at once, or arriving within `within_s`), spread over
    `bases`."""
    async with sessions.arriving_sessions(
        bases, cookie, SESSIONS, within_s, query, page
    ) as results:
        return Burst(results)


async def _concurrent_rows(
    base: str, pid: int, area: str, scale: str, backend: str, in_chromium: float,
    second: Callable[[], AbstractContextManager[tuple[str, int]]],
) -> list[Row]:  # fmt: skip
    """SESSIONS sessions on the overview of the same area (the server's caches warm), by the
    light websocket client, Chromium closed: arriving within SPREAD_S seconds, beside one
    session alone; all at the same instant, beside the same burst on the blank page; and
    that burst again through two servers on the same database (`second` starts the other)."""
    figure = f"{SESSIONS} sessions opening the overview within {SPREAD_S:.0f} s, p95"
    password = os.environ.get("BENCH_ADMIN_PASSWORD", DEMO_PASSWORD)
    cookie = await asyncio.to_thread(sessions.sign_in, base, "admin", password)  # argon2 once
    query = f"area={area}"
    page = "overview"  # by its own path: the root URL forwards there first

    async def check(on: str) -> str:
        """Why the light client's stream lacks the overview ("" when it holds it)."""
        run = await sessions.open_session(on, cookie, query, page_name=page, keep_text=True)
        missing = run.run.shows(*OVERVIEW_TEXTS)
        return run.problem or ("no " + ", ".join(f"'{m}'" for m in missing) if missing else "")

    # The client renders nothing: first make sure the stream really holds the overview.
    if why := await check(base):
        return [Row(figure, scale, backend, None, None, 3,
                    note=f"light websocket client: the overview did not render ({why})")]  # fmt: skip
    alone = statistics.median(
        [(await sessions.open_session(base, cookie, query, page_name=page)).seconds
         for _ in range(3)]
    )  # fmt: skip
    cpu, client, wall = cpu_seconds(pid), time.process_time(), time.perf_counter()
    spread = await _burst([base], cookie, query, page, SPREAD_S)
    wall, cpu = time.perf_counter() - wall, cpu_seconds(pid) - cpu
    client = time.process_time() - client
    memory = rss_mb(pid)
    blank_burst = await _burst([base], cookie, query, "blank")
    burst = await _burst([base], cookie, query, page)
    rows = [
        Row(figure, scale, backend, spread.p95, alone, 3,
            note=f"light websocket client, each session at its own moment; {spread.note}; in "
            f"{wall:.1f} s the server used {cpu:.1f} s of CPU, the client {client:.1f} s; one "
            f"session alone in Chromium {in_chromium:.2f} s",
            broken=spread.errors > 0),
        Row(f"{SESSIONS} sessions opening the overview at the same instant, p95", scale,
            backend, burst.p95, blank_burst.p95, 3,
            note=f"floor: the same burst on the blank page; {burst.note}",
            broken=burst.errors > 0),
    ]  # fmt: skip
    with second() as (other, _):
        if why := await check(other):  # also warms the other server's caches
            rows.append(Row(f"{SESSIONS} sessions at the same instant, two servers", scale,
                            backend, None, None, 3, note=f"the second server: {why}"))  # fmt: skip
        else:
            both = [base, other]
            blank_two = await _burst(both, cookie, query, "blank")
            two = await _burst(both, cookie, query, page)
            rows.append(
                Row(f"{SESSIONS} sessions opening the overview at the same instant, two "
                    "servers on one database, p95", scale, backend, two.p95, blank_two.p95,
                    3, note=f"floor: the same burst on the blank page through both; {two.note}",
                    broken=two.errors > 0)
            )  # fmt: skip
    rows.append(
        Row(f"server memory after {SESSIONS} sessions", scale, backend, memory, None, None,
            kind="limit", unit="MB")
    )  # fmt: skip
    return rows


def browser_rows(
    scale: str, backend: str, url: str, work: Path, area: str, warm_area: str | None = None
) -> list[Row]:
    if chromium() is None:
        return [
            Row("page renders in Chromium", scale, backend, None, None, None,
                note="no Chromium: apt-get install chromium")
        ]  # fmt: skip
    with serve(url, work) as (base, pid):
        second = partial(serve, url, work, PORT + 1, "server-2.log")
        write = partial(_write_one_value, url, area)
        return asyncio.run(_measure(base, pid, area, warm_area, scale, backend, write, second))


def _write_one_value(url: str, area: str) -> None:
    """A new revision of `area`'s latest current value (one more than it was), saved as a
    user of the app would, through the store."""
    from dashboard import db, store

    engine = db.get_engine(url)
    actor = store.cli_actor("bench")
    latest = store.current_actuals(engine, actor, [area]).sort("period").row(-1, named=True)
    row = {k: latest[k] for k in ("area_code", "indicator_code", "period")}
    with db.write_transaction(engine) as conn:
        store.save_actuals(conn, actor, [{**row, "value": latest["value"] + 1}], "bench")
    db.dispose_all()
