"""The data version that every server's caches key on (`store.data_version`): it changes with
every committed write, whatever order writes commit in, and is the plain newest audit id when
no write is in progress. On SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, func, make_url, select, text

from dashboard import db, store
from data_models import AuditEvent


def _newest_id(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.max(AuditEvent.id))).scalar_one())


def test_a_write_that_commits_after_a_later_numbered_one_still_changes_the_version(
    engine: Engine, admin: store.Actor
) -> None:
    before = store.data_version(engine)
    if db.is_sqlite(engine):
        # One writer at a time (BEGIN IMMEDIATE): ids are committed in order, each a new version.
        seen = [before]
        for action in ("test-first", "test-second"):
            with db.write_transaction(engine) as conn:
                store.audit._audit(conn, admin, action)
            seen.append(store.data_version(engine))
        assert len(set(seen)) == 3
        assert seen[-1] == _newest_id(engine)
        return
    with db.write_transaction(engine) as slow:
        store.audit._audit(slow, admin, "test-slow")  # draws the lower id, commits last
        with db.write_transaction(engine) as fast:
            store.audit._audit(fast, admin, "test-fast")
        between = store.data_version(engine)  # the newest id is already the fast write's
        assert between != before
    after = store.data_version(engine)
    assert after != between  # the slow write's commit is seen, though the newest id is the same
    assert after == _newest_id(engine)
    with engine.connect() as conn:
        actions = conn.execute(select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(2))
        assert actions.scalars().all() == ["test-fast", "test-slow"]


def test_with_no_write_in_progress_the_version_is_the_newest_audit_id(
    engine: Engine, admin: store.Actor, db_url: str
) -> None:
    with db.write_transaction(engine) as conn:
        store.audit._audit(conn, admin, "test-write")
    version = store.data_version(engine)
    assert version == _newest_id(engine) > 0
    assert store.data_version(engine) == version  # reading again does not change it
    if db.is_sqlite(engine):
        return
    # A transaction in progress that has written no audit row (a sign-in's bookkeeping, a
    # write on another database of the cluster) leaves the version as it is.
    for url in (db_url, make_url(db_url).set(database="postgres")):
        other = create_engine(url)
        try:
            with other.begin() as conn:
                conn.execute(text("SELECT pg_current_xact_id()"))  # gives it a transaction id
                assert store.data_version(engine) == version
        finally:
            other.dispose()
    # One that has written rows but no audit row yet: its audit rows, drawn later, are
    # numbered above the newest, so its commit changes the version too.
    with db.write_transaction(engine) as slow:
        slow.execute(text("SELECT pg_current_xact_id()"))
        assert store.data_version(engine) == version
        with db.write_transaction(engine) as fast:
            store.audit._audit(fast, admin, "test-fast")
        between = store.data_version(engine)
        store.audit._audit(slow, admin, "test-slow")
    assert store.data_version(engine) not in (version, between)


def test_a_run_reads_the_version_once_unless_something_commits(
    engine: Engine, admin: store.Actor, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The loaders' cache key: one read of the database per page run, again after a commit in
    this process (a write earlier in the same run), and again in every new run."""
    import streamlit as st

    from dashboard.ui import loaders

    reads: list[int] = []

    def counted(engine_: Engine) -> int:
        reads.append(1)
        return store.audit.data_version(engine_)

    monkeypatch.setattr(loaders, "engine", lambda: engine)
    monkeypatch.setattr(loaders.store, "data_version", counted)
    st.session_state.clear()
    loaders.new_run()
    first = loaders.data_version()
    assert loaders.data_version() == first and len(reads) == 1  # the same run: no second read
    with db.write_transaction(engine) as conn:
        store.audit._audit(conn, admin, "test-in-the-run")
    after_write = loaders.data_version()
    assert len(reads) == 2 and after_write != first  # a commit since: read again, and changed
    loaders.data_version()
    assert len(reads) == 2
    loaders.new_run()
    assert loaders.data_version() == after_write and len(reads) == 3  # each run reads afresh
    st.session_state.clear()


def _newest_of(engine: Engine, area_code: str) -> int:
    """The newest audit id of the area's rows and of rows of no area."""
    mine = (AuditEvent.area_code == area_code) | AuditEvent.area_code.is_(None)
    with engine.connect() as conn:
        return int(conn.execute(select(func.max(AuditEvent.id)).where(mine)).scalar_one())


def test_an_areas_version_moves_with_its_own_writes_and_those_of_no_area(
    engine: Engine, admin: store.Actor
) -> None:
    def write(area_code: str | None) -> None:
        with db.write_transaction(engine) as conn:
            store.audit._audit(conn, admin, "test-area-write", area_code=area_code)

    write(None)
    here, there = (
        store.area_data_version(engine, "TEST-A"),
        store.area_data_version(engine, "TEST-B"),
    )
    assert here == there == _newest_of(engine, "TEST-A") > 0
    write("TEST-B")  # another area's write leaves this area's version as it was
    assert store.area_data_version(engine, "TEST-A") == here
    assert store.area_data_version(engine, "TEST-B") not in (there, here)
    write("TEST-A")
    moved = store.area_data_version(engine, "TEST-A")
    assert moved != here and moved == _newest_of(engine, "TEST-A")
    assert store.data_version(engine) == moved  # the newest write of all was this area's
    write(None)  # a write of no area (the framework, a setting) moves every area's version
    assert store.area_data_version(engine, "TEST-A") != moved
    assert store.area_data_version(engine, "TEST-B") == store.area_data_version(engine, "TEST-A")


def test_an_areas_write_that_commits_after_a_later_numbered_one_still_moves_its_version(
    engine: Engine, admin: store.Actor
) -> None:
    """As for the whole version: on PostgreSQL the area's write that draws the lower id and
    commits last still changes the area's version (while it is in progress the version names
    it); on SQLite writers take turns."""
    before = store.area_data_version(engine, "TEST-SLOW")
    if db.is_sqlite(engine):
        with db.write_transaction(engine) as conn:
            store.audit._audit(conn, admin, "test-slow", area_code="TEST-SLOW")
        assert store.area_data_version(engine, "TEST-SLOW") != before
        return
    with db.write_transaction(engine) as slow:
        store.audit._audit(slow, admin, "test-slow", area_code="TEST-SLOW")
        with db.write_transaction(engine) as fast:
            store.audit._audit(fast, admin, "test-fast", area_code="TEST-FAST")
        between = store.area_data_version(engine, "TEST-SLOW")
        assert between != before
    after = store.area_data_version(engine, "TEST-SLOW")
    assert after != between and after == _newest_of(engine, "TEST-SLOW")


def test_a_run_of_one_areas_page_reads_both_versions_in_one_statement(
    engine: Engine, admin: store.Actor, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """With an area selected, the run's first read gives the whole database's version and
    that area's together: the page's area version is then no second read."""
    import streamlit as st

    from dashboard.ui import loaders

    reads: list[str] = []

    def both(engine_: Engine, area_code: str) -> tuple[int, int]:
        reads.append(area_code)
        return store.audit.data_versions(engine_, area_code)

    monkeypatch.setattr(loaders, "engine", lambda: engine)
    monkeypatch.setattr(loaders.store, "data_versions", both)
    with db.write_transaction(engine) as conn:
        store.audit._audit(conn, admin, "test-here", area_code="TEST-HERE")
    st.session_state.clear()
    st.session_state["sel_area"] = "TEST-HERE"
    loaders.new_run()
    whole = loaders.data_version()
    assert loaders.area_version("TEST-HERE") == store.audit.area_data_version(engine, "TEST-HERE")
    assert whole == store.audit.data_version(engine)
    assert reads == ["TEST-HERE"]  # one statement for both
    # another area on the page: read with the whole version again, so what its figures are
    # built from is never older than the area version they are kept under
    loaders.area_version("TEST-OTHER")
    assert reads == ["TEST-HERE", "TEST-OTHER"]
    assert loaders.data_version() == whole and len(reads) == 2
    assert loaders.area_version("TEST-HERE") and len(reads) == 2  # both kept for the run
    st.session_state.clear()
