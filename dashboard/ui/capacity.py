"""The capacity assessment page's parts (pages/capacity.py): the latest judgement, the GO's
levels beside the self-assessment, how capacity moved, the recording form, earlier versions
and the administrator's framework editor.

The store decides who may record which kind and checks every assessment; this module only
lays things out, and shows a refusal in the store's own words.
"""

from __future__ import annotations

import tempfile
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

import polars as pl
import streamlit as st

from dashboard import access, charts, store, tabular
from dashboard.access import AccessDenied, Actor
from dashboard.charts_capacity import capacity_heatmap
from dashboard.reports import capacity as report
from dashboard.ui import components, loaders, nav
from dashboard.ui.plain import md
from data_models import CAPACITY_LEVELS, SIGNOFF_RECOMMENDATIONS

FLASH = "capacity_flash"
STANDARD_FRAMEWORK = store.FRAMEWORK_DIR / "capacity_framework.csv"
# The scale as symbols too, so a level reads without its colour: four dots, filled by level.
LEVEL_DOTS = {"strong": "●●●●", "adequate": "●●●○", "developing": "●●○○", "weak": "●○○○"}
LEVEL_TEXT_COLOURS = {
    "strong": "#003078",
    "adequate": "#1d70b8",
    "developing": "#a34f00",
    "weak": "#c0301a",
}
RECOMMENDATION_SIGNS = {
    "ready": ("✔", "#00703c"),
    "ready_with_conditions": ("▲", "#a34f00"),
    "not_ready": ("✖", "#c0301a"),
}
TEXTS = ("evidence", "strengths", "weaknesses")  # each rating's text boxes
KIND_SHORT = {"go": "Government Office", "self": "Self-assessment"}
PREVIOUS = {"go": "Government Office assessment", "self": "self-assessment"}
GREY = "#505a5f"


def level_words(level: str | None) -> str:
    """`●●●○ Adequate`, or a dash when not rated."""
    return f"{LEVEL_DOTS[level]} {report.level_label(level)}" if level in LEVEL_DOTS else "–"


def level_expr(column: str) -> pl.Expr:
    words = {k: level_words(k) for k in CAPACITY_LEVELS}
    return pl.col(column).replace_strict(words, default="–", return_dtype=pl.Utf8)


def level_badge(level: str | None) -> str:
    colour = LEVEL_TEXT_COLOURS.get(level or "", GREY)
    return f'<span style="color:{colour};font-weight:600">{escape(level_words(level))}</span>'


def recommendation_badge(recommendation: str | None) -> str:
    sign, colour = RECOMMENDATION_SIGNS.get(recommendation or "", ("○", GREY))
    words = report.recommendation_label(recommendation) or "No recommendation"
    return f'<span style="color:{colour};font-weight:600">{sign} {escape(words)}</span>'


def latest(assessments: pl.DataFrame, kind: str) -> dict[str, Any] | None:
    """The newest assessment of `kind` (by date, then as recorded), or None."""
    mine = assessments.filter(pl.col("kind") == kind).sort("assessed_on", "id")
    return mine.row(-1, named=True) if mine.height else None


def _small(text: str) -> str:
    return f'<div style="font-size:0.8rem;color:{GREY}">{text}</div>'


# ----------------------------------------------------------------------------- the header
def judgement(assessments: pl.DataFrame, as_at: date) -> None:
    """The latest GO judgement (level, recommendation with its date and conditions, who) and
    the date of the latest self-assessment, as they stood on `as_at`."""
    go, own = latest(assessments, "go"), latest(assessments, "self")
    with st.container(border=True, key="capacity_judgement"):
        if go is None:
            st.html(
                _small("Government Office judgement")
                + f"<div>No Government Office assessment dated on or before {as_at:%d %B %Y}."
                "</div>"
            )
        else:
            when = go["recommendation_date"] or go["assessed_on"]
            conditions = "".join(f"<li>{escape(c)}</li>" for c in go["conditions"])
            st.html(
                '<div style="display:flex;gap:2.5rem;flex-wrap:wrap">'
                f"<div>{_small('Government Office judgement')}{level_badge(go['overall'])}</div>"
                f"<div>{_small('Recommendation for sign-off')}"
                f"{recommendation_badge(go['recommendation'])} on {when:%d %B %Y}</div></div>"
                + (f'<ol style="margin:0.3rem 0 0 0">{conditions}</ol>' if conditions else "")
                + _small(
                    f"Assessed on {go['assessed_on']:%d %B %Y} by {escape(go['recorded_by_name'])}"
                )
            )
            if go["summary"]:
                components.plain(go["summary"])
        if own is None:
            st.caption("The partnership has not recorded a self-assessment yet.")
        else:
            st.caption(
                f"Latest self-assessment: {own['assessed_on']:%d %B %Y}, overall "
                f"{level_words(own['overall'])}, by {md(own['recorded_by_name'])}."
            )


# ------------------------------------------------------------------- GO beside self
def _difference() -> pl.Expr:
    gap = pl.col("gap")
    return (
        pl.when(gap > 0)
        .then(pl.format("▲ +{}: {}", gap, "gap_note"))
        .when(gap < 0)
        .then(pl.format("▼ {}: {}", gap, "gap_note"))
        .when(gap == 0)
        .then(pl.lit("= the same level"))
        .otherwise(pl.format("– {}", "gap_note"))
    )


def comparison(framework: pl.DataFrame, assessments: pl.DataFrame, ratings: pl.DataFrame) -> None:
    go, own = latest(assessments, "go"), latest(assessments, "self")
    if go is None and own is None:
        components.empty_state("No assessment of this area yet: nothing to compare.")
        return
    ids = {"go": go["id"] if go else None, "self": own["id"] if own else None}
    table = report.compare_with_self(framework, ratings, ids["go"], ids["self"])
    differs = table.filter(pl.col("differs"))
    higher = int((differs["gap"] > 0).sum())
    dates = " · ".join(
        f"{KIND_SHORT[k]} {row['assessed_on']:%d %b %Y}"
        for k, row in (("go", go), ("self", own))
        if row
    )
    st.caption(
        f"{dates} · the two differ on {differs.height} of {table.height} characteristics"
        + (
            f" (the partnership rates itself higher on {higher}, lower on "
            f"{differs.height - higher})"
            if differs.height
            else ""
        )
        + ". Differences are marked ▲ (self higher) and ▼ (self lower)."
    )
    shown = table.select(
        pl.col("condition").fill_null("").alias("Condition for success"),
        pl.col("name").alias("Characteristic"),
        level_expr("go_level").alias("Government Office"),
        level_expr("self_level").alias("Self-assessment"),
        _difference().alias("Difference"),
    )
    st.dataframe(
        shown, hide_index=True, width="stretch", key="capacity_comparison",
        height=min(38 + 35 * shown.height, 560),
        column_config={
            "Condition for success": st.column_config.TextColumn(width="medium"),
            "Characteristic": st.column_config.TextColumn(width="medium"),
            "Difference": st.column_config.TextColumn(width="large"),
        },
    )  # fmt: skip
    components.table_downloads(
        shown, f"capacity-{assessments['area_code'][0]}-go-and-self", "capacity_comparison"
    )
    picked = [i for i in ids.values() if i is not None]
    detail = (
        ratings.filter(pl.col("assessment_id").is_in(picked))
        .join(assessments.select(pl.col("id").alias("assessment_id"), "kind"), on="assessment_id")
        .join(
            framework.select(pl.col("code").alias("characteristic_code"), "name", "display_order"),
            on="characteristic_code",
            how="left",
        )
        .sort("display_order", "characteristic_code", "kind", nulls_last=True)
    )
    with st.expander("Evidence, strengths and weaknesses", icon=":material/description:"):
        st.dataframe(
            detail.select(
                pl.col("name").fill_null(pl.col("characteristic_code")).alias("Characteristic"),
                pl.col("kind").replace_strict(KIND_SHORT).alias("Whose"),
                level_expr("level").alias("Level"),
                pl.col("evidence").alias("Evidence"),
                pl.col("strengths").alias("Strengths"),
                pl.col("weaknesses").alias("Weaknesses"),
            ),
            hide_index=True, width="stretch", key="capacity_detail",
        )  # fmt: skip


# --------------------------------------------------------------------- how capacity moved
def history(
    framework: pl.DataFrame, assessments: pl.DataFrame, ratings: pl.DataFrame, area: dict,
    as_at: date,
) -> None:  # fmt: skip
    kind = st.radio(
        "Assessments shown", ["go", "self"], format_func=lambda k: report.KIND_LABELS[k],
        horizontal=True, key="capacity_history_kind",
    )  # fmt: skip
    moved = report.capacity_history(assessments, ratings, kind, framework=framework)
    if moved.is_empty():
        components.empty_state(f"No {report.KIND_LABELS[kind].lower()} of this area yet.")
        return
    cells = moved.join(
        framework.select(pl.col("code").alias("characteristic_code"), "condition"),
        on="characteristic_code",
        how="left",
    ).join(
        assessments.select(
            pl.col("id").alias("assessment_id"), pl.col("recorded_by_name").alias("recorded_by")
        ),
        on="assessment_id",
        how="left",
    )

    def chart() -> Any:
        return capacity_heatmap(
            cells, title=f"{report.KIND_LABELS[kind]}s of {area['area_name']}",
            subtitle="Oldest first; each cell is a characteristic's level on that date.",
        )  # fmt: skip

    what = ("capacity_heatmap", area["area_code"], kind, tuple(cells["assessment_id"].unique()))
    st.vega_lite_chart(
        loaders.chart_spec(what, chart, area=area["area_code"]), key="capacity_heatmap"
    )
    components.chart_download(
        chart, f"capacity-{area['area_code']}-{kind}.png", "capacity_heatmap_png",
        title=charts.export_heading("How capacity moved", area["area_name"], as_at),
    )  # fmt: skip
    versions = (
        moved.select("assessment_id", "assessed_on").unique().sort("assessed_on", "assessment_id")
    )
    if versions.height < 2:
        st.caption("One assessment so far: movement shows from the second.")
        return
    (before_id, before_on), (now_id, now_on) = versions.tail(2).rows()
    before = moved.filter(pl.col("assessment_id") == before_id).select(
        "characteristic_code", pl.col("level").alias("before")
    )
    changes = moved.filter(pl.col("assessment_id") == now_id).join(
        before, on="characteristic_code", how="left"
    )
    counts = report.movement_summary(moved)
    st.markdown(
        f"**What moved since the previous {PREVIOUS[kind]}** "
        f"({before_on:%d %b %Y} → {now_on:%d %b %Y}): {counts['up']} improved, "
        f"{counts['down']} weakened, {counts['same']} unchanged"
    )
    st.dataframe(
        changes.sort(pl.col("movement").replace_strict({"down": 0, "up": 1, "same": 2},
                     default=3), "display_order", nulls_last=True).select(
            pl.col("name").alias("Characteristic"),
            level_expr("before").alias(f"{before_on:%d %b %Y}"),
            level_expr("level").alias(f"{now_on:%d %b %Y}"),
            pl.col("movement").replace_strict(report.MOVEMENT_LABELS, default="– not rated before")
            .alias("Movement"),
        ),
        hide_index=True, width="stretch", key="capacity_moved", height=38 + 35 * changes.height,
    )  # fmt: skip


# ------------------------------------------------------------------------- recording
def recordable_kinds(actor: Actor, area: dict) -> list[str]:
    """The kinds of assessment this user may record for the area (the store checks again)."""
    kinds = []
    if access.can_record_go_assessment(actor, area["region_code"]):
        kinds.append("go")
    if access.can_record_self_assessment(actor, area["area_code"]):
        kinds.append("self")
    return kinds


def _descriptors(row: dict) -> str:
    lines = [f"**{report.level_label(lv)}**: {md(row[lv])}" for lv in CAPACITY_LEVELS if row[lv]]
    return "What each level looks like:\n\n" + "\n\n".join(lines)


def _index(options: list[str], value: str | None) -> int | None:
    return options.index(value) if value in options else None


def record_form(
    kind: str, framework: pl.DataFrame, assessments: pl.DataFrame, ratings: pl.DataFrame,
    area: dict, today: date,
) -> None:  # fmt: skip
    """The form for a new assessment of `kind`, prefilled from the previous one of that kind."""
    area_code = area["area_code"]
    previous = latest(assessments, kind)
    before = {
        r["characteristic_code"]: r
        for r in ratings.filter(
            pl.col("assessment_id") == (previous or {}).get("id", -1)
        ).to_dicts()
    }
    levels = list(CAPACITY_LEVELS)
    prefix = f"cap_{kind}_{area_code}"
    st.caption(
        (f"Prefilled from the assessment of {previous['assessed_on']:%d %B %Y}: change what has "
         "moved. " if previous else "")
        + "The ? beside each characteristic shows what each level looks like. Saving adds a "
        "new dated version; earlier versions are kept. A characteristic left without a level "
        "is not rated."
    )  # fmt: skip
    with st.form(f"capacity_form_{kind}", border=False):
        for condition, group in framework.group_by("condition", maintain_order=True):
            st.markdown(f"**{md(condition[0])}**")
            for row in group.iter_rows(named=True):
                old = before.get(row["code"], {})
                key = f"{prefix}_{row['code']}"
                with st.container(border=True):
                    st.radio(
                        md(row["name"]), levels, index=_index(levels, old.get("level")),
                        format_func=level_words, horizontal=True, key=f"{key}_level",
                        help=_descriptors(row),
                    )  # fmt: skip
                    if row["description"]:
                        st.caption(md(row["description"]))
                    cols = st.columns(3)
                    for col, field in zip(cols, TEXTS, strict=True):
                        col.text_area(field.capitalize(), value=old.get(field, ""),
                                      key=f"{key}_{field}", height=68, max_chars=2000)  # fmt: skip
        st.markdown("**Overall judgement**")
        overall = st.radio(
            "Overall level", levels, index=_index(levels, (previous or {}).get("overall")),
            format_func=level_words, horizontal=True, key=f"{prefix}_overall",
        )  # fmt: skip
        summary = st.text_area(
            "Overall judgement", value=(previous or {}).get("summary", ""), key=f"{prefix}_summary",
            max_chars=4000, placeholder="What the partnership does well, what it must improve",
        )  # fmt: skip
        recommendation, conditions, recommended_on = None, "", None
        if kind == "go":
            options = list(SIGNOFF_RECOMMENDATIONS)
            recommendation = st.radio(
                "Recommendation for sign-off", options,
                index=_index(options, (previous or {}).get("recommendation")),
                format_func=report.recommendation_label, horizontal=True,
                key=f"{prefix}_recommendation",
            )  # fmt: skip
            conditions = st.text_area(
                "Conditions (one per line; needed for ready with conditions)",
                value="\n".join((previous or {}).get("conditions") or []),
                key=f"{prefix}_conditions", max_chars=4000,
            )  # fmt: skip
            recommended_on = st.date_input(
                "Date of the recommendation", value=today, max_value=today,
                key=f"{prefix}_recommended_on", format="DD/MM/YYYY",
            )  # fmt: skip
        assessed_on = st.date_input(
            "Assessment date", value=today, max_value=today, key=f"{prefix}_date",
            format="DD/MM/YYYY",
        )  # fmt: skip
        saved = st.form_submit_button(
            "Save the assessment", type="primary", icon=":material/save:",
            key=f"capacity_save_{kind}",
        )  # fmt: skip
    if not saved:
        return
    rated = [
        {
            "characteristic_code": code,
            "level": st.session_state[f"{prefix}_{code}_level"],
            **{f: st.session_state[f"{prefix}_{code}_{f}"] or "" for f in TEXTS},
        }
        for code in framework["code"]
        if st.session_state.get(f"{prefix}_{code}_level")
    ]
    try:
        store.record_capacity_assessment(
            loaders.engine(), loaders.actor(), area_code, kind=kind, assessed_on=assessed_on,
            ratings=rated, overall=overall or "", summary=summary or "",
            recommendation=recommendation,
            conditions=(conditions or "").splitlines()
            if recommendation == "ready_with_conditions" else (),
            recommendation_date=recommended_on,
        )  # fmt: skip
    except (AccessDenied, store.RuleViolation) as exc:
        st.error(f"The assessment was not saved: {md(str(exc))}", icon=":material/error:")
        return
    st.session_state[FLASH] = (
        f"{report.KIND_LABELS[kind]} of {assessed_on:%d %B %Y} saved as a new version, "
        f"{len(rated)} characteristics rated."
    )
    st.rerun()


# ---------------------------------------------------------------------------- versions
def versions(
    framework: pl.DataFrame, assessments: pl.DataFrame, ratings: pl.DataFrame, area: dict
) -> None:
    if assessments.is_empty():
        components.empty_state("No assessment of this area has been recorded yet.")
        return
    newest = assessments.sort("assessed_on", "id", descending=True)
    labels = {
        r["id"]: f"{r['assessed_on']:%d %b %Y} · {report.KIND_LABELS[r['kind']]} · by "
        f"{r['recorded_by_name']} (recorded {r['recorded_at']:%d %b %Y %H:%M} UTC)"
        for r in newest.iter_rows(named=True)
    }
    picked = st.selectbox("Version", list(labels), format_func=labels.get, key="capacity_version")
    row = newest.filter(pl.col("id") == picked).row(0, named=True)
    parts = [f"{_small('Overall')}{level_badge(row['overall'])}"]
    if row["kind"] == "go":
        parts.append(f"{_small('Recommendation for sign-off')}{recommendation_badge(row['recommendation'])}"
                     f" on {(row['recommendation_date'] or row['assessed_on']):%d %B %Y}")  # fmt: skip
    conditions = "".join(f"<li>{escape(c)}</li>" for c in row["conditions"])
    st.html(
        '<div style="display:flex;gap:2.5rem;flex-wrap:wrap">'
        + "".join(f"<div>{p}</div>" for p in parts) + "</div>"
        + (f'<ol style="margin:0.3rem 0 0 0">{conditions}</ol>' if conditions else "")
    )  # fmt: skip
    if row["summary"]:
        components.plain(row["summary"])
    export = report.capacity_export(framework, assessments, ratings)
    st.dataframe(
        export.filter(pl.col("assessment_id") == picked).select(
            pl.col("condition").fill_null("").alias("Condition for success"),
            pl.col("characteristic").alias("Characteristic"),
            level_expr("level").alias("Level"),
            pl.col("evidence").alias("Evidence"),
            pl.col("strengths").alias("Strengths"),
            pl.col("weaknesses").alias("Weaknesses"),
        ),
        hide_index=True, width="stretch", key="capacity_version_table",
        column_config={"Condition for success": st.column_config.TextColumn(width="medium")},
    )  # fmt: skip
    st.markdown("**Download every assessment of this area** (one row per characteristic rated)")
    components.table_downloads(export, f"capacity-{area['area_code']}", "capacity_download")


# ----------------------------------------------------------------------- the framework
FRAMEWORK_LABELS = {  # the grid's headers (its columns keep the file's names)
    "code": ("Code", "A short unique code, e.g. VISION (at most 20 characters)"),
    "name": ("Characteristic", None),
    "condition": ("Condition for success", "The condition (or group) it belongs to"),
    "description": ("Description", None),
    "display_order": ("Order", "Where it is listed: lowest first"),
    **{lv: (lv.capitalize(), f"What {lv} looks like: example strengths and weaknesses")
       for lv in CAPACITY_LEVELS},
    "active": ("Active", "Untick to retire it: old assessments keep it, new ones cannot rate it"),
}  # fmt: skip


def _save_framework(rows: list[dict], first_row: int) -> bool:
    try:
        done = store.save_capacity_framework(
            loaders.engine(), loaders.actor(), rows, first_row=first_row
        )
    except (AccessDenied, store.RuleViolation) as exc:
        problems = "\n".join(f"- {md(p)}" for p in str(exc).split("; "))
        st.error(f"Nothing was saved. Please correct:\n\n{problems}", icon=":material/error:")
        return False
    st.session_state[FLASH] = (
        f"Framework saved: {done.inserted} added, {done.updated} changed, {done.unchanged} "
        "unchanged. Each change is in the audit log."
    )
    st.session_state["capacity_framework_round"] = (
        st.session_state.get("capacity_framework_round", 0) + 1
    )
    return True


def _read_upload(name: str, data: bytes) -> pl.DataFrame | None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(name).name
        path.write_bytes(data)
        try:
            return tabular.read_table(path)
        except tabular.UnreadableFile as exc:
            st.error(f"The file is refused, nothing was written: {exc}", icon=":material/error:")
            return None


def framework_editor() -> None:
    """Administrators: the characteristics in a grid, a file upload, the standard framework."""
    framework = loaders.capacity_framework(include_retired=True)
    if framework.is_empty():
        components.empty_state(
            "The capacity framework is empty: no characteristic can be rated yet."
        )
        if st.button("Load the standard framework", type="primary", key="capacity_load_standard"):
            rows = tabular.read_table(STANDARD_FRAMEWORK).to_dicts()
            if _save_framework(rows, first_row=2):
                st.rerun()
    st.caption(
        "Change a cell or add a row at the bottom, then save: every row is checked first and "
        "nothing is written if one is wrong. A characteristic is never deleted: untick "
        "Active to retire it."
    )
    round_ = st.session_state.get("capacity_framework_round", 0)
    with st.form("capacity_framework_form", border=False):
        edited = st.data_editor(
            framework.select(report_columns()), key=f"capacity_framework_editor_{round_}",
            num_rows="add", hide_index=True, width="stretch",
            column_config={
                c: st.column_config.Column(label, help=tip)
                for c, (label, tip) in FRAMEWORK_LABELS.items()
            },
        )  # fmt: skip
        saved = st.form_submit_button(
            "Save the framework", type="primary", key="capacity_framework_save"
        )
    if saved:
        typed = edited if isinstance(edited, pl.DataFrame) else pl.from_pandas(edited)
        if _save_framework(typed.to_dicts(), first_row=1):
            st.rerun()
    st.markdown("**Upload a framework file (CSV or Excel)**")
    st.caption("Columns: " + ", ".join(report_columns()) + " (active is optional: empty is true). "
               "Characteristics are added or updated by code; those not in the file are kept.")  # fmt: skip
    file = st.file_uploader(  # a fresh box after each save
        "Framework file", type=["csv", "xlsx"], key=f"capacity_framework_upload_{round_}"
    )
    if file is not None and (table := _read_upload(file.name, file.getvalue())) is not None:
        st.caption(f"{table.height} rows read from {md(file.name)}.")
        check = st.button(
            "Check and save this file", type="primary", key="capacity_framework_upload_save"
        )
        if check and _save_framework(table.to_dicts(), first_row=2):
            st.rerun()


def report_columns() -> list[str]:
    return list(store.CAPACITY_FRAMEWORK_COLUMNS)


# ------------------------------------------------------------------------- the overview
def overview_line(area_code: str, as_at: date | None = None) -> None:
    """One caption line for the LSP overview: the GO's latest capacity judgement dated on or
    before `as_at` (any date when None) and its sign-off recommendation, with a link to the
    capacity page (one cached read of the area's assessments)."""
    if access.department_only(loaders.actor()):
        return  # a department's overview is its indicators: the page is not in its menu

    def newest_then() -> dict[str, Any] | None:
        assessments, _ = loaders.capacity_assessments(area_code)
        if as_at is not None:
            assessments = assessments.filter(pl.col("assessed_on") <= as_at)
        return latest(assessments, "go")

    try:  # found once per data version: the overview's every run shows it
        go = loaders.derived(("capacity_line", area_code, as_at), newest_then, area=area_code)
    except AccessDenied:
        return
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        if go is None:
            st.caption("Capacity: no Government Office assessment yet.")
        else:
            conditions = len(go["conditions"])
            st.caption(
                f"GO capacity judgement ({go['assessed_on']:%d %b %Y}): "
                f"{level_words(go['overall'])} · {report.recommendation_label(go['recommendation'])}"
                + (
                    f" ({conditions} condition{'s' if conditions != 1 else ''})"
                    if conditions
                    else ""
                )
            )
        nav.link("capacity", "Capacity assessment", icon=":material/verified:")
