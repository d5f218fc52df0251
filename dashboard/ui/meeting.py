"""Meeting mode: a projector view of the overview, readable from the back of a room.

Slide 1 is the agenda (the exceptions, worst first, each with its status and owner); then one
target per slide, exceptions first. The slide number lives in the URL (`?slide=3`), so a
reload or a shared link returns to the same slide; a missing, garbled or out-of-range number
opens the agenda. Previous / next are buttons with keyboard shortcuts (← → and PageUp /
PageDown, which is what a presentation clicker sends). The sidebar and the page header are
hidden; "Leave meeting mode" brings them back.
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

import altair as alt
import polars as pl
import streamlit as st

from dashboard.analysis import Assessment
from dashboard.formatting import DIRECTION, STATUS, money, value_text
from dashboard.metrics import period_label_expr
from dashboard.metrics.assess import agreements_ended
from dashboard.reports import board
from dashboard.ui import components, loaders, nav
from dashboard.ui.plain import md

SLIDE = "slide"  # the query parameter holding the slide number (1 = the agenda)
TOGGLE = "meeting"  # the overview's Meeting mode toggle (bound to ?meeting=)
CHART_HEIGHT = (
    500  # whole chart (Streamlit fits title, axes and legend inside): above the fold at 1280×720
)
CHART_FONT = 17

# Projector CSS: no sidebar, no header, full width, large high-contrast type. It is in the
# page only while meeting mode is on, so leaving brings the sidebar back.
PROJECTOR_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], [data-testid="stHeader"], .st-key-meeting,
.st-key-slide_prev_page, .st-key-slide_next_page {display: none !important;}
[data-testid="stMainBlockContainer"] {max-width: 100%; padding: 0.9rem 2rem 1.5rem 2rem;}
[data-testid="stMainBlockContainer"] p, [data-testid="stMainBlockContainer"] li {
  font-size: 1.3rem; color: #0b0c0c;}
[data-testid="stMainBlockContainer"] h1 {font-size: 2.5rem; padding: 0.2rem 0;}
[data-testid="stMainBlockContainer"] h2 {font-size: 1.95rem; padding: 0.1rem 0; line-height: 1.2;}
.st-key-meeting_bar button p {font-size: 1.25rem; white-space: nowrap;}
.st-key-meeting_bar button {padding: 0.3rem 1rem;}
.st-key-meeting_agenda h1 {font-size: 2.3rem; padding: 0;}
.st-key-meeting_agenda h2 {font-size: 1.6rem; padding: 0.3rem 0 0 0;}
.laa-where {font-size: 1.2rem; color: #0b0c0c; text-align: center; white-space: nowrap;}
.laa-where .x {font-weight: 700; color: #c0301a;}
.laa-lede {font-size: 1.45rem; line-height: 1.5; color: #0b0c0c;}
.laa-lede .s {font-weight: 700; white-space: nowrap;}
.laa-agenda {width: 100%; border-collapse: collapse; font-size: 1.15rem; line-height: 1.35; color: #0b0c0c;}
.laa-agenda th {text-align: left; font-weight: 700; border-bottom: 3px solid #0b0c0c;
  padding: 0.25rem 0.6rem;}
.laa-agenda td {border-bottom: 1px solid #b1b4b6; padding: 0.15rem 0.6rem; vertical-align: top;}
.laa-agenda td.n {text-align: right; font-weight: 700; width: 3.5rem;}
.laa-agenda td.st {white-space: nowrap; font-weight: 700;}
.laa-agenda td.st .d {font-weight: 400; color: #0b0c0c;}
.laa-agenda td.o {width: 26%;}
.laa-facts {font-size: 1.3rem; line-height: 1.45; color: #0b0c0c;}
.laa-facts .status {font-size: 2.1rem; font-weight: 700; line-height: 1.2;}
.laa-facts .dir {font-size: 1.3rem; margin-bottom: 0.4rem;}
.laa-facts .fact {margin: 0 0 0.35rem 0; line-height: 1.2;}
.laa-facts .fact .k {display: block; font-size: 1.1rem;}
.laa-facts .fact .v {display: block; font-size: 1.6rem; font-weight: 700; white-space: nowrap;}
.laa-facts .owner {font-size: 1.15rem;}
.laa-quote {font-size: 1.1rem;}
</style>
"""


# ---- the deck (pure: tested without Streamlit) ----------------------------------------------
def slides(result: Assessment) -> pl.DataFrame:
    """One row per target slide: exceptions first (worst first), then the others in block
    order, with period labels for the slide's facts."""
    exceptions = board.exceptions(result.targets, result.scope.commentary, result.as_at)
    rest = (
        result.targets.filter(~pl.col("target_id").is_in(exceptions["target_id"].implode()))
        .join(
            board.latest_commentary(result.scope.commentary, result.as_at),
            on=["area_code", "indicator_code"],
            how="left",
        )
        .sort("block_order", "indicator_code")
    )
    deck = pl.concat([exceptions.with_columns(exception=pl.lit(True)),
                      rest.with_columns(exception=pl.lit(False))], how="diagonal_relaxed")  # fmt: skip
    return deck.with_columns(
        latest_label=period_label_expr("latest_period", "frequency", "period_basis"),
        target_label=period_label_expr("target_period", "frequency", "period_basis"),
    )


def slide_number(raw: str | None, total: int) -> int:
    """The slide a link asks for, 1..`total`; anything else (missing, not a whole number,
    out of range) is the agenda, slide 1."""
    try:
        number = int(str(raw).strip())
    except ValueError:
        return 1
    return number if 1 <= number <= total else 1


def slide_chart(result: Assessment, target_id: int) -> alt.LayerChart | None:
    """The trajectory chart of one slide, sized and lettered for a projector.

    The slide's heading already names the indicator, so the chart title is the code and
    which way is good ("lower is better"), short enough never to be cut.
    """
    from dashboard import charts

    rows, data = components._chart_inputs(result, [target_id])
    if rows.is_empty():
        return None
    row = rows.row(0, named=True)
    icon, word, _ = STATUS.get(row["rag"], STATUS[None])
    return charts.trajectory_chart(
        data,
        title=f"{row['indicator_code']} trajectory",
        subtitle=f"{row['block_name']} · {icon} {word}",
        unit=row["unit"],
        polarity=row["polarity"],
        decimals=int(row["decimals"]),
        height=CHART_HEIGHT,
        font_size=CHART_FONT,
    )


# ---- drawing ---------------------------------------------------------------------------------
def _go(number: int) -> None:
    st.query_params[SLIDE] = str(number)


def _leave() -> None:
    st.session_state[TOGGLE] = False  # a bound toggle is changed through its state
    st.query_params.pop(SLIDE, None)


def _controls(current: int, total: int, where: str) -> None:
    """Previous · where we are · Next · Leave meeting mode, in one row at the top.

    ← / → are the visible buttons' shortcuts; PageUp / PageDown (a clicker) are the same
    moves on two hidden buttons, since a button takes one shortcut.
    """
    first, last = current <= 1, current >= total
    with st.container(
        horizontal=True, vertical_alignment="center", gap="medium", key="meeting_bar"
    ):
        st.button("◀ Previous", key="slide_prev", disabled=first, on_click=_go,
                  args=(current - 1,), shortcut="Left", help="Previous slide (← or PageUp)")  # fmt: skip
        st.html(f'<div class="laa-where">{where}</div>', width="stretch")
        st.button("Next ▶", key="slide_next", disabled=last, on_click=_go, args=(current + 1,),
                  shortcut="Right", help="Next slide (→ or PageDown)")  # fmt: skip
        st.button("Leave meeting mode", key="meeting_leave", on_click=_leave, type="tertiary",
                  icon=":material/close:", help="Back to the LSP overview, sidebar included")  # fmt: skip
        st.button("Previous", key="slide_prev_page", disabled=first, on_click=_go,
                  args=(current - 1,), shortcut="PageUp")  # fmt: skip
        st.button("Next", key="slide_next_page", disabled=last, on_click=_go,
                  args=(current + 1,), shortcut="PageDown")  # fmt: skip


def _status_html(rag: str | None, count: int | None = None) -> str:
    """Symbol, (count,) word, in the status colour: `✖ 7 off track`, `✖ Off track`."""
    icon, word, colour = STATUS.get(rag, STATUS[None])
    text = f"{count} {word.lower()}" if count is not None else word
    return f'<span style="color:{colour}">{icon} {text}</span>'


def _agenda(result: Assessment, area: dict, deck: pl.DataFrame, as_at: date) -> None:
    st.title(f"{md(area['area_name'])} LSP — board meeting")
    counts = board.status_counts(result.targets)
    summary = result.areas.row(0, named=True) if result.areas.height else None
    lede = " &nbsp; ".join(
        f'<span class="s">{_status_html(k, counts[k])}</span>'
        for k in ("green", "amber", "red", None)
    )
    ended = agreements_ended(result.scope.agreements, as_at)  # the grant is then the outturn
    if summary is not None:
        lede += (
            f" &nbsp;·&nbsp; reward {'outturn' if ended else 'forecast'} "
            f"<b>{money(summary['prg_gbp'], short=True)}</b>"
            f" of {money(summary['max_prg_gbp'], short=True)}"
        )
    st.html(f'<div class="laa-lede">Position at {as_at:%d %B %Y} &nbsp;·&nbsp; {lede}</div>')
    exceptions = deck.filter(pl.col("exception"))
    st.header(f"Exceptions ({exceptions.height}): off track or worsening, worst first")
    if exceptions.is_empty():
        st.success("No target is off track or worsening.", icon=":material/check_circle:")
    else:
        rows = "".join(
            f'<tr><td class="n">{i}</td><td class="st">{_status_html(r["rag"])}'
            + (f' <span class="d">· {DIRECTION[r["direction"]]}</span>' if r["direction"] else "")
            + f"</td><td><b>{escape(r['indicator_code'])}</b> {escape(r['indicator_name'])}</td>"
            f'<td class="o">{escape(r["partnership"])}</td></tr>'
            for i, r in enumerate(exceptions.iter_rows(named=True), start=2)
        )
        st.html(
            '<table class="laa-agenda"><thead><tr><th>Slide</th><th>Status</th><th>Target</th>'
            f"<th>Owner</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    others = deck.height - exceptions.height
    if others:
        st.markdown(f"Then the other {others} target{'s' if others != 1 else ''}, one a slide.")


def _facts(row: dict[str, Any]) -> None:
    icon, word, colour = STATUS.get(row["rag"], STATUS[None])
    latest = f"Latest ({row['latest_label']})" if row.get("latest_label") else "Latest"
    target = f"Target ({row['target_label']})" if row.get("target_label") else "Target"
    owner = escape(row["partnership"]) + (
        f"<br>{escape(row['lead_officer'])}" if row.get("lead_officer") else ""
    )
    st.html(
        f'<div class="laa-facts"><div class="status" style="color:{colour}">{icon} {word}</div>'
        f'<div class="dir">{DIRECTION.get(row["direction"], "")}'
        f"{' · ★ reward target' if row['is_reward'] else ''}</div>"
        + "".join(
            f'<div class="fact"><span class="k">{label}</span>'
            f'<span class="v">{escape(value_text(row, column))}</span></div>'
            for label, column in (
                (latest, "latest_value"),
                ("Expected", "expected_value"),
                (target, "target_value"),
            )
        )
        + f'<div class="owner"><b>Owner</b><br>{owner}</div></div>'
    )
    if row.get("commentary"):
        components.quote(row["commentary"], row.get("commentary_author"), row.get("commentary_at"))
    elif row["exception"]:  # no commentary yet: a link to where it is written
        nav.commentary_link(row["indicator_code"], row["area_code"])


def _target_slide(row: dict[str, Any], spec: dict[str, Any] | None) -> None:
    st.header(f"{md(row['indicator_code'])} — {md(row['indicator_name'])}")
    chart_col, facts_col = st.columns([2.3, 1], gap="large")
    with chart_col:
        if spec is None:
            components.empty_state("No trajectory to draw for this target.")
        else:
            st.vega_lite_chart(spec, width="stretch", key="meeting_chart")
    with facts_col:
        _facts(row)


def show(result: Assessment, area: dict) -> None:
    """The meeting view of `result` (the overview's assessment of `area`)."""
    st.html(PROJECTOR_CSS)
    area_code, as_at = str(area["area_code"]), result.as_at
    deck = loaders.meeting_deck(area_code, as_at)
    total = deck.height + 1
    asked = st.query_params.get(SLIDE)
    current = slide_number(asked, total)
    if asked != str(current):  # the URL always says which slide is shown
        st.query_params[SLIDE] = str(current)
    if current == 1:
        where = f"Slide 1 of {total} · <b>agenda</b>"
    else:
        row = deck.row(current - 2, named=True)
        kind = (
            f' · <span class="x">exception {current - 1} of {deck["exception"].sum()}</span>'
            if row["exception"]
            else ""
        )
        where = f"Slide {current} of {total} · target {current - 1} of {deck.height}{kind}"
    _controls(current, total, where)
    if deck.is_empty():
        st.title(f"{md(area['area_name'])} LSP — board meeting")
        components.empty_state("This area has no targets yet.")
    elif current == 1:
        with st.container(key="meeting_agenda", gap="small"):
            _agenda(result, area, deck, as_at)
    else:
        _target_slide(row, loaders.meeting_chart(area_code, as_at, int(row["target_id"])))
    if current < total:  # build the next slide's chart now, so Next shows it at once
        loaders.meeting_chart(area_code, as_at, int(deck["target_id"][current - 1]))
