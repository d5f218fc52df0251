"""The benchmark's one table: each figure beside its floor, measured in the same run.

A `Row` holds a measured figure, its floor and its goal; `table()` renders every row as one
markdown table and `write()` saves the run to bench/results/<stamp>-<scales>.md and
bench/results/latest.md, with the machine and the method above the table.
"""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Row:
    """One figure of one scale on one database.

    `kind` says how the goal reads: "ratio" (measured / floor ≤ goal), "beyond" (measured −
    floor ≤ goal seconds), "limit" (measured ≤ goal, no floor). `unit` is "s" or "MB".
    A figure that could not be measured has `measured` None and says why in `note`.
    """

    figure: str
    scale: str
    database: str
    measured: float | None
    floor: float | None
    goal: float | None
    kind: str = "ratio"
    unit: str = "s"
    note: str = ""
    applies: bool = True  # False: the goal is for another scale (shown, not judged)
    broken: bool = False  # True: measured, but with errors (exception boxes, failed sessions)

    @property
    def ratio(self) -> float | None:
        if self.measured is None or not self.floor:
            return None
        return self.measured / self.floor

    @property
    def met(self) -> str:
        if self.broken:
            return "**no**"
        if self.measured is None:
            return "not measured"
        if self.goal is None or not self.applies:
            return "n/a"
        if self.kind == "ratio":
            ok = self.ratio is not None and self.ratio <= self.goal
        elif self.kind == "beyond":
            ok = self.floor is not None and self.measured - self.floor <= self.goal
        else:
            ok = self.measured <= self.goal
        return "yes" if ok else "**no**"

    def cells(self) -> list[str]:
        ratio = "—"
        if self.kind == "beyond" and self.measured is not None and self.floor is not None:
            beyond = self.measured - self.floor
            ratio = f"{'+' if beyond >= 0 else '−'}{abs(beyond):.2f} s"
        elif self.ratio is not None:
            ratio = f"{self.ratio:.1f}×"
        goal = "—"
        if self.goal is not None:
            goal = {
                "ratio": f"≤ {self.goal:g}×",
                "beyond": f"≤ floor + {self.goal:g} s",
                "limit": f"≤ {self.goal:g} {self.unit}",
            }[self.kind]
        return [
            self.figure + (f" ({self.note})" if self.note else ""),
            self.scale,
            self.database,
            _amount(self.measured, self.unit),
            _amount(self.floor, self.unit),
            ratio,
            goal,
            self.met,
        ]


def _amount(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "MB":
        return f"{value:,.0f} MB"
    return f"{value:.3f} s" if value < 1 else f"{value:,.2f} s"


HEADER = ["figure", "scale", "database", "measured", "floor", "ratio", "goal", "met?"]


def table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row.cells()) + " |" for row in rows]
    return "\n".join(lines)


def commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return done.stdout.strip() or "unknown"


def machine(started_at: str = "") -> str:
    """What the figures were measured on: cores, CPU, memory, load, commit (at the start of
    the run and at its end, when other work committed meanwhile)."""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        model = next(
            (
                line.split(":", 1)[1].strip()
                for line in cpuinfo.read_text().splitlines()
                if line.startswith("model name")
            ),
            "",
        )
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total_kb = int(meminfo.read_text().split()[1])
        memory = f", {total_kb / 1024**2:.0f} GB RAM"
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    now = commit()
    commits = now if started_at in ("", now) else f"{started_at} at the start, {now} at the end"
    return (
        f"{os.cpu_count()} cores ({model or platform.processor()}){memory}; load average "
        f"{load} at the end of the run; Python {platform.python_version()}; commit {commits}"
    )


METHOD = """\
How each figure is measured (all in this run, on this machine):

* **import of the actuals**: the current value of every (area, indicator, period) of the seeded
  database written as an actuals file, then `laa import actuals FILE` into a copy of the same
  database with no values (its revisions, commentary and their audit rows deleted), wall
  clock and peak memory from `/usr/bin/time -v`. Floor: the same file read with polars and
  loaded into a scratch table of the same columns, indexes and foreign keys (to the area and
  indicator tables) by one `executemany` (SQLite) or `COPY` (PostgreSQL), in batches of
  50,000 rows: no importer into this schema can skip the database's check of each row's area
  and indicator. The note gives the ratio to the same load without the foreign keys too. The
  goal (≤ 3×) is for the national and stress scales; at demo scale the command's start-up
  dominates.
* **export, one area**: `laa export status` (status, forecast) and `laa export reward` of the
  area with most targets, wall clock of the command; floor: `laa --help`; the two run in
  turn three times and each figure is the best of its three (the load drifts).
* **assess every target**: `metrics.assess` over every current agreement's targets of every
  area (loaded once through the store), best of 3; floor: one polars group-by of the same
  actuals by target (count, latest period, last value), best of 3. The goal is for the
  national and stress scales (at demo scale both take milliseconds).
* **first render**: the real server (`dashboard/server.py`) in headless Chromium, signed in
  as the administrator; each page of the menu opened once, by URL, with the busiest area
  selected, timed from navigation to a settled page (script finished, connected, no
  skeleton, main content present, still so 0.3 s later; the 0.3 s is not counted). Before
  that, each one-area page is opened once, untimed, for the busiest area of another region:
  the browser then holds the code of every kind of element (the chart library's 0.8 MB cost
  whichever page drew the first chart 0.2-0.45 s) as it holds the blank page's, and the
  measured area's data is still unread; pages across areas are not opened before. Floor:
  the hidden one-line page `/blank` on the same server, visited 5 times first and again after
  each page, the median of all those visits. Goal: ≤ 2× for one area's pages, ≤ 3× for pages
  across areas.
* **National view after a value is saved**: once every page has rendered, one new revision
  of the busiest area's latest value is saved through the store, and the National view is
  opened again: only that area is read and assessed again, the others' assessments are kept.
  Floor and goal as for a page across areas.
* **server memory**: resident set size of the streamlit process (`/proc/<pid>/status`) after
  every page has been visited once; the goal (≤ 600 MB) is for the national scale.
* **25 sessions on the overview**: a light websocket client (`bench/sessions.py`), no
  browser: it signs in once through the sign-in form, then opens 25 sessions with that cookie,
  each asking for one run of the overview of the same area (the server's caches warm), each
  timed from opening its websocket to the end of its run. Before timing, one run is checked to
  contain the overview (its title and a metric label). p50 and p95 of the times, and errors
  (exception boxes, a run that does not finish, a refused or closed session). Three figures:
  - *within 5 s*: the sessions open at 25 moments spread evenly at random over 5 seconds (the
    same moments every run), as a board does when the chair says "open the overview". Floor:
    one session alone by the same client (median of 3). The note gives the server's and the
    client's CPU seconds meanwhile, and the overview alone in Chromium, which adds the
    browser's loading and drawing.
  - *at the same instant*: all 25 open at once. One server process runs Python one thread at
    a time, so the last of 25 waits for the other 24 whatever the page: the floor is the same
    burst on the hidden blank page, and the ratio is what the overview costs over and above
    Streamlit's own work for 25 new sessions.
  - *two servers*: that burst spread over two servers on the same database (a second server
    started for it; sessions alternate between them, as a proxy with sticky sessions spreads
    new ones), beside the same burst on the blank page through both.
  Client and servers share the same cores; the client costs almost nothing.
"""


def write(rows: list[Row], scales: list[str], extra: str = "", started_at: str = "") -> Path:
    """Save the run's table (and the method) to bench/results; returns the run's file."""
    RESULTS.mkdir(exist_ok=True)
    now = datetime.now(UTC)
    name = f"{now:%Y-%m-%d-%H%M}-{'-'.join(scales)}.md"
    text = (
        f"# Benchmarks, {now:%Y-%m-%d %H:%M} UTC: {', '.join(scales)}\n\n"
        f"Machine: {machine(started_at)}.\n\n{table(rows)}\n\n{extra}{METHOD}"
    )
    path = RESULTS / name
    path.write_text(text)
    (RESULTS / "latest.md").write_text(text)
    return path
