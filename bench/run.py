"""`make bench`: every figure of issue #12 beside its floor, measured in the same run, on the
benchmark's own databases, for each scale (demo, national; stress on request) and backend
(SQLite; PostgreSQL when one answers). Prints one table and writes it to
bench/results/<date>-<scales>.md and bench/results/latest.md. Never part of the tests.

    python -m bench.run                                  # demo and national, SQLite and PG
    python -m bench.run --scales demo --databases sqlite
    python -m bench.run --scales "national stress" --skip browser

Work folder: BENCH_DIR (default /tmp/laa-bench); PostgreSQL: BENCH_PG_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres when it answers), where the run creates
and drops its own databases laa_bench_<scale> and laa_bench_<scale>_import. The server runs
on BENCH_PORT (default 8621).
"""

from __future__ import annotations

import argparse
import os
import time
import traceback
from pathlib import Path

from bench import browser, databases, figures, report
from bench.report import Row

SCALES = ("demo", "national", "stress")
PARTS = ("import", "export", "assess", "browser")


def _args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "--scales",
        default=os.environ.get("SCALES") or "demo national",
        help="scales to measure, space- or comma-separated: demo national stress",
    )
    ap.add_argument(
        "--databases",
        default=os.environ.get("BENCH_DATABASES") or "sqlite postgresql",
        help="backends: sqlite postgresql (PostgreSQL is skipped when none answers)",
    )
    ap.add_argument("--skip", default="", help=f"parts to leave out: {' '.join(PARTS)}")
    ap.add_argument(
        "--dir",
        default=os.environ.get("BENCH_DIR") or "/tmp/laa-bench",
        help="work folder for databases, files and logs",
    )
    ap.add_argument("--keep", action="store_true", help="keep the seeded databases afterwards")
    return ap.parse_args()  # fmt: skip


def _words(text: str) -> list[str]:
    return [w for w in text.replace(",", " ").split() if w]


def measure(scale: str, target: databases.Target, skip: set[str], log: list[str]) -> list[Row]:
    """Every figure of one scale on one backend."""
    backend = target.backend
    started = time.perf_counter()
    url, seeded = databases.seed(target, scale)
    log.append(f"{scale} on {backend}: `laa seed {scale}` took {seeded:.1f} s.")
    print(f"  seeded {scale} on {backend} in {seeded:.1f} s", flush=True)
    area, warm_area = figures.busiest_areas(url)
    rows: list[Row] = []
    steps = [
        ("import", lambda: figures.import_rows(scale, backend, target, url)),
        ("export", lambda: figures.export_rows(scale, backend, url, target.work, area)),
        ("assess", lambda: figures.assess_rows(scale, backend, url)),
        (
            "browser",
            lambda: browser.browser_rows(scale, backend, url, target.work, area, warm_area),
        ),
    ]
    for part, step in steps:
        if part in skip:
            continue
        begun = time.perf_counter()
        try:
            found = step()
        except Exception as exc:  # one broken part is reported; the others still run
            traceback.print_exc()
            found = [Row(part, scale, backend, None, None, None, note=f"failed: {exc}"[:200])]
        rows += found
        print(f"  {part}: {time.perf_counter() - begun:.0f} s", flush=True)
        for row in found:
            print("    " + " | ".join(row.cells()), flush=True)
    log.append(
        f"{scale} on {backend}: all figures in {time.perf_counter() - started:.0f} s "
        f"(busiest area {area})."
    )
    return rows


def main() -> None:
    args = _args()
    scales = [s for s in _words(args.scales) if s in SCALES]
    unknown = set(_words(args.scales)) - set(SCALES)
    if unknown or not scales:
        raise SystemExit(f"scales are {', '.join(SCALES)}; not {', '.join(sorted(unknown))}")
    skip = set(_words(args.skip))
    work = Path(args.dir)
    (work / "logs").mkdir(parents=True, exist_ok=True)
    wanted = set(_words(args.databases))
    targets: list[databases.Target] = []
    log: list[str] = []
    if "sqlite" in wanted:
        targets.append(databases.Target("SQLite", work))
    if "postgresql" in wanted:
        pg = databases.postgres_target(work)
        if pg is None:
            log.append("PostgreSQL: none answered at 127.0.0.1:5432 (set BENCH_PG_URL); skipped.")
        else:
            targets.append(pg)
    begun, started_at = time.perf_counter(), report.commit()
    rows: list[Row] = []
    for scale in scales:
        for target in targets:
            print(f"{scale} on {target.backend}", flush=True)
            try:
                rows += measure(scale, target, skip, log)
            finally:
                if not args.keep:
                    databases.drop(target, scale)
    log.append(f"The whole run took {(time.perf_counter() - begun) / 60:.1f} minutes.")
    extra = "".join(f"* {line}\n" for line in log) + "\n"
    path = report.write(rows, scales, extra, started_at)
    print()
    print(report.table(rows))
    print()
    print(extra, end="")
    print(f"written to {path} and {path.with_name('latest.md')}")


if __name__ == "__main__":
    main()
