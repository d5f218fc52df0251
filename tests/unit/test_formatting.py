"""Display formatting and safe output."""

from __future__ import annotations

import polars as pl

from dashboard.formatting import format_value, money, number_text, spreadsheet_safe, unit_words


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
