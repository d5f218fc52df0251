"""The capacity assessment in words and frames: labels, the GO's judgement beside the
partnership's own, how capacity moved between assessments, and the CSV export.

Pure functions over the store's frames (`store.capacity_framework`,
`store.capacity_assessments`), no SQL and no Streamlit.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from data_models import CAPACITY_LEVELS, SIGNOFF_RECOMMENDATIONS

LEVEL_LABELS = {
    "strong": "Strong",
    "adequate": "Adequate",
    "developing": "Developing",
    "weak": "Weak",
}
# A score per level, best highest: the heatmap's colour and the gap between two judgements.
LEVEL_SCORES = {level: len(CAPACITY_LEVELS) - i for i, level in enumerate(CAPACITY_LEVELS)}
RECOMMENDATION_LABELS = {
    "ready": "Ready for sign-off",
    "ready_with_conditions": "Ready with conditions",
    "not_ready": "Not ready",
}
KIND_LABELS = {"go": "Government Office assessment", "self": "Partnership self-assessment"}
MOVEMENT_LABELS = {"up": "↗ improved", "down": "↘ weakened", "same": "→ unchanged"}
assert set(RECOMMENDATION_LABELS) == set(SIGNOFF_RECOMMENDATIONS)

COMPARE_COLUMNS = (
    "code", "name", "condition", "display_order", "go_level", "self_level", "differs", "gap",
    "gap_note",
)  # fmt: skip
HISTORY_COLUMNS = (
    "characteristic_code", "name", "display_order", "assessment_id", "assessed_on", "level",
    "score", "movement",
)  # fmt: skip
EXPORT_COLUMNS = (
    "area_code", "assessment_id", "kind", "assessed_on", "recorded_at", "recorded_by",
    "overall", "recommendation", "recommendation_date", "conditions", "summary",
    "characteristic_code", "characteristic", "condition", "level", "evidence", "strengths",
    "weaknesses",
)  # fmt: skip


def level_label(level: str | None) -> str:
    return LEVEL_LABELS.get(level or "", "")


def recommendation_label(recommendation: str | None) -> str:
    return RECOMMENDATION_LABELS.get(recommendation or "", "")


def _score(column: str) -> pl.Expr:
    return pl.col(column).replace_strict(LEVEL_SCORES, default=None, return_dtype=pl.Int64)


def _levels_of(ratings: pl.DataFrame, assessment_id: int | None, name: str) -> pl.DataFrame:
    picked = ratings.filter(
        pl.lit(assessment_id is not None) & (pl.col("assessment_id") == (assessment_id or 0))
    )
    return picked.select(pl.col("characteristic_code").alias("code"), pl.col("level").alias(name))


def compare_with_self(
    framework: pl.DataFrame, ratings: pl.DataFrame, go_id: int | None, self_id: int | None
) -> pl.DataFrame:
    """Per characteristic of the framework (and any retired one either assessment rated): the
    GO's level, the partnership's own, whether they differ, and the gap in levels (positive:
    the partnership rates itself higher than the GO does), with a sentence saying so."""
    rated = pl.concat(
        [_levels_of(ratings, go_id, "go_level"), _levels_of(ratings, self_id, "self_level")],
        how="diagonal",
    )
    table = (
        framework.select("code", "name", "condition", "display_order")
        .join(rated.group_by("code").agg(pl.col("go_level", "self_level").drop_nulls().first()),
              on="code", how="full", coalesce=True)
        .with_columns(pl.col("name").fill_null(pl.col("code")))
    )  # fmt: skip
    gap = _score("self_level") - _score("go_level")
    both = pl.col("go_level").is_not_null() & pl.col("self_level").is_not_null()
    return (
        table.with_columns(
            differs=(both & (pl.col("go_level") != pl.col("self_level"))).fill_null(False),
            gap=pl.when(both).then(gap),
        )
        .with_columns(
            gap_note=pl.when(pl.col("gap") > 0)
            .then(pl.lit("the partnership rates itself higher"))
            .when(pl.col("gap") < 0)
            .then(pl.lit("the partnership rates itself lower"))
            .when(pl.col("gap") == 0)
            .then(pl.lit("the same level"))
            .when(pl.col("go_level").is_null() & pl.col("self_level").is_null())
            .then(pl.lit("not rated"))
            .when(pl.col("go_level").is_null())
            .then(pl.lit("not rated by the Government Office"))
            .otherwise(pl.lit("not rated in the self-assessment"))
        )
        .sort("display_order", "code", nulls_last=True)
        .select(COMPARE_COLUMNS)
    )


def capacity_history(
    assessments: pl.DataFrame,
    ratings: pl.DataFrame,
    kind: str = "go",
    framework: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Characteristic × assessment date of one kind, for a heatmap: the level, its score
    (strong 4 … weak 1) and, on the latest assessment's rows, the movement since the one
    before it (up / down / same; empty where either did not rate the characteristic).
    `framework` (optional) gives names and display order."""
    versions = assessments.filter(pl.col("kind") == kind).select(
        pl.col("id").alias("assessment_id"), "assessed_on"
    )
    rows = ratings.join(versions, on="assessment_id", how="inner").select(
        "characteristic_code", "assessment_id", "assessed_on", "level", score=_score("level")
    )
    names = (
        framework.select(pl.col("code").alias("characteristic_code"), "name", "display_order")
        if framework is not None
        else rows.select(
            "characteristic_code",
            pl.col("characteristic_code").alias("name"),
            pl.lit(None, pl.Int64).alias("display_order"),
        ).unique("characteristic_code")
    )
    ordered = versions.sort("assessed_on", "assessment_id")
    if ordered.height >= 2:
        last, previous = ordered["assessment_id"][-1], ordered["assessment_id"][-2]
        now = rows.filter(pl.col("assessment_id") == last).select("characteristic_code", "score")
        before = rows.filter(pl.col("assessment_id") == previous).select(
            "characteristic_code", pl.col("score").alias("before")
        )
        moves = now.join(before, on="characteristic_code", how="inner").select(
            "characteristic_code",
            pl.lit(last, pl.Int64).alias("assessment_id"),
            movement=pl.when(pl.col("score") > pl.col("before"))
            .then(pl.lit("up"))
            .when(pl.col("score") < pl.col("before"))
            .then(pl.lit("down"))
            .otherwise(pl.lit("same")),
        )
    else:
        moves = pl.DataFrame(
            schema={"characteristic_code": pl.Utf8, "assessment_id": pl.Int64, "movement": pl.Utf8}
        )
    return (
        rows.join(names, on="characteristic_code", how="left")
        .with_columns(
            pl.col("name").fill_null(pl.col("characteristic_code")),
            pl.col("assessment_id").cast(pl.Int64),
        )
        .join(moves, on=["characteristic_code", "assessment_id"], how="left")
        .sort("display_order", "characteristic_code", "assessed_on", "assessment_id",
              nulls_last=True)
        .select(HISTORY_COLUMNS)
    )  # fmt: skip


def movement_summary(history: pl.DataFrame) -> dict[str, int]:
    """How many characteristics moved up, down or stayed, between the last two assessments."""
    counts = history.drop_nulls("movement")["movement"].value_counts()
    found = dict(zip(counts["movement"].to_list(), counts["count"].to_list(), strict=True))
    return {m: int(found.get(m, 0)) for m in ("up", "down", "same")}


def capacity_export(
    framework: pl.DataFrame, assessments: pl.DataFrame, ratings: pl.DataFrame
) -> pl.DataFrame:
    """One row per assessment × characteristic rated, oldest assessment first, with the
    assessment's overall judgement, recommendation and conditions (joined by "; ")."""
    heads = assessments.select(
        "area_code",
        pl.col("id").alias("assessment_id"),
        "kind",
        "assessed_on",
        "recorded_at",
        "recorded_by",
        "overall",
        "recommendation",
        "recommendation_date",
        pl.col("conditions").list.join("; ").alias("conditions"),
        "summary",
    )
    names = framework.select(
        pl.col("code").alias("characteristic_code"),
        pl.col("name").alias("characteristic"),
        "condition",
        "display_order",
    )
    return (
        heads.join(ratings, on="assessment_id", how="inner")
        .join(names, on="characteristic_code", how="left")
        .with_columns(pl.col("characteristic").fill_null(pl.col("characteristic_code")))
        .sort("assessed_on", "assessment_id", "display_order", "characteristic_code",
              nulls_last=True)
        .select(EXPORT_COLUMNS)
    )  # fmt: skip


def judgement_at(assessments: pl.DataFrame, as_at: date) -> dict | None:
    """The GO's latest judgement assessed on or before `as_at` (the frame of
    `store.capacity_assessments` of one area) in words, as `latest_judgement`, with its
    summary; None if the GO had not assessed the area by then."""
    go = assessments.filter((pl.col("kind") == "go") & (pl.col("assessed_on") <= as_at)).sort(
        "assessed_on", "id"
    )
    if go.is_empty():
        return None
    found = go.row(-1, named=True)
    latest = pl.DataFrame(
        [{**{k: found[k] for k in ("area_code", "assessed_on", "overall", "recommendation",
                                   "recommendation_date", "conditions", "recorded_by",
                                   "recorded_by_name")},
          "assessment_id": found["id"]}],
        schema_overrides={"conditions": pl.List(pl.Utf8), "recommendation": pl.Utf8},
    )  # fmt: skip
    judgement = latest_judgement(latest, found["area_code"])
    assert judgement is not None
    return {**judgement, "summary": found["summary"]}


def latest_judgement(latest: pl.DataFrame, area_code: str) -> dict | None:
    """The latest GO judgement of an area (a row of `store.latest_capacity`) in words, for the
    review pack and the pages: level, assessed_on, recommendation, conditions; None if none."""
    row = latest.filter(pl.col("area_code") == area_code)
    if row.is_empty():
        return None
    found = row.row(0, named=True)
    return {
        "assessment_id": found["assessment_id"],
        "overall": found["overall"],
        "judgement": level_label(found["overall"]),
        "assessed_on": found["assessed_on"],
        "recommendation": found["recommendation"],
        "signoff_recommendation": recommendation_label(found["recommendation"]),
        "recommendation_date": found["recommendation_date"],
        "conditions": list(found["conditions"] or []),
        "recorded_by": found["recorded_by"],
        "recorded_by_name": found["recorded_by_name"],
    }
