"""Display formatting and safe output."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest

from dashboard.formatting import (
    REWARD_STATUS,
    STATUS,
    STATUS_FILL,
    format_value,
    money,
    number_text,
    percent,
    spreadsheet_safe,
    unit_words,
    value_expr,
)


def test_values_carry_decimals_thousands_and_unit() -> None:
    assert format_value(1234567.891, 1, "rate per 100000") == "1,234,567.9 per 100,000"
    assert format_value(34.4, 1, "%") == "34.4%"
    assert format_value(-0.5, 2, "ratio") == "-0.50"
    assert format_value(652.0, 0, "kg per household") == "652 kg per household"
    assert format_value(None, 1, "%") == "–"


def test_headline_numbers_and_units() -> None:
    assert number_text({"unit": "rate per 1000", "decimals": 1, "v": 15.71}, "v") == "15.7"
    assert number_text({"unit": "%", "decimals": 1, "v": 15.71}, "v") == "15.7%"
    assert unit_words("rate per 100000") == "per 100,000"
    assert money(416666.67) == "£416,667"
    assert money(5_000_000, short=True) == "£5.00m"


def test_spreadsheet_formula_injection_is_neutralised() -> None:
    frame = pl.DataFrame(
        {
            "text": ["=HYPERLINK(1)", "+1", "-cmd", "@SUM(A1)", "fine", None],
            "n": [-1.0, 2, 3, 4, 5, 6],
        }
    )
    safe = spreadsheet_safe(frame)
    assert safe["text"].to_list() == ["'=HYPERLINK(1)", "'+1", "'-cmd", "'@SUM(A1)", "fine", None]
    assert safe["n"].to_list() == frame["n"].to_list()


def test_values_in_messages_accept_decimals_and_typed_text() -> None:
    """Messages quote values as the pages show them (decimals and unit), whatever type holds
    them; text that is not a number comes back as typed rather than failing."""
    from decimal import Decimal

    assert format_value(Decimal("12.25"), 1, "rate per 1000") == "12.3 per 1,000"
    assert format_value("5300", 0, "count") == "5,300"
    assert format_value(" 34.40 ", 1, "%") == "34.4%"
    assert format_value("n/a", 1, "%") == "n/a"


# --- contrast (WCAG 2.x): status text must pass AA, 4.5:1, wherever it is drawn --------------
WHITE, SIDEBAR = "#ffffff", "#f3f2f1"  # the card and page background; the sidebar's


def _luminance(colour: str) -> float:
    """WCAG relative luminance of an sRGB `#rrggbb` colour."""
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_formula() -> None:
    assert contrast("#000000", "#ffffff") == 21
    assert round(contrast("#f47738", WHITE), 2) == 2.78  # DESIGN.md's amber: a fill, not text


@pytest.mark.parametrize("table", [STATUS, REWARD_STATUS], ids=["status", "reward"])
def test_status_text_colours_pass_aa(table: dict) -> None:
    for key, (_, word, colour) in table.items():
        for background in (WHITE, SIDEBAR):
            assert contrast(colour, background) >= 4.5, (key, word, colour, background)


def test_status_fills_keep_the_design_palette() -> None:
    assert STATUS_FILL == {
        "green": "#00703c",
        "amber": "#f47738",
        "red": "#d4351c",
        None: "#505a5f",
    }
    # the text colour of each status is its fill, or a darker shade of the same hue
    for key, fill in STATUS_FILL.items():
        assert _luminance(STATUS[key][2]) <= _luminance(fill)


# ------------------------------------------------ whatever the database holds, it is shown
# (issue 11: a value of 1e38 failed the decimal cast and broke the overview, the indicator page
# and the review for every user)

EXTREMES = [
    (1e38, "1.0e38 per 1,000"),
    (-1e308, "-1.0e308 per 1,000"),
    (1.7976931348623157e308, "1.8e308 per 1,000"),
    (9.96e20, "1.0e21 per 1,000"),  # the mantissa's rounding carries into the exponent
    (float("inf"), "∞ per 1,000"),
    (float("-inf"), "-∞ per 1,000"),
    (float("nan"), "–"),
    (1e13, "1.0e13 per 1,000"),
    (9_999_999_999_999.0, "9,999,999,999,999.0 per 1,000"),
]


@pytest.mark.parametrize(("value", "shown"), EXTREMES, ids=[str(v) for v, _ in EXTREMES])
def test_any_float_is_formatted_without_raising(value: float, shown: str) -> None:
    assert format_value(value, 1, "rate per 1000") == shown


def test_a_huge_value_does_not_spoil_the_other_rows_of_a_column() -> None:
    """polars evaluates every branch on every row: the decimal cast must never see 1e38."""
    frame = pl.DataFrame(
        {
            "v": [12.34, 1e38, None, float("nan"), -5300.0, float("inf")],
            "decimals": [1, 1, 1, 1, 0, 2],
            "unit": ["%", "%", "%", "count", "count", "kg per household"],
        }
    )
    shown = frame.select(value_expr("v")).to_series().to_list()
    assert shown == ["12.3%", "1.0e38%", "–", "–", "-5,300", "∞ kg per household"]


def test_decimals_and_units_outside_the_rules_still_format() -> None:
    assert format_value(12.345, 999_999_999, "%") == "12.345%"  # at most 3 decimals shown
    assert format_value(12.345, -5, "%") == "12%"
    assert format_value(Decimal("1e38"), 999_999_999, "count") == "1.0e38"
    assert format_value(Decimal("123.4567"), 999_999_999, "count") == "123.457"
    assert format_value("1e400", 1, "count") == "∞"  # typed text beyond a float
    assert format_value(5, 0, "rate per abc") == "5 per abc"
    assert unit_words("rate per abc") == "per abc"


def test_money_and_percent_of_any_size() -> None:
    assert money(1e38) == "£1.0e38"
    assert money(Decimal("99999999999999.99"), short=True) == "£1.0e14"
    assert money(float("inf")) == "£∞"
    assert money(float("nan")) == "–"
    assert money(999_999_999_999.0) == "£999,999,999,999"
    assert percent(1e38) == "1.0e40%"
    assert percent(float("inf")) == "∞%"
    assert percent(float("nan")) == "–"
    assert percent(0.345) == "34%"
