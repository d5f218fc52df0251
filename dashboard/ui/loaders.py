"""Cached loaders keyed on plain values (URL, codes, ISO dates, data version).

`st.cache_data` cannot hash engines or frames cheaply, so the engine comes from
`st.cache_resource` and every data loader takes the database URL and the data version:
any write bumps the version, so the next run reloads.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import polars as pl
import streamlit as st
from sqlalchemy import Engine

from dashboard import db, store
from dashboard.access import Actor
from dashboard.analysis import Assessment, assess_areas
from dashboard.settings import get_settings


def actor() -> Actor:
    """The signed-in actor (set by the entrypoint's gate for this run)."""
    return st.session_state["_current_actor"]


def database_url() -> str:
    return get_settings().database_url


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    return db.get_engine(url)


def engine() -> Engine:
    return _engine(database_url())


def data_version() -> int:
    return store.data_version(engine())


@st.cache_data(show_spinner=False, max_entries=64)
def _areas(url: str, who: Actor, version: int) -> pl.DataFrame:
    return store.list_areas(_engine(url), who)


def areas() -> pl.DataFrame:
    """The areas the signed-in user may see."""
    return _areas(database_url(), actor(), data_version())


@st.cache_data(show_spinner=False, max_entries=64)
def _assessment(
    url: str, who: Actor, area_code: str, as_at: str, known: str | None, version: int
) -> Assessment:
    known_at = datetime.fromisoformat(known) if known else None
    return assess_areas(
        _engine(url), who, [area_code], date.fromisoformat(as_at), known_at=known_at
    )


def assessment(area_code: str, as_at: date, *, known_at: datetime | None = None) -> Assessment:
    """An area's assessment at `as_at`; with `known_at`, only revisions recorded by then."""
    known = known_at.isoformat() if known_at else None
    return _assessment(database_url(), actor(), area_code, as_at.isoformat(), known, data_version())


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, time.max, UTC)


@st.cache_data(show_spinner=False, max_entries=4)
def _settings(url: str, version: int) -> dict[str, object]:
    eng = _engine(url)
    return {"today": store.business_today(eng), "demo": store.is_demo(eng)}


def business_settings() -> dict[str, object]:
    return _settings(database_url(), data_version())


def area(area_code: str) -> dict[str, object]:
    """One row of `areas()` as a dict."""
    return areas().filter(pl.col("area_code") == area_code).row(0, named=True)


@st.cache_data(show_spinner=False, max_entries=64)
def _revisions(
    url: str, who: Actor, area_code: str, indicator_code: str, version: int
) -> pl.DataFrame:
    return store.actual_revisions(_engine(url), who, area_code, indicator_code)


def revisions(area_code: str, indicator_code: str) -> pl.DataFrame:
    return _revisions(database_url(), actor(), area_code, indicator_code, data_version())


@st.cache_data(show_spinner=False, max_entries=4)
def _indicators(url: str, version: int) -> pl.DataFrame:
    return store.load_indicators(_engine(url), store.cli_actor("framework"))  # public reference


def indicator(indicator_code: str) -> dict[str, object] | None:
    found = _indicators(database_url(), data_version()).filter(
        pl.col("indicator_code") == indicator_code
    )
    return found.row(0, named=True) if found.height else None


# ---- audit log (pages/audit.py) ----
@st.cache_data(show_spinner=False, max_entries=16)
def _audit(
    url: str, who: Actor, area_code: str | None, since: str | None, version: int
) -> pl.DataFrame:
    from dashboard.reports import audit as audit_report

    eng = _engine(url)
    frame = store.audit_frame(eng, who, area_code, date.fromisoformat(since) if since else None)
    with eng.connect() as conn:
        owners = store.target_owners(conn, audit_report.choices(frame, "area_code"))
    return audit_report.with_partnership(frame, owners)


def audit(area_code: str | None, since: date | None = None) -> pl.DataFrame:
    """The audit trail of an area (None: every area, administrators only), with each row's
    owning partnership; the store refuses (AccessDenied) what the actor may not read."""
    return _audit(
        database_url(), actor(), area_code, since.isoformat() if since else None, data_version()
    )
