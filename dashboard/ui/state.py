"""Selections kept in our own session keys and in the URL, so links can be shared.

Streamlit drops a widget's state when its page is left, and a widget bound to the URL with
`bind="query-params"` writes its `format_func` label (not the code) to the URL. So each
selection is a plain value we own: `sel_<name>` in the session and `?<name>=` in the URL.
Each run, a change the user made in the widget wins; else a URL that changed since we last
wrote it (a pasted link, a page link) wins; else the remembered value; else the default.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time
from html import escape
from typing import Any

import polars as pl
import streamlit as st

from dashboard.metrics import bounds


def _resolve(name: str, options: Sequence[str], default: str) -> str:
    widget, chosen, seen = f"w_{name}", f"sel_{name}", f"url_{name}"
    value = st.session_state.get(chosen)
    typed = st.session_state.get(widget)
    if typed is not None and typed != value and typed in options:
        value = typed
    url = st.query_params.get(name)
    if url is not None and url != st.session_state.get(seen) and url in options:
        value = url
    if value not in options:
        value = default
    st.session_state[chosen] = value
    st.session_state[widget] = value  # seeds the widget; set before it is drawn
    return value


def _publish(name: str, value: str | None, default: str | None = None) -> None:
    st.session_state[f"url_{name}"] = value
    if value is None or value == default:
        st.query_params.pop(name, None)
    elif st.query_params.get(name) != value:
        st.query_params[name] = value


def select(
    name: str,
    label: str,
    options: Sequence[str],
    *,
    format_func: Callable[[Any], str] = str,
    widget: Callable[..., Any] | None = None,
    container: Any = None,
    publish_default: bool = True,
    default: str | None = None,
    **kwargs: Any,
) -> str:
    """A selection remembered across pages and carried in the URL as `?name=`; `default`
    (else the first option) when nothing was chosen yet."""
    value = _resolve(name, options, default if default in options else options[0])
    draw = widget or (container or st).selectbox
    draw(label, options, format_func=format_func, key=f"w_{name}", **kwargs)
    _publish(name, value, None if publish_default else options[0])
    return value


def sidebar_selections(areas: pl.DataFrame, today: date, *, past_view: bool = True) -> None:
    """The area picker and the as-at date in the sidebar (entrypoint only). `past_view`:
    whether the page about to run can show what was known at a past moment."""
    st.session_state["_today"] = today
    if areas.is_empty():
        st.session_state["sel_area"] = None
        return
    codes = areas["area_code"].to_list()
    names = dict(zip(codes, areas["area_name"].to_list(), strict=True))
    if len(codes) == 1:  # nothing to pick: the one area, named as plain text
        (code,) = codes
        st.session_state["sel_area"] = code
        _publish("area", code)
        st.sidebar.html(
            f'<div class="laa-area"><b>Area</b><br>{escape(str(names.get(code, code)))} '
            f"({escape(code)})</div>"
        )
    else:
        select(
            "area", "Area", codes, container=st.sidebar,
            format_func=lambda code: f"{names.get(code, code)} ({code})",
            help="The Local Strategic Partnership whose agreement you are looking at.",
        )  # fmt: skip
    _as_at_picker(today)
    _known_at_picker(today, past_view)


def earliest_date(today: date) -> date:
    """The first date a date picker offers: the first the dashboard covers (never after today)."""
    return min(bounds.EARLIEST_DATE, today)


def url_date(
    text: str, earliest: date, latest: date, what: str, latest_is: str = "today"
) -> tuple[date | None, str | None]:
    """A date from a link, held to [earliest, latest]: (the date to use, or None for the
    default; a message for the reader when the link's date was not usable as it stood)."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return None, f"The link's {what} “{text[:40]}” is not a date, so it is not used."
    if day < earliest:
        return earliest, (
            f"The link's {what} {day:%d %B %Y} is before {earliest:%d %B %Y}, the earliest "
            f"date the dashboard covers: showing {earliest:%d %B %Y}."
        )
    if day > latest:
        return latest, (
            f"The link's {what} {day:%d %B %Y} is after {latest_is} ({latest:%d %B %Y}): "
            f"showing {latest_is}."
        )
    return day, None


def _as_at_picker(today: date) -> None:
    options_key = "w_as_at"
    earliest = earliest_date(today)
    url = st.query_params.get("as_at")
    picked = st.session_state.get("sel_as_at", today)
    typed = st.session_state.get(options_key)
    if isinstance(typed, date) and typed != picked:
        picked = typed
    if url is not None and url != st.session_state.get("url_as_at"):
        from_link, problem = url_date(url, earliest, today, "as-at date")
        picked = from_link or picked
        if problem:  # said once, in the page: the URL is rewritten to the date used below
            st.warning(problem, icon=":material/event_busy:")
    picked = min(max(picked, earliest), today) if isinstance(picked, date) else today
    st.session_state["sel_as_at"] = picked
    st.session_state[options_key] = picked
    st.sidebar.date_input(
        "As at", min_value=earliest, max_value=today, key=options_key,
        format="DD/MM/YYYY",
        help="See the position as it stood on an earlier date: later periods do not count yet.",
    )  # fmt: skip
    _publish("as_at", None if picked == today else picked.isoformat())


def _known_at_picker(today: date, honoured: bool) -> None:
    """ "As known then" for a past as-at date: only the values recorded by the end of that day
    (DOMAIN §8), or the exact moment a link carries (`?known_at=`, e.g. a board pack's).

    A page that cannot show a past view (`honoured` False: entering values, the views across
    areas, the records) keeps the choice for the links it offers but says it shows everything
    known today, and gives no past-view warning."""
    st.session_state["_past_view_here"] = honoured
    picked_day = as_at()
    url = st.query_params.get("known_at")
    moment: datetime | None = None
    if url is not None:
        try:
            moment = datetime.fromisoformat(url)
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        except ValueError:
            st.warning(f"The link's known-at moment “{url[:40]}” is not a date and time, so it "
                       "is not used.", icon=":material/event_busy:")  # fmt: skip
            moment = None
    if picked_day >= today and moment is None:
        st.session_state["sel_known_at"] = None
        st.query_params.pop("known_at", None)
        return
    if moment is None:
        then = st.sidebar.toggle(
            "As known then", key="w_known_then", disabled=not honoured,
            help="Only the values recorded by the end of the as-at date: what a meeting that "
            "day could have seen. Off: every value known today, corrections included.",
        )  # fmt: skip
        moment = datetime.combine(picked_day, time.max, UTC) if then else None
    else:
        st.sidebar.caption(f"As known at {moment:%H:%M on %d %B %Y}")
    st.session_state["sel_known_at"] = moment
    if moment is None:
        st.query_params.pop("known_at", None)
        return
    st.query_params["known_at"] = moment.isoformat(timespec="minutes")
    if not honoured:
        st.sidebar.caption(
            "This page shows everything known today. The past view is on the LSP overview, "
            "blocks, thematic partnerships and indicator pages."
        )
        return
    st.warning(
        f"A past view: the position as at {picked_day:%d %B %Y}, as known at "
        f"{moment:%H:%M on %d %B %Y}. Values recorded after that moment are not shown.",
        icon=":material/history:",
    )


def known_at() -> datetime | None:
    """The moment of a past view ("as known then"), or None for everything known today (also
    on a page that cannot show a past view)."""
    if not st.session_state.get("_past_view_here", True):
        return None
    return st.session_state.get("sel_known_at")


def known_at_param() -> str | None:
    """The past view's moment for links: carried through pages that do not show it."""
    moment = st.session_state.get("sel_known_at")
    return None if moment is None else moment.isoformat(timespec="minutes")


def area_code() -> str | None:
    return st.session_state.get("sel_area")


def today() -> date:
    return st.session_state["_today"]


def as_at() -> date:
    picked = st.session_state.get("sel_as_at")
    return picked if isinstance(picked, date) else today()


def as_at_param() -> str | None:
    """The as-at date for a link, or None when it is the app's today."""
    picked = as_at()
    return None if picked == today() else picked.isoformat()
