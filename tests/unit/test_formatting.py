"""Display formatting and safe output."""

from __future__ import annotations

import polars as pl
import pytest

from dashboard.formatting import (
    REWARD_STATUS,
    STATUS,
    STATUS_FILL,
    format_value,
    money,
    number_text,
    spreadsheet_safe,
    unit_words,
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
