"""Cached loaders keyed on plain values (URL, codes, ISO dates, data version).

`st.cache_data` cannot hash engines or frames cheaply, so the engine comes from
`st.cache_resource` and every data loader takes the database URL and the data version:
any write bumps the version, so the next run reloads.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any

import polars as pl
import streamlit as st
from sqlalchemy import Engine, event
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard import db, store
from dashboard.access import Actor
from dashboard.analysis import Assessment, assess_areas
from dashboard.assessments_by_area import AssessmentsByArea
from dashboard.formatting import TARGET_TEXTS, with_value_texts
from dashboard.settings import get_settings


def _load_libraries() -> None:
    """Import the libraries the first chart and the first forecast need (altair and
    scipy.special: about a second together) with this module, on the server's first run of
    the entrypoint, so that a page that draws a chart never waits for them. pandas too
    (about 0.4 s): Streamlit imports it at a page's first table, and its Styler (the review
    pack's coloured tables) compiles templates at import."""
    import altair  # noqa: F401
    import pandas.io.formats.style  # noqa: F401
    import scipy.special  # noqa: F401


_load_libraries()


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


# Commits move this on: a data version read earlier in a run is used again only while the
# run's own session has committed nothing since (a write earlier in the same run). Another
# session's commit in the middle of a run is seen from that run's next read on, not within
# it: the figures a run derives then key on the version its assessment was made at.
_commits = itertools.count(1)
_last_commit = 0  # outside a session (the CLI, tests): any commit of the process
_SESSION_COMMITS = "_commits"


@event.listens_for(Engine, "commit")
def _committed(conn: Any) -> None:
    global _last_commit
    if get_script_run_ctx(suppress_warning=True) is not None:
        st.session_state[_SESSION_COMMITS] = st.session_state.get(_SESSION_COMMITS, 0) + 1
    else:
        _last_commit = next(_commits)


def _commits_seen() -> tuple[object, int]:
    """The run, and the commits so far that a version read in it must follow."""
    if get_script_run_ctx(suppress_warning=True) is not None:
        return st.session_state.get(RUN_KEY), int(st.session_state.get(_SESSION_COMMITS, 0))
    return st.session_state.get(RUN_KEY), _last_commit


RUN_KEY = "_run"  # the entrypoint numbers its runs here (`new_run`)
_MEMO_KEY = "_data_version_memo"


def new_run() -> None:
    """Called first by the entrypoint: the data version is read afresh in each run."""
    st.session_state[RUN_KEY] = st.session_state.get(RUN_KEY, 0) + 1


def _memo() -> dict[str, Any]:
    """The versions read so far in this run since its session last committed: the whole
    database's (`"whole"`) and each area's (`"areas"`). Empty outside a run."""
    seen = _commits_seen()
    memo = st.session_state.get(_MEMO_KEY)
    if seen[0] is None or memo is None or memo[0] != seen:
        memo = (seen, {"areas": {}})
        st.session_state[_MEMO_KEY] = memo
    return memo[1]


def data_version() -> int:
    """The database's data version (see `store.data_version`), read once per run: a page
    calls a dozen loaders, and each would otherwise ask the database again. Read again when
    this session has committed anything since (a write earlier in the same run); another
    server's write shows from the next run, as each run reads it from the database."""
    memo = _memo()
    if "whole" in memo:
        return int(memo["whole"])
    # The page's area, if one is known yet (the sidebar's choice, else the link's, else the
    # last run's): its version comes in the same statement, so a page of one area still asks
    # the database once a run.
    area = (
        st.session_state.get("w_area")
        or st.query_params.get("area")
        or st.session_state.get("sel_area")
    )
    if area:
        return _read_versions(str(area))[0]
    memo["whole"] = store.data_version(engine())
    return int(memo["whole"])


def _read_versions(area_code: str) -> tuple[int, int]:
    """The whole database's version and the area's, from one statement, kept for the run:
    what the area's figures are built from (the loaders keyed on the whole version) is then
    never older than the area version they are kept under."""
    memo = _memo()
    memo["whole"], memo["areas"][area_code] = store.data_versions(engine(), area_code)
    return int(memo["whole"]), int(memo["areas"][area_code])


def area_version(area_code: str) -> int:
    """The data version of what one area's pages show (`store.area_data_version`): it moves
    with the area's writes and those of no area, not with another area's. Read once per run
    and area, as `data_version` is. The area's assessment and the figures its pages derive
    from it key on this, so on a national database, written in somewhere all day, they are
    kept until this area (or the framework, settings, users) changes."""
    areas = _memo()["areas"]
    return int(areas[area_code]) if area_code in areas else _read_versions(area_code)[1]


@st.cache_data(show_spinner=False, max_entries=64)
def _areas(url: str, who: Actor, version: int) -> pl.DataFrame:
    return store.list_areas(_engine(url), who)


def areas() -> pl.DataFrame:
    """The areas the signed-in user may see."""
    return _areas(database_url(), actor(), data_version())


# A resource, not data: every page of an area reads it in every run, and a hit then hands
# back the same frames (nothing changes a polars frame in place here) instead of unpickling a
# copy, a tenth of the server's time when a board opens the overview at once.
@st.cache_resource(show_spinner=False, max_entries=64)
def _assessment(
    url: str, who: Actor, area_code: str, as_at: str, known: str | None, version: int
) -> Assessment:
    known_at = datetime.fromisoformat(known) if known else None
    result = assess_areas(
        _engine(url), who, [area_code], date.fromisoformat(as_at), known_at=known_at
    )
    # Written once per assessment, not in every run of every page that lists the targets:
    # formatting four value columns was a fifth of the overview's run.
    texts = with_value_texts(result.targets, *TARGET_TEXTS)
    return dataclasses.replace(result, targets=texts)


def assessment(area_code: str, as_at: date, *, known_at: datetime | None = None) -> Assessment:
    """An area's assessment at `as_at`; with `known_at`, only revisions recorded by then."""
    known = known_at.isoformat() if known_at else None
    return _assessment(
        database_url(), actor(), area_code, as_at.isoformat(), known, area_version(area_code)
    )


@st.cache_data(show_spinner=False, max_entries=64)
def _targets_known_at(
    url: str, who: Actor, area_code: str, base_as_at: str, as_at: str, known: str, version: int
) -> pl.DataFrame:
    from dashboard.analysis import assess_known_at

    base = _assessment(url, who, area_code, base_as_at, None, version)
    return assess_known_at(
        _engine(url), who, base, date.fromisoformat(as_at), datetime.fromisoformat(known)
    )


def targets_known_at(
    area_code: str, base_as_at: date, as_at: date, known_at: datetime
) -> pl.DataFrame:
    """The area's targets assessed at an earlier `as_at` with the revisions recorded by
    `known_at` (`assessment(area_code, as_at, known_at=...).targets`), from the scope of its
    assessment at `base_as_at` and one read of values."""
    return _targets_known_at(
        database_url(), actor(), area_code, base_as_at.isoformat(), as_at.isoformat(),
        known_at.isoformat(), area_version(area_code),
    )  # fmt: skip


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, time.max, UTC)


@st.cache_data(show_spinner=False, max_entries=4)
def _settings(url: str, version: int) -> dict[str, object]:
    eng = _engine(url)
    return {"today": store.business_today(eng), "demo": store.is_demo(eng)}


def business_settings() -> dict[str, object]:
    return _settings(database_url(), data_version())


def area(area_code: str) -> dict[str, object]:
    """One row of `areas()` as a dict (found once per data version: every page's every run
    asks for it)."""
    row = derived(
        ("area", area_code),
        lambda: areas().filter(pl.col("area_code") == area_code).row(0, named=True),
    )
    return dict(row)  # a copy: the kept one is shared by every session


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
# A national trail holds a row per value (close to a million): the page reads its counts and
# one page of rows, filtered in SQL, and the whole filtered trail only for a download.
AUDIT_PAGE_ROWS = 10_000


@st.cache_data(show_spinner=False, max_entries=16)
def _audit_summary(
    url: str, who: Actor, area_code: str | None, since: str | None, version: int
) -> tuple[pl.DataFrame, dict[tuple[str, str], str]]:
    from dashboard.reports import audit as audit_report

    eng = _engine(url)
    summary = store.audit_summary(eng, who, area_code, date.fromisoformat(since) if since else None)
    with eng.connect() as conn:
        owners = store.target_owners(conn, audit_report.choices(summary, "area_code"))
    return audit_report.with_partnership_counts(summary, owners), owners


def audit_summary(area_code: str | None, since: date | None = None) -> pl.DataFrame:
    """The audit trail of an area (None: every area, administrators only) counted by user,
    target and owning partnership (`reports.audit.with_partnership_counts`); the store refuses
    (AccessDenied) what the actor may not read."""
    frame, _ = _audit_summary(
        database_url(), actor(), area_code, since.isoformat() if since else None, data_version()
    )
    return frame


@st.cache_data(show_spinner=False, max_entries=16)
def _audit_count(
    url: str, who: Actor, area_code: str | None, since: str | None, until: str,
    user: str | None, partnership: str | None, version: int,
) -> int:  # fmt: skip
    from dashboard.reports import audit as audit_report

    frame = store.audit_summary(
        _engine(url), who, area_code, date.fromisoformat(since) if since else None,
        until=date.fromisoformat(until),
    )  # fmt: skip
    _, owners = _audit_summary(url, who, area_code, since, version)
    counted = audit_report.with_partnership_counts(frame, owners)
    return audit_report.count_changes(counted, user=user, partnership=partnership)


def audit_count(
    area_code: str | None, since: date | None, until: date | None, *,
    user: str | None = None, partnership: str | None = None,
) -> int:  # fmt: skip
    """How many changes the filters leave (of those `audit_page` pages through)."""
    from dashboard.reports import audit as audit_report

    if until is None:  # the counts already read say it
        summary = audit_summary(area_code, since)
        return audit_report.count_changes(summary, user=user, partnership=partnership)
    return _audit_count(
        database_url(), actor(), area_code, since.isoformat() if since else None,
        until.isoformat(), user, partnership, data_version(),
    )  # fmt: skip


def _audit_filters(
    url: str, who: Actor, area_code: str | None, since: str | None,
    until: str | None, user: str | None, partnership: str | None, version: int,
) -> dict[str, object]:  # fmt: skip
    """The store's arguments for the trail the page's filters leave."""
    _, owners = _audit_summary(url, who, area_code, since, version)
    return {
        "since": date.fromisoformat(since) if since else None,
        "until": date.fromisoformat(until) if until else None,
        "user": user,
        "partnership": partnership,
        "owned": sorted(p for p, owner in owners.items() if partnership and owner == partnership),
    }


@st.cache_data(show_spinner=False, max_entries=16)
def _audit_page(
    url: str, who: Actor, area_code: str | None, since: str | None, until: str | None,
    user: str | None, partnership: str | None, page: int, version: int,
) -> pl.DataFrame:  # fmt: skip
    from dashboard.reports import audit as audit_report

    eng = _engine(url)
    filters = _audit_filters(url, who, area_code, since, until, user, partnership, version)
    newest = store.audit_frame(
        eng, who, area_code, **filters, newest_first=True,  # type: ignore[arg-type]
        limit=AUDIT_PAGE_ROWS, offset=page * AUDIT_PAGE_ROWS,
    )  # fmt: skip
    _, owners = _audit_summary(url, who, area_code, since, version)
    frame = newest.reverse()  # oldest first, as `audit_frame` gives the whole trail
    indicators = _indicators(url, version)
    return audit_report.with_period_labels(audit_report.with_partnership(frame, owners), indicators)


def audit_page(
    area_code: str | None, since: date | None, until: date | None, *,
    user: str | None = None, partnership: str | None = None, page: int = 0,
) -> pl.DataFrame:  # fmt: skip
    """One page (AUDIT_PAGE_ROWS, the newest first: page 0 is the newest) of the changes the
    filters leave, oldest first within the page, with each row's owning partnership and
    period label."""
    return _audit_page(
        database_url(), actor(), area_code, since.isoformat() if since else None,
        until.isoformat() if until else None, user, partnership, page, data_version(),
    )  # fmt: skip


def audit_export(
    area_code: str | None, since: date | None, until: date | None, *,
    user: str | None = None, partnership: str | None = None,
) -> Callable[[], pl.DataFrame]:  # fmt: skip
    """A function reading every change the filters leave, oldest first, for a download: run
    when it is clicked, and not cached (it can be the whole national trail)."""
    url, who = database_url(), actor()
    filters = _audit_filters(
        url, who, area_code, since.isoformat() if since else None,
        until.isoformat() if until else None, user, partnership, data_version(),
    )  # fmt: skip
    return lambda: store.audit_frame(_engine(url), who, area_code, **filters)  # type: ignore[arg-type]


# ---- vertical accountability (issue 6): returns, review packs, reporting lines, burden ----


@st.cache_data(show_spinner=False, max_entries=8)
def _reporting_lines(url: str, version: int) -> pl.DataFrame:
    return store.reporting_lines(_engine(url))


def reporting_lines() -> pl.DataFrame:
    """Every reporting line (shared framework data) with indicator, block and recipient names."""
    return _reporting_lines(database_url(), data_version())


@st.cache_data(show_spinner=False, max_entries=8)
def _departments(url: str, version: int) -> pl.DataFrame:
    return store.departments(_engine(url))


def departments() -> pl.DataFrame:
    return _departments(database_url(), data_version())


@st.cache_data(show_spinner=False, max_entries=32)
def _department_return(
    url: str, who: Actor, department: str, period: str, as_at: str,
    areas: tuple[str, ...] | None, version: int,
):  # fmt: skip
    from dashboard.reports.returns import department_return

    return department_return(
        _engine(url), who, department, date.fromisoformat(period), date.fromisoformat(as_at),
        area_codes=list(areas) if areas is not None else None,
    )  # fmt: skip


def department_return(
    department: str, period: date, as_at: date, areas: tuple[str, ...] | None = None
):
    """A department's return (`dashboard.reports.returns.DepartmentReturn`), cached."""
    return _department_return(
        database_url(), actor(), department, period.isoformat(), as_at.isoformat(), areas,
        data_version(),
    )  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=32)
def _review_pack(url: str, who: Actor, area_code: str, as_at: str, version: int):
    from dashboard.reports.review import review_pack

    return review_pack(_engine(url), who, area_code, date.fromisoformat(as_at))


def review_pack(area_code: str, as_at: date):
    """An area's GO six-monthly review pack (`dashboard.reports.review.ReviewPack`), cached."""
    return _review_pack(database_url(), actor(), area_code, as_at.isoformat(), data_version())


@st.cache_data(show_spinner=False, max_entries=16)
def _reported_indicators(url: str, who: Actor, areas: tuple[str, ...], version: int):
    return store.reported_indicators(_engine(url), who, list(areas))


def reported_indicators(areas: tuple[str, ...]) -> pl.DataFrame:
    """area_code, area_name, indicator_code, block_code: what each area reports."""
    return _reported_indicators(database_url(), actor(), areas, data_version())


@st.cache_data(show_spinner=False, max_entries=4)
def _department_indicators(url: str, version: int) -> pl.DataFrame:
    return store.department_indicators(_engine(url))


def department_indicators() -> pl.DataFrame:
    """department_code × indicator_code: what each department receives (renames included)."""
    return _department_indicators(database_url(), data_version())


@st.cache_data(show_spinner=False, max_entries=16)
def _owed_returns(url: str, who: Actor, area_code: str, as_at: str, version: int):
    from dashboard.reports.returns import owed_returns

    return owed_returns(_engine(url), who, area_code, date.fromisoformat(as_at))


def owed_returns(area_code: str, as_at: date) -> pl.DataFrame:
    """The department returns an area owes (`dashboard.reports.returns.owed_returns`)."""
    return _owed_returns(database_url(), actor(), area_code, as_at.isoformat(), data_version())


@st.cache_data(show_spinner=False, max_entries=32)
def _review_signoffs(url: str, who: Actor, areas: tuple[str, ...], review: str, version: int):
    frame = store.review_signoffs(_engine(url), who, list(areas))
    return frame.filter(pl.col("period") == date.fromisoformat(review))


def review_signoffs(areas: tuple[str, ...], review: date) -> pl.DataFrame:
    """The newest sign-off of each area for one half-year (the store checks read access)."""
    return _review_signoffs(database_url(), actor(), areas, review.isoformat(), data_version())


# ---- capacity assessment (issue 13) ----
@st.cache_data(show_spinner=False, max_entries=4)
def _capacity_framework(url: str, include_retired: bool, version: int) -> pl.DataFrame:
    return store.capacity_framework(_engine(url), include_retired=include_retired)


def capacity_framework(*, include_retired: bool = False) -> pl.DataFrame:
    """The characteristics of the capacity framework in display order (reference data)."""
    return _capacity_framework(database_url(), include_retired, data_version())


@st.cache_data(show_spinner=False, max_entries=32)
def _capacity_assessments(
    url: str, who: Actor, area_code: str, version: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    return store.capacity_assessments(_engine(url), who, area_code)


def capacity_assessments(area_code: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """An area's GO and self-assessments, oldest first, and their ratings; the store refuses
    (AccessDenied) an area the user may not read."""
    return _capacity_assessments(database_url(), actor(), area_code, data_version())


# ---- charts: a page's Vega-Lite specs, built once per data version ----
@st.cache_data(show_spinner=False, max_entries=64)
def _chart_spec(
    url: str, who: Actor, what: tuple[object, ...], version: int, _build: Callable[[], Any]
) -> dict[str, Any]:
    # not re-validated: the builders' specs are checked in the chart tests, and validation
    # is a third of the time a chart takes; `_build` is not part of the key (`what` is).
    # A builder may give the spec itself (dashboard.charts_spec: no Altair objects at all).
    built = _build()
    return built if isinstance(built, dict) else built.to_dict(validate=False)


def chart_spec(
    what: tuple[object, ...], build: Callable[[], Any], *, area: str | None = None
) -> dict[str, Any]:
    """The Vega-Lite spec `build()` makes (or that of the Altair chart it makes), cached on
    `what` (everything the chart is drawn from besides the data: codes, dates, sizes) and the
    data version: `area`'s (`area_version`) for a chart of that area's data alone.
    Building an Altair chart of a block's small multiples took a second of every run."""
    version = area_version(area) if area is not None else data_version()
    return _chart_spec(database_url(), actor(), what, version, build)


# ---- a page's derived tables, built once per data version and shared ----
@st.cache_resource(show_spinner=False, max_entries=256)
def _derived(
    url: str, who: Actor, what: tuple[object, ...], version: int, _build: Callable[[], Any]
):
    # A resource, not data: a hit hands back the same frames (polars frames are not changed
    # in place here) instead of unpickling a copy, which under 25 sessions at once was as
    # costly as building them.
    return _build()


def derived(what: tuple[object, ...], build: Callable[[], Any], *, area: str | None = None) -> Any:
    """What `build()` returns, cached on `what` (everything it is worked out from besides the
    data: the page, codes, dates, toggles), the user and the data version: `area`'s
    (`area_version`) when `build` reads that area's data alone. For the tables a page derives
    from an assessment on every run: status counts, exceptions, the table."""
    version = area_version(area) if area is not None else data_version()
    return _derived(database_url(), actor(), what, version, build)


# ---- meeting mode (dashboard/ui/meeting.py): the deck and each slide's chart ----
@st.cache_data(show_spinner=False, max_entries=16)
def _meeting_deck(url: str, who: Actor, area_code: str, as_at: str, version: int) -> pl.DataFrame:
    from dashboard.ui import meeting

    return meeting.slides(_assessment(url, who, area_code, as_at, None, version))


def meeting_deck(area_code: str, as_at: date) -> pl.DataFrame:
    """The target slides of an area's board meeting at `as_at`, exceptions first."""
    return _meeting_deck(
        database_url(), actor(), area_code, as_at.isoformat(), area_version(area_code)
    )


@st.cache_data(show_spinner=False, max_entries=256)
def _meeting_chart(
    url: str, who: Actor, area_code: str, as_at: str, target_id: int, version: int
) -> dict | None:
    from dashboard.ui import meeting

    chart = meeting.slide_chart(_assessment(url, who, area_code, as_at, None, version), target_id)
    # not re-validated: the builder's specs are checked in the chart tests, and validation
    # doubles the time a new slide takes
    return chart.to_dict(validate=False) if chart is not None else None


def meeting_chart(area_code: str, as_at: date, target_id: int) -> dict | None:
    """The Vega-Lite spec of one slide's trajectory chart (built once per data version)."""
    return _meeting_chart(
        database_url(), actor(), area_code, as_at.isoformat(), target_id, area_version(area_code)
    )


# ---- compare areas (issue 13) ----
# One assessment of every area the user reads (never a load per area), kept as a resource
# (not copied on each hit: at national scale it is large) and shared with the national view,
# and the one indicator's rows cached per indicator. It is kept area by area: after a write,
# only the areas whose data version moved are read and assessed again.
@st.cache_resource(show_spinner=False, max_entries=4)
def _assessments_by_area(url: str, who: Actor, as_at: str) -> AssessmentsByArea:
    return AssessmentsByArea()


def _kept_assessment(url: str, who: Actor, as_at: str, codes: list[str]) -> Assessment:
    """The assessment of `codes` at `as_at`, from the parts kept for the user and date."""
    day = date.fromisoformat(as_at)
    return _assessments_by_area(url, who, as_at).assessment(
        codes,
        store.area_data_versions(_engine(url)),
        day,
        lambda stale: assess_areas(_engine(url), who, stale, day),
    )


def _readable_assessment(url: str, who: Actor, as_at: str, version: int) -> Assessment:
    codes = _areas(url, who, version)["area_code"].to_list()
    return _kept_assessment(url, who, as_at, codes)


@st.cache_data(show_spinner=False, max_entries=32)
def _compare_inputs(
    url: str, who: Actor, indicator_code: str, as_at: str, version: int
) -> tuple[pl.DataFrame, pl.DataFrame, bool]:
    result = _readable_assessment(url, who, as_at, version)
    of_indicator = pl.col("indicator_code") == indicator_code
    everyone = store.readable(_engine(url), who).areas is None
    return result.targets.filter(of_indicator), result.scope.actuals.filter(of_indicator), everyone


def compare_inputs(indicator_code: str, as_at: date) -> tuple[pl.DataFrame, pl.DataFrame, bool]:
    """For comparing an indicator across every area the user reads: its assessed targets,
    their actuals, and whether those areas are all areas (the national figures)."""
    return _compare_inputs(
        database_url(), actor(), indicator_code, as_at.isoformat(), data_version()
    )


@st.cache_data(show_spinner=False, max_entries=32)
def _distribution(
    url: str, who: Actor, indicator_code: str, area_code: str, group: str, as_at: str,
    version: int,
) -> tuple[dict[str, object], dict[str, object], str]:  # fmt: skip
    from dashboard.reports import compare

    eng, day = _engine(url), date.fromisoformat(as_at)
    everyone = store.reference_areas(eng)
    members = compare.group_areas(everyone, area_code, group)["area_code"].to_list()
    return (
        store.indicator_distribution(eng, who, indicator_code, members, day),
        store.indicator_distribution(eng, who, indicator_code, everyone["area_code"], day),
        compare.how_chosen(everyone, area_code, group, seen=False),
    )


def distribution(
    indicator_code: str, area_code: str, group: str, as_at: date
) -> tuple[dict[str, object], dict[str, object], str]:
    """For a reader of one area: the spread (n, quartiles, median; never rows) of the
    indicator over the area's comparison group and over all areas, and how the group is
    chosen (`store.indicator_distribution`)."""
    return _distribution(
        database_url(), actor(), indicator_code, area_code, group, as_at.isoformat(),
        data_version(),
    )  # fmt: skip


# ---- region and national views (issue 13) ----
# Each view reads and assesses all its areas in one pass through the store (never one load
# per area); the filtered tables are cached too, so a filter change is one polars pass.
@st.cache_data(show_spinner=False, max_entries=16)
def _region_view(url: str, who: Actor, region_code: str, as_at: str, version: int):
    from dashboard.reports import region

    return region.region_view(
        _engine(url), who, region_code, date.fromisoformat(as_at),
        assessed=lambda codes: _kept_assessment(url, who, as_at, codes),
    )  # fmt: skip


def region_view(region_code: str, as_at: date):
    """A region's areas and their one assessment (`reports.region.RegionView`); the store
    refuses (AccessDenied) a region the user's grants do not cover."""
    return _region_view(database_url(), actor(), region_code, as_at.isoformat(), data_version())


@st.cache_data(show_spinner=False, max_entries=32)
def _region_tables(
    url: str, who: Actor, region_code: str, as_at: str, block: str | None,
    cohort: int | None, la_type: str | None, version: int,
) -> tuple[pl.DataFrame, pl.DataFrame]:  # fmt: skip
    from dashboard.reports import region

    view = _region_view(url, who, region_code, as_at, version)
    return region.region_tables(view, region.Filters(block, cohort, la_type))


def region_tables(
    region_code: str, as_at: date, *, block: str | None = None, cohort: int | None = None,
    la_type: str | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:  # fmt: skip
    """The region grid and its red flags (`reports.region.region_tables`) for the filters."""
    return _region_tables(
        database_url(), actor(), region_code, as_at.isoformat(), block, cohort, la_type,
        data_version(),
    )  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=8)
def _national_view(url: str, who: Actor, as_at: str, version: int):
    from dashboard.reports import region

    # The assessment of every area the user reads that Compare areas keeps too: whichever of
    # the two pages is opened first, the other does not assess the nation again.
    return region.national_view(
        _engine(url),
        who,
        date.fromisoformat(as_at),
        assessed=lambda _codes: _readable_assessment(url, who, as_at, version),
    )


def national_view(as_at: date):
    """The nine regions × four blocks (`reports.region.NationalView`), cached; refused
    (AccessDenied) for anyone but administrators and departments."""
    return _national_view(database_url(), actor(), as_at.isoformat(), data_version())


@st.cache_data(show_spinner=False, max_entries=4)
def _regions(url: str, who: Actor, version: int) -> pl.DataFrame:
    return store.readable_regions(_engine(url), who)


def readable_regions() -> pl.DataFrame:
    """The regions whose region page the user may open: region_code, region_name."""
    return _regions(database_url(), actor(), data_version())


# ---- negotiation of a draft agreement (issue 14) ----
@st.cache_data(show_spinner=False, max_entries=32)
def _latest_agreement(url: str, who: Actor, area_code: str, version: int) -> dict | None:
    return store.latest_agreement(_engine(url), who, area_code)


def latest_agreement(area_code: str) -> dict | None:
    """The area's latest agreement (being negotiated, or the last signed) with its facts."""
    return _latest_agreement(database_url(), actor(), area_code, data_version())


@st.cache_data(show_spinner=False, max_entries=32)
def _negotiation(url: str, who: Actor, agreement_id: int, version: int) -> store.Negotiation:
    return store.load_negotiation(_engine(url), who, agreement_id)


def negotiation(agreement_id: int) -> store.Negotiation:
    """Everything recorded in an agreement's negotiation (the store checks read access)."""
    return _negotiation(database_url(), actor(), agreement_id, data_version())


@st.cache_data(show_spinner=False, max_entries=32)
def _area_values(url: str, who: Actor, area_code: str, version: int) -> pl.DataFrame:
    return store.current_actuals(_engine(url), who, [area_code])


def area_values(area_code: str) -> pl.DataFrame:
    """The current value of every indicator and period the area has, target or not."""
    return _area_values(database_url(), actor(), area_code, data_version())


def framework_indicators() -> pl.DataFrame:
    """Every indicator of the outcomes framework (public reference data)."""
    return _indicators(database_url(), data_version())


@st.cache_data(show_spinner=False, max_entries=32)
def _area_partnerships(url: str, who: Actor, area_code: str, version: int) -> pl.DataFrame:
    return store.area_partnerships(_engine(url), who, area_code)


def area_partnerships(area_code: str) -> pl.DataFrame:
    """The area's partnerships (name, kind, block_code)."""
    return _area_partnerships(database_url(), actor(), area_code, data_version())


# ---- the meeting cycle (issue 15) ----
@st.cache_data(show_spinner=False, max_entries=32)
def _meetings(url: str, who: Actor, area_code: str, version: int) -> pl.DataFrame:
    return store.meetings(_engine(url), who, area_code)


def meetings(area_code: str) -> pl.DataFrame:
    """The area's meetings, soonest first, with how many packs each has."""
    return _meetings(database_url(), actor(), area_code, data_version())


@st.cache_data(show_spinner=False, max_entries=32)
def _packs(url: str, who: Actor, area_code: str, version: int) -> pl.DataFrame:
    return store.packs(_engine(url), who, area_code)


def packs(area_code: str) -> pl.DataFrame:
    """Every pack built for the area's meetings, newest first (without the files)."""
    return _packs(database_url(), actor(), area_code, data_version())


@st.cache_data(show_spinner=False, max_entries=32)
def _actions(url: str, who: Actor, area_code: str, today: str, version: int) -> pl.DataFrame:
    return store.actions(_engine(url), who, area_code, date.fromisoformat(today))


def actions(area_code: str, today: date) -> pl.DataFrame:
    """The area's actions with their current status, open first, `overdue` as of `today`."""
    return _actions(database_url(), actor(), area_code, today.isoformat(), data_version())


@st.cache_data(show_spinner=False, max_entries=32)
def _action_owners(url: str, who: Actor, area_code: str, version: int) -> list[str]:
    return store.action_owners(_engine(url), who, area_code)


def action_owners(area_code: str) -> list[str]:
    """The names an action may be given to: the area's people and earlier owners."""
    return _action_owners(database_url(), actor(), area_code, data_version())


@st.cache_data(show_spinner=False, max_entries=256)
def _display_name(url: str, username: str, version: int) -> str | None:
    from dashboard import accounts

    return accounts.display_name(_engine(url), username)


def my_name() -> str:
    """The signed-in user's name as others see it (an action's owner), else the user name."""
    name = actor().name
    return _display_name(database_url(), name, data_version()) or name
