"""The figures measured without a browser: the import of the actuals beside the database's own
bulk load, one area's exports beside the CLI's start-up, `metrics.assess` beside one polars
group-by."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)

from bench import databases
from bench.report import Row
from dashboard import db, metrics, store
from dashboard.analysis import current_agreements
from seed_data.national import bulk_insert

IMPORT_TIMEOUT = 3600.0  # seconds: an import slower than an hour is reported as such


def _scratch_table(references: bool) -> Table:
    """A table of actual_revision's columns and indexes, for the floor; with `references`,
    its foreign keys too (to the area and indicator tables already in the database)."""
    metadata = MetaData()
    if references:  # stand-ins that name the referenced tables: never created or dropped
        Table("area", metadata, Column("code", String, primary_key=True))
        Table("indicator", metadata, Column("code", String, primary_key=True))

    def code(name: str, table: str) -> Column:
        keys = [ForeignKey(f"{table}.code")] if references else []
        return Column(name, String, *keys, nullable=False)

    return Table(
        "bench_floor_actuals",
        metadata,
        Column("id", Integer, primary_key=True),
        code("area_code", "area"),
        code("indicator_code", "indicator"),
        Column("period", Date, nullable=False),
        Column("revision", Integer, nullable=False),
        Column("value", Float, nullable=False),
        Column("status", String, nullable=False),
        Column("data_quality", String),
        Column("recorded_at", DateTime, nullable=False, index=True),
        Column("recorded_by", String, nullable=False),
        Column("source", String),
        Column("note", String),
        UniqueConstraint("area_code", "indicator_code", "period", "revision"),
        Index("ix_bench_floor_scope", "area_code", "indicator_code", "period"),
    )


def bulk_load_floor(url: str, path: Path, references: bool = True) -> float:
    """Seconds to read the actuals file and load its rows into a scratch table of the same
    shape (with its foreign keys, unless `references` is False), the database's own way
    (executemany / COPY), committed; the table is dropped."""
    engine = db.get_engine(url)
    table = _scratch_table(references)
    table.drop(engine, checkfirst=True)
    table.create(engine)
    start = time.perf_counter()
    frame = pl.read_csv(path, schema_overrides={"period": pl.Date, "note": pl.String}).select(
        "area_code",
        "indicator_code",
        "period",
        revision=pl.lit(1),
        value="value",
        status=pl.col("status").fill_null("final"),
        data_quality="data_quality",
        recorded_at=pl.lit(datetime.now(UTC)),
        recorded_by=pl.lit("bench"),
        source=pl.lit(path.name),
        note="note",
    )
    with db.write_transaction(engine) as conn:
        bulk_insert(conn, table, frame)
    took = time.perf_counter() - start
    table.drop(engine)
    db.dispose_all()
    return took


def _time_v(output: str, label: str) -> str:
    found = re.search(rf"{re.escape(label)}.*?: (\S+)\s*$", output, re.MULTILINE)
    return found.group(1) if found else ""


def _clock(text: str) -> float:
    """`/usr/bin/time -v`'s elapsed time ("h:mm:ss" or "m:ss.ss") in seconds."""
    seconds = 0.0
    for part in text.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def import_actuals(url: str, work: Path, path: Path) -> tuple[float, float, str]:
    """`laa import actuals FILE` under /usr/bin/time -v: seconds, peak MB, and a note (empty,
    or why it did not finish)."""
    command = ["/usr/bin/time", "-v", databases.LAA, "import", "actuals", str(path)]
    # its own process group, so a timeout stops `laa` itself, not only /usr/bin/time
    proc = subprocess.Popen(
        command,
        cwd=databases.ROOT,
        env=databases.env(url, work),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=IMPORT_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.communicate()
        return IMPORT_TIMEOUT, 0.0, f"failed: stopped after {IMPORT_TIMEOUT:,.0f} s"
    done = subprocess.CompletedProcess(command, proc.returncode, stdout, stderr)
    took = _clock(_time_v(done.stderr, "Elapsed (wall clock) time") or "0")
    peak = float(_time_v(done.stderr, "Maximum resident set size") or 0) / 1024
    if done.returncode != 0:  # the command's own last words, not /usr/bin/time's report
        said = (done.stdout + done.stderr.split("\tCommand being timed:")[0]).strip()
        killed = re.search(r"Command terminated by signal (\d+)", done.stderr)
        number = killed.group(1) if killed else ""
        why = f"stopped by signal {number}" if number else " / ".join(said.splitlines()[-3:])
        return took, peak, f"failed after {took:,.0f} s: {why}"[:240]
    return took, peak, ""


def import_rows(scale: str, backend: str, target: databases.Target, seeded: str) -> list[Row]:
    """The import figure and its floor (and the import's peak memory, for the record)."""
    work = target.work
    path = work / f"{scale}-{backend.lower()}-actuals.csv"
    rows_in_file = databases.write_actuals_file(seeded, path)
    empty = databases.without_values(target, scale)
    floor = bulk_load_floor(empty, path)
    bare = bulk_load_floor(empty, path, references=False)
    took, peak, note = import_actuals(empty, work, path)
    written = databases.count_values(empty)
    if not note and written != rows_in_file:
        note = f"wrote {written:,} of {rows_in_file:,} rows"
    databases.drop(target, f"{scale}_import")
    path.unlink(missing_ok=True)
    judged = scale != "demo"
    label = f"import {rows_in_file:,} actuals (`laa import actuals`), peak {peak:,.0f} MB"
    if bare and not note.startswith("failed"):  # for the record: the floor the goal is not on
        without = f"{took / bare:.1f}× a load without the foreign keys ({bare:.2f} s)"
        note = "; ".join(n for n in (note, without) if n)
    return [
        Row(
            label, scale, backend, None if note.startswith("failed") else took, floor, 3,
            note=note, applies=judged, broken=note.startswith("failed"),
        )
    ]  # fmt: skip


def _seconds(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=databases.ROOT, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[1:])} failed: {done.stderr[-1000:]}")
    return took


def busiest_areas(url: str) -> tuple[str, str | None]:
    """The area with most targets (its pages and exports are the heaviest), and the busiest
    area of another region (of another area, when there is one region), which warms the
    browser and the server before the first renders are timed; None when there is one area."""
    engine = db.get_engine(url)
    actor = store.cli_actor("bench")
    areas = store.list_areas(engine, actor).select("area_code", "region_code")
    scope = store.load_scope(engine, actor, areas["area_code"].to_list())
    ranked = (
        scope.targets.group_by("area_code")
        .len()
        .join(areas, on="area_code")
        .sort(["len", "area_code"], descending=[True, False])
    )
    db.dispose_all()
    busiest, region = ranked.row(0)[0], ranked["region_code"][0]
    others = ranked.slice(1)
    elsewhere = others.filter(pl.col("region_code") != region)
    warm = elsewhere if not elsewhere.is_empty() else others
    return str(busiest), (str(warm["area_code"][0]) if not warm.is_empty() else None)


def export_rows(scale: str, backend: str, url: str, work: Path, area: str) -> list[Row]:
    """One area's status (with forecast) and reward exports beside the CLI's start-up."""
    env = databases.env(url, work)
    rows = []
    for kind in ("status", "reward"):
        out = work / f"export-{kind}.csv"
        export = [databases.LAA, "export", kind, "--area", area, "-o", str(out)]
        # interleaved, best of 3 each: on a shared machine the load drifts between runs
        pairs = [
            (_seconds([databases.LAA, "--help"], env), _seconds(export, env)) for _ in range(3)
        ]
        startup, took = min(p[0] for p in pairs), min(p[1] for p in pairs)
        lines = len(out.read_text().splitlines()) - 1 if out.exists() else 0
        out.unlink(missing_ok=True)
        label = f"`laa export {kind}` of one area ({area}, {lines} rows)"
        rows.append(Row(label, scale, backend, took, startup, 1, kind="beyond"))
    return rows


def _best(fn: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def assess_rows(scale: str, backend: str, url: str) -> list[Row]:
    """`metrics.assess` over every area's current targets beside one group-by of the actuals."""
    engine = db.get_engine(url)
    actor = store.cli_actor("bench")
    today = store.business_today(engine)
    codes = store.list_areas(engine, actor)["area_code"].to_list()
    scope = store.load_scope(engine, actor, codes)
    agreements = current_agreements(scope.agreements, today)
    targets = scope.targets.filter(
        pl.col("agreement_id").is_in(agreements["agreement_id"].implode())
    )
    ids = targets["target_id"].implode()
    milestones = scope.milestones.filter(pl.col("target_id").is_in(ids))
    actuals = scope.actuals.filter(pl.col("target_id").is_in(ids))
    tolerance = store.rag_tolerance(engine)
    db.dispose_all()
    took = _best(lambda: metrics.assess(targets, milestones, actuals, agreements, today, tolerance))
    floor = _best(
        lambda: actuals.group_by("target_id").agg(
            pl.len(), pl.col("period").max(), pl.col("value").sort_by("period").last()
        )
    )
    label = f"`metrics.assess` of {targets.height:,} targets, {actuals.height:,} actuals"
    return [Row(label, scale, backend, took, floor, 3, applies=scale != "demo")]
