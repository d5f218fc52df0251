"""The capacity assessment's pure logic on hand-made frames: the GO beside the self-assessment,
movement between versions, the CSV export and the labels."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl

from dashboard.reports import capacity as report

FRAMEWORK = pl.DataFrame(
    {
        "code": ["VISION", "DATA", "RISK", "FUNDS"],
        "name": ["Clarity of vision", "Data quality", "Risk management", "Pooled funds"],
        "condition": ["Vision", "Capacity", "Capacity", "Capacity"],
        "display_order": [1, 2, 3, 4],
    }
)


def _assessments(rows: list[tuple[int, str, date, str, str | None, list[str]]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "id": i, "area_code": "D10", "kind": kind, "assessed_on": on,
                "recorded_at": datetime(on.year, on.month, on.day, 10, tzinfo=UTC),
                "recorded_by": "gellis", "recorded_by_name": "Gordon Ellis", "overall": overall,
                "summary": "",
                "recommendation": rec, "recommendation_date": on if rec else None,
                "conditions": conditions,
            }
            for i, kind, on, overall, rec, conditions in [
                (r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows
            ]
        ],
        schema_overrides={"conditions": pl.List(pl.Utf8), "recommendation": pl.Utf8},
    )  # fmt: skip


def _ratings(rows: list[tuple[int, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"assessment_id": a, "characteristic_code": c, "level": lv, "evidence": "e",
             "strengths": "s", "weaknesses": "w"}
            for a, c, lv in rows
        ]
    )  # fmt: skip


RATINGS = _ratings(
    [
        (1, "VISION", "adequate"), (1, "DATA", "weak"), (1, "RISK", "developing"),
        (2, "VISION", "strong"), (2, "DATA", "developing"), (2, "RISK", "developing"),
        (3, "VISION", "strong"), (3, "DATA", "weak"),
    ]
)  # fmt: skip
ASSESSMENTS = _assessments(
    [
        (1, "go", date(2008, 3, 14), "developing", "ready_with_conditions", ["Data plan"]),
        (3, "self", date(2008, 9, 30), "strong", None, []),
        (2, "go", date(2008, 10, 20), "adequate", "ready", []),
    ]
)


def test_self_beside_go_marks_differences_and_the_direction_of_the_gap() -> None:
    table = report.compare_with_self(FRAMEWORK, RATINGS, go_id=1, self_id=3)
    rows = {r["code"]: r for r in table.iter_rows(named=True)}
    assert table["code"].to_list() == ["VISION", "DATA", "RISK", "FUNDS"]
    assert (rows["VISION"]["go_level"], rows["VISION"]["self_level"]) == ("adequate", "strong")
    assert rows["VISION"]["differs"] and rows["VISION"]["gap"] == 1
    assert rows["VISION"]["gap_note"] == "the partnership rates itself higher"
    assert not rows["DATA"]["differs"] and rows["DATA"]["gap"] == 0
    assert rows["RISK"]["self_level"] is None and not rows["RISK"]["differs"]
    assert rows["RISK"]["gap"] is None
    assert rows["RISK"]["gap_note"] == "not rated in the self-assessment"
    assert rows["FUNDS"]["gap_note"] == "not rated"


def test_self_rating_lower_is_a_negative_gap() -> None:
    ratings = _ratings([(1, "DATA", "strong"), (3, "DATA", "weak")])
    table = report.compare_with_self(FRAMEWORK, ratings, go_id=1, self_id=3)
    data = table.filter(pl.col("code") == "DATA").row(0, named=True)
    assert data["gap"] == -3 and data["gap_note"] == "the partnership rates itself lower"


def test_compare_without_a_self_assessment() -> None:
    table = report.compare_with_self(FRAMEWORK, RATINGS, go_id=2, self_id=None)
    assert table["self_level"].null_count() == 4
    assert table["go_level"].to_list() == ["strong", "developing", "developing", None]
    assert not table["differs"].any()


def test_history_scores_each_go_version_and_the_last_movement() -> None:
    history = report.capacity_history(ASSESSMENTS, RATINGS, framework=FRAMEWORK)
    assert history.columns == list(report.HISTORY_COLUMNS)
    assert set(history["assessment_id"].to_list()) == {1, 2}  # the self-assessment is not GO
    vision = history.filter(pl.col("characteristic_code") == "VISION")
    assert vision["assessed_on"].to_list() == [date(2008, 3, 14), date(2008, 10, 20)]
    assert vision["score"].to_list() == [3, 4]
    assert vision["movement"].to_list() == [None, "up"]
    latest = history.filter(pl.col("assessment_id") == 2)
    assert dict(zip(latest["characteristic_code"], latest["movement"], strict=True)) == {
        "VISION": "up", "DATA": "up", "RISK": "same",
    }  # fmt: skip
    assert report.movement_summary(history) == {"up": 2, "down": 0, "same": 1}


def test_history_of_the_self_assessments_and_of_one_version() -> None:
    own = report.capacity_history(ASSESSMENTS, RATINGS, kind="self")
    assert own["score"].to_list() in ([4, 1], [1, 4])
    assert own["movement"].null_count() == own.height
    assert set(own["name"].to_list()) == {"VISION", "DATA"}  # no framework: codes as names
    assert report.movement_summary(own) == {"up": 0, "down": 0, "same": 0}


def test_history_movement_down() -> None:
    ratings = _ratings([(1, "DATA", "strong"), (2, "DATA", "weak")])
    history = report.capacity_history(ASSESSMENTS, ratings)
    assert history.filter(pl.col("assessment_id") == 2)["movement"].to_list() == ["down"]


def test_export_is_one_row_per_assessment_and_characteristic() -> None:
    table = report.capacity_export(FRAMEWORK, ASSESSMENTS, RATINGS)
    assert table.columns == list(report.EXPORT_COLUMNS)
    assert table.height == RATINGS.height
    assert table["assessment_id"].to_list() == [1, 1, 1, 3, 3, 2, 2, 2]  # by date
    first = table.row(0, named=True)
    assert (first["characteristic"], first["overall"], first["conditions"]) == (
        "Clarity of vision", "developing", "Data plan",
    )  # fmt: skip
    assert first["recommendation"] == "ready_with_conditions"


def test_labels_and_latest_judgement() -> None:
    assert report.recommendation_label("ready_with_conditions") == "Ready with conditions"
    assert report.recommendation_label("ready") == "Ready for sign-off"
    assert report.recommendation_label(None) == ""
    assert report.level_label("developing") == "Developing"
    assert report.LEVEL_SCORES == {"strong": 4, "adequate": 3, "developing": 2, "weak": 1}
    latest = pl.DataFrame(
        {
            "area_code": ["D10"], "assessment_id": [7], "assessed_on": [date(2008, 10, 20)],
            "overall": ["adequate"], "recommendation": ["ready_with_conditions"],
            "recommendation_date": [date(2008, 10, 24)], "conditions": [["A", "B"]],
            "recorded_by": ["gellis"], "recorded_by_name": ["Gordon Ellis"],
        }
    )  # fmt: skip
    judgement = report.latest_judgement(latest, "D10")
    assert judgement is not None
    assert judgement["judgement"] == "Adequate"
    assert judgement["signoff_recommendation"] == "Ready with conditions"
    assert judgement["conditions"] == ["A", "B"]
    assert report.latest_judgement(latest, "D11") is None
