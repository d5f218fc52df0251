"""The benchmark's own databases: SQLite files under the work folder, PostgreSQL databases it
creates and drops itself, seeded through the `laa` command as an operator would.

For each scale and backend there are two: the seeded database (every page, export and
assessment is measured on it) and a copy with no values (the import of the seeded values is
measured into it).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from dashboard import db

ROOT = Path(__file__).resolve().parents[1]
LAA = str(Path(sys.executable).with_name("laa"))
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SEEDS = {"demo": ["seed", "demo"], "national": ["seed", "national"], "stress": ["seed", "stress"]}


@dataclass(frozen=True)
class Target:
    """Where one backend's databases live: a folder (SQLite) or a server (PostgreSQL)."""

    backend: str  # "SQLite" or "PostgreSQL"
    work: Path
    server_url: str | None = None  # PostgreSQL: a URL of the server (any database on it)

    def url(self, name: str) -> str:
        if self.server_url is None:
            return f"sqlite:///{self.work / f'{name}.db'}"
        return (
            make_url(self.server_url)
            .set(database=f"laa_bench_{name}")
            .render_as_string(hide_password=False)
        )


def postgres_target(work: Path) -> Target | None:
    """PostgreSQL from BENCH_PG_URL, else 127.0.0.1:5432 when it answers; None without one."""
    url = os.environ.get("BENCH_PG_URL") or PG_DEFAULT
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # no server: the run says so and measures SQLite only
        if os.environ.get("BENCH_PG_URL"):
            raise SystemExit(f"BENCH_PG_URL does not answer: {exc.__class__.__name__}") from exc
        return None
    return Target("PostgreSQL", work, url)


def env(url: str, work: Path) -> dict[str, str]:
    """The environment of a `laa` command or server over `url`, logs kept in the work folder."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "LOG_DIR": str(work / "logs"),
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY", "bench-only-secret-key-not-for-use-0123"),
    }


def laa(url: str, work: Path, *args: str, timeout: float | None = None) -> float:
    """Run `laa ARGS` over `url`; its wall-clock seconds. Fails loudly with its output."""
    start = time.perf_counter()
    done = subprocess.run(
        [LAA, *args], cwd=ROOT, env=env(url, work), capture_output=True, text=True, timeout=timeout
    )
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(
            f"laa {' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}"
        )
    return took


def _admin_engine(target: Target) -> Engine:
    assert target.server_url is not None
    return create_engine(target.server_url, isolation_level="AUTOCOMMIT")


def drop(target: Target, name: str) -> None:
    db.dispose_all()
    if target.server_url is None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target.work / name}.db{suffix}").unlink(missing_ok=True)
        return
    engine = _admin_engine(target)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "laa_bench_{name}" WITH (FORCE)'))
    engine.dispose()


def create(target: Target, name: str, template: str | None = None) -> str:
    """A fresh, empty database (or a copy of `template`); its URL."""
    drop(target, name)
    if target.server_url is None:
        if template is not None:  # SQLite's backup API: a consistent copy, WAL included
            source = sqlite3.connect(target.work / f"{template}.db")
            copy = sqlite3.connect(target.work / f"{name}.db")
            with copy:
                source.backup(copy)
            source.close()
            copy.close()
        return target.url(name)
    engine = _admin_engine(target)
    copy = f' TEMPLATE "laa_bench_{template}"' if template else ""
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "laa_bench_{name}"{copy}'))
    engine.dispose()
    return target.url(name)


def seed(target: Target, scale: str) -> tuple[str, float]:
    """The seeded database of `scale` (migrated, then `laa seed SCALE`); URL and seed seconds."""
    url = create(target, scale)
    laa(url, target.work, "db", "upgrade")
    return url, laa(url, target.work, *SEEDS[scale])


CURRENT_ACTUALS = """
SELECT r.area_code, r.indicator_code, r.period, r.value, r.status, r.data_quality, r.note
FROM actual_revision r
JOIN (SELECT area_code, indicator_code, period, MAX(revision) AS revision
      FROM actual_revision GROUP BY area_code, indicator_code, period) latest
  ON latest.area_code = r.area_code AND latest.indicator_code = r.indicator_code
 AND latest.period = r.period AND latest.revision = r.revision
ORDER BY r.area_code, r.indicator_code, r.period
"""


def write_actuals_file(url: str, path: Path) -> int:
    """The current value of every (area, indicator, period) as an actuals import file; rows."""
    engine = db.get_engine(url)
    with engine.connect() as conn:
        frame = pl.read_database(CURRENT_ACTUALS, conn)
    if frame.schema["period"] != pl.String:  # SQLite gives the stored text already
        frame = frame.with_columns(pl.col("period").dt.strftime("%Y-%m-%d"))
    frame.write_csv(path)
    db.dispose_all()
    return frame.height


def without_values(target: Target, scale: str) -> str:
    """A copy of the seeded database with no values: revisions, commentary and their audit
    rows deleted, then vacuumed so the import writes into a compact database."""
    url = create(target, f"{scale}_import", template=scale)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(
            text(
                "DELETE FROM audit_event WHERE action IN ('value', 'status', 'data_quality', 'commentary')"
            )
        )
        conn.execute(text("DELETE FROM commentary"))
        conn.execute(text("DELETE FROM actual_revision"))
        conn.execute(text("VACUUM" if target.server_url is None else "VACUUM ANALYZE"))
    engine.dispose()
    return url


def count_values(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        n = int(conn.execute(text("SELECT COUNT(*) FROM actual_revision")).scalar_one())
    engine.dispose()
    return n
