"""Small page components in one visual language: header, badges, cards, downloads."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import streamlit as st

from dashboard.formatting import (
    STATUS,
    TARGET_TEXTS,
    spreadsheet_safe,
    spreadsheet_workbook,
    with_value_texts,
)
from dashboard.ui import loaders
from dashboard.ui.plain import indicator_label, md

LOGO = Path(__file__).resolve().parent.parent / "assets" / "logo.svg"
# Focus ring on the menu and links; Streamlit's own "Skip to main content" link, restyled.
ACCESSIBILITY_CSS = Path(__file__).resolve().parent.parent / "assets" / "accessibility.css"

CSS = """
<style>
.laa-badge {display:inline-block; padding:2px 10px; border-radius:12px; font-size:0.8rem;
  font-weight:600; background:#fff7bf; color:#594d00; border:1px solid #d9c400;}
.laa-card {border:1px solid #b1b4b6; border-left:6px solid var(--c); border-radius:4px;
  padding:0.6rem 0.9rem; background:#fff; height:100%;}
.laa-card .n {font-size:2.0rem; font-weight:700; line-height:1.1; color:#0b0c0c;}
.laa-card .l {font-size:0.95rem; color:#0b0c0c;}
.laa-card .s {font-size:0.8rem; color:#505a5f;}
.laa-card .n.word {font-size:1.45rem; line-height:1.3;}
.laa-quote {margin:0.2rem 0 0 0; padding:0.3rem 0.8rem; border-left:4px solid #b1b4b6;
  color:#0b0c0c; font-size:0.92rem; white-space:pre-wrap;}
.laa-quote .by {display:block; color:#505a5f; font-size:0.8rem; margin-top:0.2rem;}
.laa-facts {display:grid; grid-template-columns:max-content 1fr; gap:0.2rem 1.2rem; margin:0;}
.laa-facts dt {color:#505a5f; font-size:0.9rem;}
.laa-facts dd {margin:0; color:#0b0c0c; font-weight:600;}
.laa-line {font-size:0.95rem; color:#0b0c0c; margin:0.1rem 0 0.15rem 0;}
.laa-owner {font-size:0.875rem; color:#505a5f; margin-bottom:0.3rem;}
.laa-axes {display:grid; gap:1rem; align-items:center;}
</style>
"""
# Read once: every run of every page sends them.
_STYLES = CSS + f"<style>{ACCESSIBILITY_CSS.read_text()}</style>"


def sidebar_header() -> None:
    """Product name, and the demo-data badge when the demo database is in use."""
    st.html(_STYLES)
    settings = loaders.business_settings()
    st.logo(str(LOGO), size="large")
    with st.sidebar:
        if settings["demo"]:
            st.html(
                '<span class="laa-badge" title="Fictional areas and figures, generated for '
                'demonstration">DEMO DATA — fictional areas</span>'
            )


def status_card(rag: str | None, count: int, caption: str) -> None:
    icon, word, colour = STATUS.get(rag, STATUS[None])
    st.html(
        f'<div class="laa-card" style="--c:{colour}"><div class="l">'
        f'<span style="color:{colour}">{icon}</span> {word}</div>'
        f'<div class="n">{count}</div><div class="s">{caption}</div></div>'
    )


def table_downloads(frame: pl.DataFrame | Callable[[], pl.DataFrame], name: str, key: str) -> None:
    """CSV and Excel downloads of a table, built only when clicked (formula-injection safe).
    `frame` may be a function that reads it: a table too big to hold for every run (a
    national audit trail) is then read only when a download is clicked."""
    table = frame

    def safe() -> pl.DataFrame:
        return spreadsheet_safe(table() if callable(table) else table)

    def excel() -> bytes:
        buffer = io.BytesIO()
        with spreadsheet_workbook(buffer) as workbook:  # text cells as text, never links
            safe().write_excel(workbook, worksheet=name[:31])
        return buffer.getvalue()

    row = st.container(horizontal=True, gap="small")
    row.download_button(
        "CSV",
        data=lambda: safe().write_csv().encode(),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
    )
    row.download_button(
        "Excel",
        data=excel,
        file_name=f"{name}.xlsx",
        key=f"{key}_xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
    )


def document_downloads(pdf: bytes, html: str, name: str, key: str) -> None:
    """A document's two downloads side by side: the PDF and the same content as a web page."""
    left, right = st.columns(2)
    left.download_button(
        "Download the PDF", pdf, f"{name}.pdf", "application/pdf",
        icon=":material/picture_as_pdf:", key=f"{key}_pdf",
    )  # fmt: skip
    right.download_button(
        "Download as a web page", html.encode(), f"{name}.html", "text/html",
        icon=":material/html:", key=f"{key}_html",
    )  # fmt: skip


def empty_state(message: str, hint: Callable[[], None] | None = None) -> None:
    st.info(message, icon=":material/info:")
    if hint:
        hint()


def status_badge(rag: str | None, table: dict | None = None) -> str:
    """Inline HTML: coloured symbol and word (never colour alone)."""
    icon, word, colour = (table or STATUS).get(rag, (table or STATUS)[None])
    return f'<span style="color:{colour};font-weight:600;white-space:nowrap">{icon} {word}</span>'


AXIS_WORDS = {"green": "Good", "amber": "Mixed", "red": "Poor", None: "Not yet rated"}


def axis_badge(rating: str | None) -> str:
    icon, _, colour = STATUS.get(rating, STATUS[None])
    return (
        f'<span style="color:{colour};font-weight:600;white-space:nowrap">{icon} '
        f"{AXIS_WORDS.get(rating, AXIS_WORDS[None])}</span>"
    )


def arrow_table(frame: pl.DataFrame) -> pa.Table:
    """A frame as `st.dataframe` sends it without converting it to pandas first (a tenth of
    the server's time when 25 sessions open the overview at once), texts as plain strings."""
    table = frame.to_arrow()
    return table.cast(
        pa.schema(
            [
                f.with_type(pa.string()) if pa.types.is_large_string(f.type) else f
                for f in table.schema
            ]
        )
    )


def target_table_frame(targets: pl.DataFrame, *, show_partnership: bool = True) -> pl.DataFrame:
    """The rows of the standard table of targets, in its columns' words."""
    from dashboard.formatting import direction_expr, status_expr
    from dashboard.metrics import period_label_expr

    shown = with_value_texts(targets, *TARGET_TEXTS).with_columns(
        _status=status_expr("rag"),
        _latest=pl.col("latest_value_text"),
        _period=period_label_expr("latest_period", "frequency", "period_basis").fill_null("–"),
        _expected=pl.col("expected_value_text"),
        _target=pl.col("target_value_text"),
        _direction=direction_expr("direction"),
        _type=pl.when(pl.col("is_reward")).then(pl.lit("★ reward")).otherwise(pl.lit("")),
        # a focus agreed in the negotiation travels with the target's name
        _name=pl.when(pl.col("focus").is_not_null())
        .then(pl.format("{} — focus: {}", "indicator_name", "focus"))
        .otherwise(pl.col("indicator_name"))
        if "focus" in targets.columns
        else pl.col("indicator_name"),
        _reward=pl.col("forecast_reward_gbp").cast(pl.Float64),
        _updated=pl.col("last_updated").dt.strftime("%d %b %Y").fill_null("–"),
    )
    columns = {
        "_status": "Status",
        "indicator_code": "Code",
        "_name": "Indicator",
        "_latest": "Latest",
        "_period": "Period",
        "_expected": "Expected",
        "_target": "Target",
        "_direction": "Direction",
        "_type": "Type",
        "_reward": "Reward £",
        "_updated": "Updated",
        "partnership": "Thematic partnership",
        "lead_officer": "Lead officer",
    }
    if not show_partnership:
        columns.pop("partnership")
    return shown.select([pl.col(c).alias(label) for c, label in columns.items()])


def target_table(
    targets: pl.DataFrame,
    key: str,
    *,
    show_partnership: bool = True,
    table: pa.Table | None = None,
) -> None:
    """The standard table of targets; selecting a row opens that indicator's page. `table`:
    its rows already worked out (`arrow_table(target_table_frame(...))`), as a page that
    caches them passes."""
    from dashboard.ui import nav

    if table is None:
        table = arrow_table(target_table_frame(targets, show_partnership=show_partnership))
    event = st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * table.num_rows, 760),
        placeholder="–",  # an ordinary target's reward: nothing, not "None"
        key=key,
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "Status": st.column_config.TextColumn(
                width="small",
                help="Latest actual against the trajectory (the page How the numbers are "
                "worked out explains it)",
            ),
            "Code": st.column_config.TextColumn(width=80),
            "Type": st.column_config.TextColumn(width=90),  # "★ reward" whole
            "Indicator": st.column_config.TextColumn(width=280),
            "Expected": st.column_config.TextColumn(help="Where the trajectory says it should be"),
            # One column for both cases: the outturn once the target period has a figure.
            "Reward £": st.column_config.NumberColumn(
                format="localized",
                help="What this reward target earns: from the target period's figure once it "
                "is in, else from the forecast",
            ),
            "Direction": st.column_config.TextColumn(
                help="Latest vs previous actual, judged by the indicator's polarity (↗ = better)"
            ),
        },
    )
    st.caption("Select a row to open that indicator.")
    rows = event.selection.rows if event else []  # type: ignore[union-attr]
    if rows:
        nav.go("indicator", indicator=table.column("Code")[rows[0]].as_py())


def agreement_caption(result, area: dict, as_at) -> None:  # type: ignore[no-untyped-def]
    """Region · type · agreement term (signed) · as-at line under a page title."""
    agreements = result.scope.agreements
    if agreements.is_empty():
        st.caption(f"{md(area['region_name'])} · no agreement yet")
        return
    agreement = agreements.row(0, named=True)
    signed = (
        f"signed {agreement['signed_date']:%d %b %Y}"
        if agreement["status"] == "signed"
        else "draft"
    )
    st.caption(
        f"{md(area['region_name'])} · {str(area['la_type']).replace('_', ' ')} · Local Area Agreement "
        f"{agreement['agreement_start']:%b %Y} – {agreement['agreement_end']:%b %Y} ({signed}) · "
        f"position as at {as_at:%d %B %Y}"
    )


def counts_html(row: dict) -> str:
    parts = []
    for rag, column in (("green", "green"), ("amber", "amber"), ("red", "red"), (None, "no_data")):
        icon, word, colour = STATUS[rag]
        parts.append(
            f'<span title="{word}" style="color:{colour};font-weight:600;margin-right:0.7rem;'
            f'white-space:nowrap;font-size:0.92rem">'
            f'{icon} {row[column]} <span style="font-weight:400;color:#0b0c0c">{word.lower()}</span></span>'
        )
    return " ".join(parts)  # a space between: the counts wrap in a narrow column


def block_rows(blocks: pl.DataFrame, *, risk: bool = True) -> None:
    """One row per block: link, status counts, and the three-axis self-assessment (without
    the risk axis when `risk` is False: it rates the whole area's reward)."""
    from dashboard.ui import nav

    axes = ("performance", "progress", "risk")[: 3 if risk else 2]
    widths = [4.0, 4.2, 1.5, 1.2, 1.1][: 2 + len(axes)]
    header = st.columns(widths)
    for column, label, tip in zip(
        header,
        ["Block", "Targets", "Performance", "Progress", "Risk"],
        ["", "", "≥ 75% green is good, > 25% red is poor",
         "(improving − worsening) / targets: ≥ 0.2 good, ≤ −0.2 poor",
         "Reward forecast / maximum: ≥ 80% good, < 60% poor"],
        strict=False,
    ):  # fmt: skip
        more = nav.help_link("block-assessment")
        column.markdown(f"**{label}**", help=f"{tip}. {more}" if tip else None)
    # A row's ratings in one element, laid out on the header's columns: a row of separate
    # elements was a dozen messages per block for every session.
    grid = f"grid-template-columns:{' '.join(f'{w}fr' for w in widths[2:])}"
    for row in blocks.iter_rows(named=True):
        with st.container(border=True):
            cols = st.columns([*widths[:2], sum(widths[2:])], vertical_alignment="center")
            with cols[0]:
                nav.link("block", f"**{md(row['block_name'])}**", block=row["block_code"])
            cols[1].html(counts_html(row))
            ratings = "".join(f"<div>{axis_badge(row[axis])}</div>" for axis in axes)
            cols[2].html(f'<div class="laa-axes" style="{grid}">{ratings}</div>')


def exception_list(exceptions: pl.DataFrame, limit: int = 8) -> None:
    """Exception cards: status, indicator link, latest vs expected, owner, latest commentary."""

    def card(row: dict) -> None:
        from html import escape

        from dashboard.formatting import DIRECTION
        from dashboard.ui import nav

        # The link, then one element for the rest: status, figures, owner and commentary (a
        # card of separate elements was ten messages, eight cards most of the overview's).
        line = [
            status_badge(row["rag"]),
            f"{escape(row['latest_value_text'])} vs {escape(row['expected_value_text'])} expected",
        ]
        if row["direction"]:
            line.append(DIRECTION[row["direction"]])
        owner = escape(row["partnership"]) + (
            f" · {escape(row['lead_officer'])}" if row["lead_officer"] else ""
        )
        body = card_lines(line, owner + (" · ★ reward target" if row["is_reward"] else ""))
        with st.container(border=True):
            nav.link("indicator", indicator_label(row), indicator=row["indicator_code"])
            if row.get("commentary"):
                st.html(
                    body
                    + quote_html(
                        row["commentary"], row["commentary_author"], row.get("commentary_at")
                    )
                )
            else:  # links to where it is written
                st.html(body)
                nav.commentary_link(row["indicator_code"], row["area_code"])

    texts = with_value_texts(exceptions, "latest_value", "expected_value")
    rows = list(texts.iter_rows(named=True))
    for row in rows[:limit]:
        card(row)
    if len(rows) > limit:
        # Drawn only once opened (a rerun): a national area's forty-odd cards were most of
        # the overview's elements, sent and laid out though the expander was closed.
        more = st.expander(
            f"{len(rows) - limit} more exceptions", key="more_exceptions", on_change="rerun"
        )
        if more.open:
            with more:
                for row in rows[limit:]:
                    card(row)


def card_lines(line: list[str], owner: str) -> str:
    """An exception card's two lines as HTML: status and figures joined by " · ", then the
    owner (both already escaped)."""
    return (
        f'<div class="laa-line">{" · ".join(line)}</div><div class="laa-owner">Owner: {owner}</div>'
    )


def quote_html(text: str, author: str | None, at=None) -> str:  # type: ignore[no-untyped-def]
    """User-written text (commentary) as HTML that shows it as plain text: escaped, never
    run as HTML."""
    from html import escape

    by = escape(author or "")
    if at is not None:
        by += f", {at:%d %b %Y}"
    return f'<div class="laa-quote">{escape(text)}<span class="by">— {by}</span></div>'


def quote(text: str, author: str | None, at=None) -> None:  # type: ignore[no-untyped-def]
    """User-written text (commentary) shown as plain text: escaped, never run as HTML."""
    st.html(quote_html(text, author, at))


def export_columns(targets: pl.DataFrame) -> pl.DataFrame:
    """The columns of a targets download (plain values, not display strings)."""
    return targets.select(
        "area_code", "block_code", "partnership", "lead_officer", "indicator_code",
        "indicator_name", "unit", "is_reward", "baseline_period", "baseline_value",
        "target_period", "target_value", "without_reward_value", "latest_period",
        "latest_value", "latest_status", "expected_value", "gap", "rag", "direction",
        "forecast_value", "forecast_low", "forecast_high",
        pl.col("achieved_fraction"), pl.col("forecast_reward_gbp").cast(pl.Float64),
    )  # fmt: skip


def _chart_inputs(result, target_ids: list[int]):  # type: ignore[no-untyped-def]
    from dashboard import charts

    ids = pl.Series(target_ids).implode()
    rows = result.targets.filter(pl.col("target_id").is_in(ids))
    data = charts.trajectory_data(
        rows,
        result.scope.milestones.filter(pl.col("target_id").is_in(ids)),
        result.scope.actuals.filter(pl.col("target_id").is_in(ids)),
        result.as_at,
        agreements=result.scope.agreements,
    )
    return rows, data


def chart_download(  # type: ignore[no-untyped-def]
    chart, file_name: str, key: str, *, title: str | None = None, lead: str | None = None
) -> None:
    """A PNG download of a chart, rendered by vl-convert only when clicked; `title` (with the
    area and as-at date, see `charts.export_heading`) heads the image, `lead` under it.
    `chart`: an Altair chart, or a function building it (then built only when clicked)."""
    from dashboard import charts

    def png() -> bytes:
        return charts.chart_png(chart() if callable(chart) else chart, title=title, lead=lead)

    st.download_button(
        "PNG", data=png,
        file_name=file_name, mime="image/png",
        key=key, icon=":material/image:", help="Download this chart as an image",
    )  # fmt: skip


def _area_name(area_code: str) -> str:
    found = loaders.areas().filter(pl.col("area_code") == area_code)
    return str(found["area_name"][0]) if found.height else area_code


def _chart_title(code: str, name: str) -> str:
    """Full name and code (a long title wraps onto a second line)."""
    return f"{name} ({code})"


def trajectory(  # type: ignore[no-untyped-def]
    result,
    target_id: int,
    *,
    height: int = 380,
    key: str,
    font_size: int | None = None,
    title: str | None = None,
) -> None:
    """The big trajectory chart of one target, with a PNG download."""
    from dashboard import charts, charts_spec

    rows = result.targets.filter(pl.col("target_id") == target_id)
    if rows.is_empty():
        return
    row = rows.row(0, named=True)
    icon, word, _ = STATUS.get(row["rag"], STATUS[None])

    drawn: dict[str, Any] = {
        "title": title or _chart_title(row["indicator_code"], row["indicator_name"]),
        "subtitle": f"{row['block_name']} · {icon} {word}",
        "unit": row["unit"],
        "polarity": row["polarity"],
        "decimals": int(row["decimals"]),
        "height": height,
        "font_size": font_size,
    }

    def chart():  # type: ignore[no-untyped-def]  # the Altair chart, for the PNG
        return charts.trajectory_chart(_chart_inputs(result, [target_id])[1], **drawn)

    def spec() -> dict[str, Any]:  # the same spec without Altair's cost (charts_spec)
        return charts_spec.trajectory_spec(_chart_inputs(result, [target_id])[1], **drawn)

    what = (
        "trajectory", row["area_code"], result.as_at, result.known_at, target_id, height,
        font_size, title,
    )  # fmt: skip
    chart_spec = loaders.chart_spec(what, spec, area=row["area_code"])
    st.vega_lite_chart(chart_spec, width="stretch", key=f"{key}_chart")
    heading = f"{row['indicator_code']} {row['indicator_name']}"
    chart_download(
        chart, f"{row['area_code']}-{row['indicator_code']}-trajectory.png", f"{key}_png",
        title=charts.export_heading(heading, _area_name(row["area_code"]), result.as_at),
        lead=charts.polarity_phrase(row["polarity"]).capitalize(),
    )  # fmt: skip


def small_multiples(  # type: ignore[no-untyped-def]
    result, targets: pl.DataFrame, *, key: str, columns: int = 3, title: str | None = None
) -> None:
    """One small trajectory chart per target, in the same visual language as the big one.
    The image download is headed `title` (default: the targets' block) with the area and
    as-at date."""
    from dashboard import charts, charts_spec

    if targets.is_empty():
        return
    ids = targets["target_id"].to_list()
    rows = result.targets.filter(pl.col("target_id").is_in(pl.Series(ids).implode()))

    def chart():  # type: ignore[no-untyped-def]  # the Altair chart, for the PNG
        return charts.small_multiples(
            _chart_inputs(result, ids)[1], rows, columns=columns, width=250
        )

    def spec() -> dict[str, Any]:  # the same spec without Altair's cost (charts_spec)
        data = _chart_inputs(result, ids)[1]
        return charts_spec.small_multiples_spec(data, rows, columns=columns, width=250)

    what = ("small_multiples", result.as_at, result.known_at, tuple(ids), columns)
    areas = rows["area_code"].unique()
    one_area = str(areas[0]) if areas.len() == 1 else None
    st.vega_lite_chart(loaders.chart_spec(what, spec, area=one_area), key=f"{key}_chart")
    if title is None:
        blocks = rows["block_name"].drop_nulls().unique()
        title = str(blocks[0]) if blocks.len() == 1 else "Trajectories"
    area = _area_name(areas[0]) if areas.len() == 1 else f"{areas.len()} areas"
    chart_download(
        chart, f"{key}.png", f"{key}_png", title=charts.export_heading(title, area, result.as_at)
    )


def plain(text: str) -> None:
    """Text from data files or users, shown as plain text (escaped), in the body font."""
    from html import escape

    st.html(f'<p style="margin:0;white-space:pre-wrap">{escape(text)}</p>')


def sidebar_user(actor) -> None:  # type: ignore[no-untyped-def]
    """Who is signed in, their roles, and a way out."""
    from html import escape

    from dashboard import access

    with st.sidebar:
        st.html(
            f'<div style="font-size:0.85rem;color:#505a5f">Signed in as '
            f'<b style="color:#0b0c0c">{escape(actor.name)}</b><br>'
            f"{escape(access.describe(actor.grants))}</div>"
        )


def department_elsewhere(why: str) -> None:
    """Stop an area's own page for a department-only user, saying why and where its work is."""
    from dashboard import access
    from dashboard.ui import nav

    if access.department_only(loaders.actor()):
        st.info(why, icon=":material/info:")
        nav.link("returns", "Open Department returns", icon=":material/outbox:")
        st.stop()


def no_areas() -> None:
    """Why there is nothing to show: no access yet, or no data yet (and what to do)."""
    actor = loaders.actor()
    if not actor.grants:
        empty_state("Your account has no access yet: ask an administrator to grant you a role.")
    elif actor.is_admin:
        empty_state(
            "There are no areas in this database yet. Whoever runs the dashboard loads the "
            "demonstration areas, or imports the indicators, areas, targets and values from "
            "their files (the README describes each file)."
        )
    else:
        empty_state(
            "None of the areas your role covers has data yet: an administrator loads its areas "
            "and targets."
        )


def no_targets() -> None:
    """An area without targets: where they come from for administrators, who to ask for
    anyone else."""
    if loaders.actor().is_admin:
        empty_state(
            "This area has no targets yet: they are imported from the agreement's targets file "
            "(the README describes it)."
        )
    else:
        empty_state(
            "This area has no targets yet: its performance officer or an administrator loads them."
        )


def area_view(title: str):  # type: ignore[no-untyped-def]
    """The selected area's assessment for a page, or an empty state and a stopped run.

    Returns (area_code, as_at, assessment, area row). Pages call this first so every page
    says the same thing when there is nothing to show.
    """
    from dashboard.ui import state

    area_code = state.area_code()
    if area_code is None:
        st.title(title)
        no_areas()
        st.stop()
    as_at = state.as_at()
    result = loaders.assessment(area_code, as_at, known_at=state.known_at())
    if result.targets.is_empty():
        st.title(title)
        no_targets()
        st.stop()
    return area_code, as_at, result, loaders.area(area_code)


def correction_form(current: pl.DataFrame, target: dict, area_code: str) -> None:
    """Correct a value: a new revision with a reason; the earlier one stays in the history.

    The period is picked outside the form, so the inputs redraw with that period's value,
    status and grade (their keys name the indicator and period). The revision the user sees
    is remembered from when the form was drawn: if someone else saves that period before
    Save is pressed, the save is refused as a conflict instead of overwriting their value.
    """
    from dashboard import entry, store
    from dashboard.metrics import bounds
    from dashboard.ui import state

    statuses, grades = ["final", "provisional"], ["checked", "audited", "not_checked"]
    with st.expander("Correct a value", icon=":material/edit:"):
        if flash := st.session_state.pop("correction_flash", None):
            st.success(flash, icon=":material/check_circle:")
        periods = current.sort("period", descending=True)
        labels = dict(zip(periods["period"].to_list(), periods["label"].to_list(), strict=True))
        period = st.selectbox(
            "Period", list(labels), format_func=lambda p: labels[p], key="correction_period"
        )
        if period is None:
            return
        chosen = periods.filter(pl.col("period") == period).row(0, named=True)
        where = f"{target['indicator_code']}_{period.isoformat()}"
        seen_key = f"correction_seen_{where}"
        if f"correction_value_{where}" not in st.session_state:
            # The form is drawn afresh (first time, or back on the page): what is shown now is
            # what is seen; on the runs after, it stays the revision seen when it was drawn.
            st.session_state[seen_key] = int(chosen["revision"])
        seen = st.session_state.setdefault(seen_key, int(chosen["revision"]))
        with st.form("correction"):
            # A value beyond the import rules (inf, 1e38 written before they existed) is not
            # offered as the start: the box holds only what may be saved.
            start = float(chosen["value"] or 0.0)
            if bounds.value_problem(start):
                start = 0.0
            value = st.number_input(
                "Corrected value", value=start, format="%.4f", key=f"correction_value_{where}",
                min_value=-bounds.VALUE_LIMIT, max_value=bounds.VALUE_LIMIT,
            )  # fmt: skip
            status = st.radio(
                "Status", statuses, horizontal=True, key=f"correction_status_{where}",
                index=statuses.index(chosen["status"]) if chosen["status"] in statuses else 0,
            )  # fmt: skip
            quality = st.selectbox(
                "Data quality", grades, key=f"correction_quality_{where}",
                index=grades.index(chosen["data_quality"]) if chosen["data_quality"] in grades else 0,
            )  # fmt: skip
            # A fresh box after each save (the browser keeps a box's text while its key lives).
            saves = st.session_state.get("correction_saves", 0)
            reason = st.text_input(
                "Reason for the correction (required)", key=f"correction_reason_{saves}"
            )
            submitted = st.form_submit_button(
                "Save correction", type="primary", key="save_correction"
            )
        if submitted:
            try:
                summary = entry.correct_value(
                    loaders.engine(), loaders.actor(), area_code=area_code,
                    indicator_code=target["indicator_code"], period=period, value=value,
                    status=status, data_quality=quality, reason=reason,
                    seen_revision=seen, today=state.today(), period_label=labels[period],
                )  # fmt: skip
            except store.ConcurrentChange as exc:
                # Theirs is the one seen from now on (the table above shows it): what was typed
                # and the reason stay in the form, so the next Save, once reviewed, goes through.
                st.session_state.pop(seen_key, None)
                st.warning(f"Nothing was saved: {md(str(exc))}", icon=":material/sync_problem:")
                return
            except (ValueError, store.RuleViolation) as exc:
                st.error(f"Nothing was saved: {exc}", icon=":material/error:")
                return
            st.session_state.pop(seen_key, None)  # your revision is now the one you see
            if not summary.changed:
                st.info("The value, status and grade are unchanged: nothing was saved.")
                return
            # Run again so the table above shows the new revision; say so after that run.
            st.session_state["correction_saves"] = saves + 1  # the next one needs its own reason
            st.session_state["correction_flash"] = (
                "Saved as a new revision; the earlier value is kept in the history."
            )
            st.rerun()


def target_changes(target: dict, area: dict) -> None:
    """The target's refresh: frozen reward figures say why; the officer proposes a change; the
    GO records its agreement; pending proposals are listed for everyone who reads the area."""
    from dashboard import store
    from dashboard.formatting import value_text

    actor = loaders.actor()
    engine = loaders.engine()
    code, area_code = target["indicator_code"], target["area_code"]
    frozen = target["is_reward"] and target["agreement_status"] == "signed"
    st.markdown(
        f"Target in force: **{target.get('target_value_text') or value_text(target, 'target_value')}**"
        f" (version {target['version']})."
    )
    if frozen:
        st.info(
            "This is a stretched (reward) target of a signed agreement: its baseline, "
            "without-reward and stretched figures are frozen for the three years: stretched "
            "targets cannot be refreshed.",
            icon=":material/lock:",
        )
    pending = store.pending_target_changes(engine, actor, area_code).filter(
        pl.col("indicator_code") == code
    )
    may_agree = actor.is_admin or any(
        g.role == "go" and g.region_code == area["region_code"] for g in actor.grants
    )
    for change in pending.iter_rows(named=True):
        with st.container(border=True):
            st.markdown(
                f"**Proposed:** target {value_text(target | {'v': change['target_value']}, 'v')} "
                f"(version {change['version']}) by {md(change['recorded_by'])} on "
                f"{change['recorded_at']:%d %b %Y} — waiting for the GO's agreement."
            )
            plain(f"Reason: {change['reason'] or ''}")
            if may_agree and st.button(
                "Record the GO's agreement", key=f"agree_{change['version_id']}", type="primary"
            ):
                store.agree_target_change(engine, actor, area_code, change["version_id"])
                st.rerun()
    may_propose = actor.is_admin or any(
        g.role == "officer" and g.area_code == area_code for g in actor.grants
    )
    if may_propose and not frozen:
        with st.expander("Propose a change at the annual refresh", icon=":material/edit:"):
            with st.form("propose_target"):
                value = st.number_input(
                    "New target value", value=float(target["target_value"]), format="%.4f",
                    key="proposed_value",
                )  # fmt: skip
                reason = st.text_input("Reason (required)", key="proposal_reason")
                sent = st.form_submit_button("Propose to the Government Office", key="propose")
            if sent:
                try:
                    store.propose_target_change(
                        engine, actor, area_code, code, target_value=value, reason=reason
                    )
                except store.RuleViolation as exc:
                    st.error(f"Nothing was saved: {exc}")
                else:
                    st.rerun()


def lock_controls(area_code: str) -> None:
    """Period locks for the performance officer: lock after the board has seen the figures;
    a temporary unlock for a named user. Both are audited."""
    from datetime import UTC, datetime, timedelta

    from dashboard import store
    from dashboard.ui import state

    actor = loaders.actor()
    if not (
        actor.is_admin
        or any(g.role == "officer" and g.area_code == area_code for g in actor.grants)
    ):
        return
    engine = loaders.engine()
    with engine.connect() as conn:
        through = store.current_locks(conn, [area_code]).get(area_code)
    with st.expander(
        f"Period locks — {'locked through ' + through.strftime('%d %b %Y') if through else 'no lock'}",
        icon=":material/lock:",
    ):
        with st.form("lock_form"):
            day = st.date_input("Lock periods ending on or before", value=through or state.today(),
                                max_value=state.today(), key="lock_through")  # fmt: skip
            reason = st.text_input("Reason", value="seen by the LSP board", key="lock_reason")
            if st.form_submit_button("Lock", key="lock_submit"):
                store.lock_periods(engine, actor, area_code, day, reason)
                st.rerun()
        with st.form("unlock_form"):
            st.caption("Let a named user correct locked periods for a while.")
            user = st.text_input("User name", key="unlock_user")
            hours = st.number_input(
                "For how many hours", min_value=1, max_value=72, value=4, key="unlock_hours"
            )
            why = st.text_input("Reason (required)", key="unlock_reason")
            if st.form_submit_button("Grant a temporary unlock", key="unlock_submit"):
                if not user.strip() or not why.strip():
                    st.error("A user name and a reason are needed.")
                else:
                    until = datetime.now(UTC) + timedelta(hours=int(hours))
                    store.grant_unlock(
                        engine, actor, area_code, user.strip().lower(), until, why.strip()
                    )
                    st.success(
                        f"{md(user)} may change locked periods until {until:%d %b %Y %H:%M} UTC."
                    )
