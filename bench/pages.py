"""Page script times under AppTest (run by `make bench` after bench/run.py; not a test).

Each page of the dashboard runs through the real entrypoint (dashboard/app.py) on the demo
database (DATABASE_URL, default laa.db), next to an empty page (a script that only does
`st.write("x")`), which is AppTest's own cost. Each row: one warm-up run, then the median of
five reruns of the same session, so the Streamlit caches are warm as for a user clicking
around. Usage: `python bench/pages.py [AREA]` (default: the demo area with most targets).
"""

from __future__ import annotations

import logging
import statistics
import sys
import time
from pathlib import Path

import polars as pl
from streamlit.testing.v1 import AppTest

from dashboard import db, store
from dashboard.access import Actor
from dashboard.ui import auth

ENTRYPOINT = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
RUNS = 5
PAGES: list[tuple[str, str | None, dict[str, str]]] = [  # label, page file, extra URL params
    ("LSP overview", None, {}),
    ("LSP overview, meeting mode", None, {"meeting": "true"}),
    ("Block", "../pages/block.py", {}),
    ("Thematic partnership", "../pages/partnership.py", {}),
    ("Indicator", "../pages/indicator.py", {}),
]


def script_times(at: AppTest) -> list[float]:
    """Seconds of one warm-up run (dropped) and RUNS reruns; fails on an exception."""
    times = []
    for _ in range(RUNS + 1):
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        if at.exception:
            raise SystemExit(f"the page raised: {at.exception[0].value}")
    return times[1:]


def busiest_area() -> str | None:
    """The demo area with the most targets (the heaviest pages), or None when empty."""
    engine = db.get_engine()
    areas = store.list_areas(engine, store.cli_actor("reader"))
    if areas.is_empty():
        return None
    scope = store.load_scope(engine, store.cli_actor("reader"), areas["area_code"].to_list())
    counts = (
        scope.targets.group_by("area_code")
        .len()
        .sort(["len", "area_code"], descending=[True, False])
    )
    return str(counts["area_code"][0]) if counts.height else str(areas["area_code"][0])


def main() -> None:
    # AppTest has no server session: Streamlit warns, harmlessly, for each app (a filter,
    # because Streamlit resets its loggers' levels when an app runs)
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: "missing ScriptRunContext" not in record.getMessage()
    )
    area = sys.argv[1] if len(sys.argv) > 1 else busiest_area()
    if area is None:
        print("demo database is empty: run `make db` first")
        return
    empty_page = AppTest.from_string('import streamlit as st\nst.write("x")')
    rows = [("empty page (st.write)", script_times(empty_page))]
    for label, page, params in PAGES:
        at = AppTest.from_file(ENTRYPOINT, default_timeout=120)
        at.session_state[auth.SESSION_KEY] = Actor("admin")  # the demo's administrator
        for key, value in {"area": area, **params}.items():
            at.query_params[key] = value
        if page is not None:
            at.switch_page(page)
        rows.append((label, script_times(at)))
    empty = statistics.median(rows[0][1])
    table = pl.DataFrame(
        {
            "page": [label for label, _ in rows],
            "median ms": [round(statistics.median(t) * 1000, 1) for _, t in rows],
            "min ms": [round(min(t) * 1000, 1) for _, t in rows],
            "max ms": [round(max(t) * 1000, 1) for _, t in rows],
            "x empty": [round(statistics.median(t) / empty, 1) for _, t in rows],
        }
    )
    print(f"page script times under AppTest, area {area}, median of {RUNS} after one warm-up")
    with pl.Config(tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True, tbl_rows=20):
        print(table)


if __name__ == "__main__":
    main()
