"""The audit trail: one row per change, written in the same transaction; the data version
that cache keys follow."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, and_, case, func, or_, select, tuple_

from dashboard.access import Actor
from dashboard.store import frames
from dashboard.store.bulk import bulk_insert
from dashboard.store.clock import _wall_clock_of_write, recorded_now
from dashboard.store.rules import deny
from data_models import Area, AuditEvent


def bare(value: float | Decimal | str | None) -> str | None:
    """A value as it would be written in an import file (`5300`, `34.4`), for audit rows."""
    if value is None:
        return None
    if isinstance(value, float):
        # Beyond 1e15 a float's integer digits are noise: 1e38 stays `1e+38`, not 39 digits.
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def _audit(
    conn: Connection,
    actor: Actor,
    action: str,
    *,
    area_code: str | None = None,
    indicator_code: str | None = None,
    period: date | None = None,
    before: Any = None,
    after: Any = None,
    reason: str | None = None,
    at: datetime | None = None,
) -> None:
    conn.execute(
        AuditEvent.__table__.insert(),  # type: ignore[attr-defined]
        [
            {
                "at": at or recorded_now(conn),
                "wall_clock_at": _wall_clock_of_write(),
                "user": actor.name,
                "action": action,
                "area_code": area_code,
                "indicator_code": indicator_code,
                "period": period,
                "before": bare(before),
                "after": bare(after),
                "reason": reason,
            }
        ],
    )


# The columns of a frame of audit rows (`_audit_rows`): what `_audit` writes, less the real
# time of the write, which `_audit_rows` adds.
AUDIT_SCHEMA: dict[str, Any] = {
    "at": pl.Datetime("us", "UTC"),
    "user": pl.String,
    "action": pl.String,
    "area_code": pl.String,
    "indicator_code": pl.String,
    "period": pl.Date,
    "before": pl.String,
    "after": pl.String,
    "reason": pl.String,
}


def _audit_rows(conn: Connection, rows: pl.DataFrame) -> None:
    """Write many audit rows at once (`AUDIT_SCHEMA`), in the caller's transaction, as `_audit`
    writes one: a missing `at` is the write's recorded time. Ids rise in the frame's order."""
    if rows.is_empty():
        return
    frame = rows.select(pl.col(c).cast(t) for c, t in AUDIT_SCHEMA.items()).with_columns(
        pl.col("at").fill_null(recorded_now(conn)),
        pl.lit(_wall_clock_of_write(), pl.Datetime("us", "UTC")).alias("wall_clock_at"),
    )
    bulk_insert(conn, AuditEvent.__table__, frame)  # type: ignore[attr-defined]


def bare_values(values: pl.Series) -> pl.Series:
    """`bare` of every number in a column, as text, without a Python call per value: polars
    writes a float as Python's repr does from 1e-4 up to 1e16; the few values outside that
    (and infinities, NaN) are written by `bare` itself."""
    v = values.cast(pl.Float64)
    integral = (v == v.floor()) & (v.abs() < 1e15)
    plain = (v.abs() >= 1e-4) & (v.abs() < 1e16)
    text = (
        pl.select(
            pl.when(integral)
            .then(v.cast(pl.Int64, strict=False).cast(pl.String))
            .when(plain)
            .then(v.cast(pl.String))
        )
        .to_series()
        .alias(values.name)
    )
    rare = (v.is_not_null() & ~integral & ~plain).fill_null(False)
    if rare.any():
        at = rare.arg_true()
        text = text.scatter(at, [bare(x) for x in v.gather(at).to_list()])
    return text


def _check_audit_read(actor: Actor, area_code: str | None) -> None:
    """Everything for an admin, one area for its officer; anyone else is refused (and logged)."""
    if not actor.is_admin:
        officer_of = {g.area_code for g in actor.of_role("officer")}
        if area_code is None or area_code not in officer_of:
            deny(actor, f"read the audit trail{f' of {area_code}' if area_code else ''}")


def _audit_scope(
    query: Any, area_code: str | None, since: date | None, until: date | None = None
) -> Any:
    """One area's rows (None: every area's), recorded from `since` to `until` (whole days, UTC)."""
    if area_code:
        query = query.where(AuditEvent.area_code == area_code)
    if since:
        query = query.where(AuditEvent.at >= datetime.combine(since, datetime.min.time(), UTC))
    if until:
        end = datetime.combine(until + timedelta(days=1), datetime.min.time(), UTC)
        query = query.where(AuditEvent.at < end)
    return query


def audit_frame(
    engine: Engine,
    actor: Actor,
    area_code: str | None = None,
    since: date | None = None,
    *,
    until: date | None = None,
    user: str | None = None,
    partnership: str | None = None,
    owned: Sequence[tuple[str, str]] = (),
    newest_first: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> pl.DataFrame:
    """The audit trail, oldest first: everything for an admin, one area for its officer.

    The audit log page filters and pages it here, in SQL (a national trail has a row per value):
    `until` (recorded on or before that day, UTC), `user`, `partnership` (rows of the targets
    in `owned`, the (area, indicator) pairs it owns, and the row that added it), and with
    `newest_first` the newest first (by time recorded, then as written), `limit` rows from
    `offset`."""
    _check_audit_read(actor, area_code)
    query = select(
        AuditEvent.at,
        AuditEvent.user,
        AuditEvent.action,
        AuditEvent.area_code,
        AuditEvent.indicator_code,
        AuditEvent.period,
        AuditEvent.before,
        AuditEvent.after,
        AuditEvent.reason,
        AuditEvent.wall_clock_at,  # the real time of the write, beside `at` (recorded time)
    )
    query = _audit_scope(query, area_code, since, until)
    if user:
        query = query.where(AuditEvent.user == user)
    if partnership:
        created = AuditEvent.action == "partnership:create"
        query = query.where(
            or_(
                and_(created, AuditEvent.after == partnership),
                and_(
                    ~created,
                    tuple_(AuditEvent.area_code, AuditEvent.indicator_code).in_(list(owned)),
                ),
            )
        )
    if newest_first:
        query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    else:
        query = query.order_by(AuditEvent.id)
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return frames.read_frame(engine, query)


def audit_summary(
    engine: Engine,
    actor: Actor,
    area_code: str | None = None,
    since: date | None = None,
    *,
    until: date | None = None,
) -> pl.DataFrame:
    """The audit trail counted, for the audit log's filters without reading every row: one row
    per `user, area_code, indicator_code, created` (the partnership a `partnership:create` row
    added, else null) with `changes`, the number of rows (to `until`, as `audit_frame`'s).
    Same access as `audit_frame`."""
    _check_audit_read(actor, area_code)
    is_create = AuditEvent.action == "partnership:create"
    created = case((is_create, AuditEvent.after), else_=None).label("created")
    query = _audit_scope(
        select(
            AuditEvent.user,
            AuditEvent.area_code,
            AuditEvent.indicator_code,
            created,
            func.count().label("changes"),
        ),
        area_code,
        since,
        until,
    ).group_by(AuditEvent.user, AuditEvent.area_code, AuditEvent.indicator_code, created)
    return frames.read_frame(engine, query, {"created": pl.Utf8, "changes": pl.Int64})


# The newest audit id and, in the same snapshot, the ids of transactions in progress, less
# those still running (read once from the lock table, after the snapshot) that hold no write
# lock on the audit table: they have drawn no audit id yet (its insert takes the lock before
# drawing), so their audit rows, if any, will be numbered above the newest. That leaves out
# sign-ins and other databases of the cluster. (The snapshot's xids are 64-bit, the locks' 32.)
# The newest id is a subquery of its own: as an aggregate beside the other subquery, PostgreSQL
# scanned the whole audit table for it (45 ms a run on the national seed) instead of reading
# the last entry of its primary key. One statement: both parts see the same snapshot.
_IN_PROGRESS = f"""(
    SELECT string_agg(x::text, ',' ORDER BY x) FROM pg_snapshot_xip(pg_current_snapshot()) AS x
    WHERE NOT EXISTS (
        SELECT 1 FROM locks AS running
        WHERE running.locktype = 'transactionid'
          AND running.xid = mod(x::text::bigint, 4294967296)::text
          AND NOT EXISTS (
              SELECT 1 FROM locks AS writing
              WHERE writing.virtualtransaction = running.virtualtransaction
                AND writing.locktype = 'relation' AND writing.mode = 'RowExclusiveLock'
                AND writing.relation = '{AuditEvent.__tablename__}'::regclass
                AND writing.database = (
                    SELECT oid FROM pg_database WHERE datname = current_database()))))"""
_LOCKS = """WITH locks AS MATERIALIZED (
    SELECT locktype, transactionid::text AS xid, virtualtransaction, database, relation, mode
    FROM pg_locks
)"""
_TABLE = AuditEvent.__tablename__
_PG_NEWEST = f"(SELECT coalesce(max(id), 0) FROM {_TABLE})"
_PG_NO_AREA_NEWEST = f"(SELECT coalesce(max(id), 0) FROM {_TABLE} WHERE area_code IS NULL)"
_PG_VERSION = f"{_LOCKS}\nSELECT {_PG_NEWEST}, {_IN_PROGRESS}"
# An area's: the newest id of its own rows and of rows of no area, each from the end of the
# (area, id) index.
_PG_AREA_VERSION = (
    f"{_LOCKS}\nSELECT {_PG_NEWEST}, greatest((SELECT coalesce(max(id), 0) FROM {_TABLE} "
    f"WHERE area_code = %(area)s), {_PG_NO_AREA_NEWEST}), {_IN_PROGRESS}"
)
# Every area's at once: the newest id of no area, each area's newest (one probe of the index
# per area), both lists in code order.
_EACH_AREA_NEWEST = (
    f"{_PG_NO_AREA_NEWEST}, "
    f"(SELECT array_agg(a.code ORDER BY a.code) FROM {Area.__tablename__} AS a), "
    f"(SELECT array_agg(coalesce((SELECT max(e.id) FROM {_TABLE} AS e "
    f"WHERE e.area_code = a.code), 0) ORDER BY a.code) FROM {Area.__tablename__} AS a)"
)
_PG_EACH_AREA_VERSION = f"{_LOCKS}\nSELECT {_EACH_AREA_NEWEST}, {_IN_PROGRESS}"


def _newest(*where: Any) -> Any:
    """The newest audit id (0 for none) of the rows `where` selects, as a scalar subquery."""
    return select(func.coalesce(func.max(AuditEvent.id), 0)).where(*where).scalar_subquery()


def data_version(engine: Engine) -> int:
    """A number that changes with every committed write (each write audits), for cache keys:
    the newest audit id, which every server reads from the one database.

    On SQLite writers take turns (BEGIN IMMEDIATE), so ids are committed in order. On
    PostgreSQL an id is drawn at the insert, not at the commit: a write that commits after a
    later-numbered one would leave the newest id as it was and caches stale. So while a
    transaction that has written audit rows is in progress the version also names it (the
    in-progress ids of the snapshot the newest id is read in): its commit then changes the
    version. Such a version is negative, never equal to a plain newest id.
    """
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            return int(conn.execute(select(_newest())).scalar_one())
        newest_id, in_progress = conn.exec_driver_sql(_PG_VERSION).one()
    return _version(newest_id, in_progress)


def area_data_version(engine: Engine, area_code: str) -> int:
    """`data_version` for what one area's pages show: a number that changes with every
    committed write audited for the area or for no area (the framework, settings, users), and
    not with another area's. The newest id among those rows; on PostgreSQL, while any write is
    in progress, it names that too, as `data_version` does (which area it writes is unknown
    until it commits). A national deployment writes somewhere all day: an area's kept
    assessment and figures then last until that area, or the whole framework, changes."""
    return data_versions(engine, area_code)[1]


def data_versions(engine: Engine, area_code: str) -> tuple[int, int]:
    """`data_version` and `area_data_version` of `area_code`, in one statement: a page run
    of one area asks for both."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            # max() of two arguments is SQLite's greatest()
            mine = func.max(
                _newest(AuditEvent.area_code == area_code), _newest(AuditEvent.area_code.is_(None))
            )
            whole, area = conn.execute(select(_newest(), mine)).one()
            return int(whole), int(area)
        whole, area, in_progress = conn.exec_driver_sql(_PG_AREA_VERSION, {"area": area_code}).one()
    return _version(whole, in_progress), _version(area, in_progress)


def area_data_versions(engine: Engine) -> dict[str, int]:
    """`area_data_version` of every area, read in one statement (one snapshot)."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            mine = func.max(
                _newest(AuditEvent.area_code == Area.code), _newest(AuditEvent.area_code.is_(None))
            )
            rows = conn.execute(select(Area.code, mine)).all()
            return {str(code): int(version) for code, version in rows}
        no_area_id, codes, ids, in_progress = conn.exec_driver_sql(_PG_EACH_AREA_VERSION).one()
    return {
        str(code): _version(max(int(newest), int(no_area_id)), in_progress)
        for code, newest in zip(codes or [], ids or [], strict=True)
    }


def _version(newest_id: int, in_progress: str | None) -> int:
    """The newest id; with writes in progress, a negative number naming them too."""
    if not in_progress:
        return int(newest_id)
    digest = hashlib.blake2b(f"{newest_id}|{in_progress}".encode(), digest_size=8).digest()
    return -1 - (int.from_bytes(digest, "big") >> 1)
