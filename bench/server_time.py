"""Server-side time of one area's pages: each page script run in Streamlit's AppTest (the real
entrypoint, signed in as the administrator) against DATABASE_URL, without a browser. On a
machine shared with other work the Chromium figures of `bench.run` are noisy; this times what
the server itself does for a page, to compare before and after a change. Never part of the
tests.

    DATABASE_URL=sqlite:////tmp/laa-bench/national.db python -m bench.server_time --area N072
    ... --pages overview block --runs 5 --warm updates   # as the bench's menu order does
    ... --profile overview                               # cProfile of one cold run

Each run starts with cold caches (`st.cache_data` and `st.cache_resource` cleared), opens the
hidden blank page (the entrypoint's own reads: areas, settings) and then, with --warm, the
pages named there (the bench opens My updates before the overview, which leaves the area's
assessment cached), and times the page; the figure is the median of the runs.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import threading
import time
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import accounts, db, settings, store
from dashboard.access import Actor, Grant
from dashboard.ui import auth

ROOT = Path(__file__).resolve().parents[1]
ENTRYPOINT = str(ROOT / "dashboard" / "app.py")
PAGES = ("blank", "updates", "overview", "block", "partnership", "indicator", "review")


def _admin(url: str) -> str:
    """A user with the admin role (the scale seeds may hold none: add one)."""
    engine = db.get_engine(url)
    cli = store.cli_actor("bench")
    users = accounts.list_users(engine, cli)["username"].to_list()
    if "admin" not in users:
        accounts.add_user(engine, cli, "admin", "Bench Administrator", "bench-password")
        accounts.grant(engine, cli, "admin", Grant("admin"))
    return "admin"


def _open(page: str, user: str, area: str) -> tuple[float, AppTest]:
    at = AppTest.from_file(ENTRYPOINT, default_timeout=300)
    at.session_state[auth.SESSION_KEY] = Actor(user)
    at.query_params["area"] = area
    at.switch_page(f"../pages/{page}.py")
    start = time.perf_counter()
    at.run()
    took = time.perf_counter() - start
    problems = [e.value for e in at.exception] + [e.value for e in at.error]
    if problems:
        raise RuntimeError(f"{page}: {problems[0]}")
    return took, at


def _cold() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()
    db.dispose_all()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--area", required=True)
    ap.add_argument(
        "--pages", nargs="+", default=["blank", "overview", "block", "indicator", "review"]
    )
    ap.add_argument("--warm", nargs="*", default=[], help="pages opened before each timed one")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument(
        "--profile", help="a page to profile: one cold run, the script thread by cumulative time"
    )
    ap.add_argument("--top", type=int, default=45)
    args = ap.parse_args()  # fmt: skip

    url = settings.get_settings().database_url
    user = _admin(url)
    _open("blank", user, args.area)  # imports and first-run costs, outside every figure
    if args.profile:
        _cold()
        for page in ["blank", *args.warm]:
            _open(page, user, args.area)
        # AppTest runs the script in a thread of its own: a profiler for each thread started
        # now, and the busiest one (the script's) printed
        profilers: list[cProfile.Profile] = []

        def start(*_: object) -> None:
            profilers.append(cProfile.Profile())
            profilers[-1].enable()

        threading.setprofile(start)
        _open(args.profile, user, args.area)
        threading.setprofile(None)
        for found in profilers:
            found.disable()
        busiest = max(profilers, key=lambda p: pstats.Stats(p).total_tt)  # type: ignore[attr-defined]
        pstats.Stats(busiest).sort_stats("cumulative").print_stats(args.top)
        return
    for page in args.pages:
        times = []
        for _ in range(args.runs):
            _cold()
            for before in ["blank", *args.warm]:
                _open(before, user, args.area)
            times.append(_open(page, user, args.area)[0])
        print(
            f"{page:12s} median {statistics.median(times):.3f} s  "
            f"runs {' '.join(f'{t:.3f}' for t in times)}",
            flush=True,
        )


if __name__ == "__main__":
    main()
