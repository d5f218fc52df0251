"""Display formatting in the dashboard's visual language (DESIGN.md): words beside colours."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

import polars as pl

# (symbol, word, text colour). The text colours pass WCAG AA (4.5:1) on white and on the
# sidebar's #f3f2f1, checked in tests/unit/test_formatting.py; DESIGN.md's amber #f47738 is only
# 2.8:1, so it stays a fill (charts, card stripes: STATUS_FILL) and never colours text.
STATUS = {
    "green": ("●", "On track", "#00703c"),
    "amber": ("▲", "Behind", "#a34f00"),
    "red": ("✖", "Off track", "#c0301a"),
    None: ("○", "No data", "#505a5f"),
}
REWARD_STATUS = {
    "green": ("●", "Stretch met", "#00703c"),
    "amber": ("▲", "Reward, not all", "#a34f00"),
    "red": ("✖", "Below 60%", "#c0301a"),
    None: ("○", "No data", "#505a5f"),
}
# The palette of DESIGN.md for areas of colour (bars, squares, stripes), beside a symbol or word.
STATUS_FILL = {"green": "#00703c", "amber": "#f47738", "red": "#d4351c", None: "#505a5f"}
DIRECTION = {"improving": "↗ improving", "steady": "→ steady", "worsening": "↘ worsening", None: ""}
# From here on a float has no decimals left to show, and digit grouping would be a wall of
# digits: such a value (only ever one the database already held) is shown as `1.0e38`.
SCIENTIFIC_FROM = 1e13
NOT_A_NUMBER = "–"  # NaN, like a missing value


def status_text(rag: str | None) -> str:
    icon, word, _ = STATUS.get(rag, STATUS[None])
    return f"{icon} {word}"


def status_expr(column: str = "rag", table: dict = STATUS) -> pl.Expr:
    """`● On track` / `▲ Behind` / `✖ Off track` / `○ No data` for a RAG column."""
    mapping = {k: f"{icon} {word}" for k, (icon, word, _) in table.items() if k is not None}
    none_icon, none_word, _ = table[None]
    return pl.col(column).replace_strict(
        mapping, default=f"{none_icon} {none_word}", return_dtype=pl.Utf8
    )


def direction_expr(column: str = "direction") -> pl.Expr:
    mapping = {k: v for k, v in DIRECTION.items() if k is not None}
    return pl.col(column).replace_strict(mapping, default="", return_dtype=pl.Utf8)


@lru_cache(maxsize=256)
def value_expr(value: str, decimals: str = "decimals", unit: str = "unit") -> pl.Expr:
    """A value rounded to its indicator's decimals, with thousands separators and its unit.

    Built once per set of column names (an expression is immutable): it is a large tree, and
    building it afresh took a tenth of every page run."""
    rounded = pl.lit(None, dtype=pl.Utf8)
    for d in range(4):
        rounded = (
            pl.when(pl.col(decimals).clip(0, 3) == d)
            .then(_thousands(pl.col(value).round(d), d))
            .otherwise(rounded)
        )
    suffix = (
        pl.when(pl.col(unit) == "%")
        .then(pl.lit("%"))
        .when(pl.col(unit).is_in(["count", "ratio"]))
        .then(pl.lit(""))
        .when(pl.col(unit).str.starts_with("rate per "))
        .then(pl.lit(" per ") + _per(pl.col(unit)))
        .otherwise(pl.lit(" ") + pl.col(unit))
    ).fill_null("")
    number = pl.col(value).cast(pl.Float64)
    return (
        pl.when(number.is_null() | number.is_nan())
        .then(pl.lit(NOT_A_NUMBER))
        .otherwise(rounded + suffix)
    )


def money_expr(column: str) -> pl.Expr:
    """`£1,117,312.50`: pounds and pence with thousands separators (null stays null)."""
    return pl.when(pl.col(column).is_not_null()).then(
        pl.lit("£") + _thousands(pl.col(column).cast(pl.Float64), 2)
    )


def _per(unit: pl.Expr) -> pl.Expr:
    """`rate per 100000` -> `100,000` (the unit's own text if that is not a number)."""
    words = unit.str.replace("rate per ", "")
    digits = words.cast(pl.Int64, strict=False)
    return _thousands(digits.cast(pl.Float64), 0).fill_null(words)


def _thousands(expr: pl.Expr, decimals: int) -> pl.Expr:
    """`-12,345.6`; a huge value in scientific notation, infinity as `∞`; never raises.

    Every row goes through every branch (polars evaluates them all), so the decimal cast only
    ever sees values that fit it: the others are nulled first and written by `_scientific`.
    """
    number = expr.cast(pl.Float64)
    plain = pl.when(number.is_finite() & (number.abs() < SCIENTIFIC_FROM)).then(number)
    text = plain.abs().round(decimals).cast(pl.Decimal(38, decimals), strict=False).cast(pl.Utf8)
    integer = text.str.split(".").list.first()
    fraction = text.str.split(".").list.get(1, null_on_oob=True)
    grouped = (
        integer.str.reverse().str.replace_all(r"(\d{3})", "$1,").str.reverse().str.strip_prefix(",")
    )
    sign = pl.when(number < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    written = sign + grouped + (pl.lit(".") + fraction if decimals else pl.lit("")).fill_null("")
    return pl.when(plain.is_null()).then(_scientific(number)).otherwise(written)


def _scientific(number: pl.Expr) -> pl.Expr:
    """`1.0e38`, `-1.8e308`, `∞`, `-∞` (null for null and NaN, which callers word)."""
    magnitude = number.abs()
    exponent = magnitude.log10().floor()
    mantissa = (magnitude / pl.lit(10.0).pow(exponent)).round(1)
    carry = mantissa >= 10  # 9.96e20 rounds to 10.0e20: write 1.0e21
    mantissa = pl.when(carry).then(mantissa / 10).otherwise(mantissa).round(1)
    exponent = pl.when(carry).then(exponent + 1).otherwise(exponent)
    sign = pl.when(number < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    finite = (
        mantissa.cast(pl.Utf8) + pl.lit("e") + exponent.cast(pl.Int64, strict=False).cast(pl.Utf8)
    )
    return (
        pl.when(number.is_nan())
        .then(pl.lit(None, dtype=pl.Utf8))
        .when(number.is_infinite())
        .then(sign + pl.lit("∞"))
        .when(magnitude == 0)
        .then(pl.lit("0"))
        .otherwise(sign + finite)
    )


def _scientific_text(amount: float) -> str:
    """The scalar twin of `_scientific`, for a value outside what digit grouping shows."""
    if math.isnan(amount):
        return NOT_A_NUMBER
    if math.isinf(amount):
        return "-∞" if amount < 0 else "∞"
    mantissa, _, exponent = f"{amount:.1e}".partition("e")
    return f"{mantissa}e{int(exponent)}"


def format_value(value: float | Decimal | str | None, decimals: int, unit: str) -> str:
    """`12.3 per 1,000`, `34.4%`, `5,300`: a value with its indicator's decimals and unit.

    Accepts what messages hold (a float, a Decimal, the text a user typed); text that is not a
    number is returned as typed, so a message never fails on it.
    """
    if isinstance(value, str):
        try:
            value = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            return value
    if isinstance(value, Decimal):  # exact half-up on the decimal typed, as the reward maths
        if not value.is_finite():
            return str(value)
        if abs(value) < Decimal(SCIENTIFIC_FROM):  # beyond, quantize exceeds the precision
            value = value.quantize(Decimal(1).scaleb(-min(max(decimals, 0), 3)), ROUND_HALF_UP)
        value = float(value)
    frame = pl.DataFrame(
        {"v": [value], "d": [decimals], "u": [unit]},
        schema={"v": pl.Float64, "d": pl.Int64, "u": pl.Utf8},
    )
    return frame.select(value_expr("v", "d", "u")).item()


def money(value: Decimal | float | None, *, short: bool = False) -> str:
    """`£416,667`, or `£1.23m` when short."""
    if value is None:
        return "–"
    amount = float(value)
    if not math.isfinite(amount) or abs(amount) >= SCIENTIFIC_FROM:
        return "£" + _scientific_text(amount) if not math.isnan(amount) else NOT_A_NUMBER
    if short and abs(amount) >= 1_000_000:
        return f"£{amount / 1_000_000:,.2f}m"
    if short and abs(amount) >= 10_000:
        return f"£{amount / 1_000:,.0f}k"
    return f"£{amount:,.0f}"


def percent(fraction: float | None, decimals: int = 0) -> str:
    if fraction is None or math.isnan(fraction):
        return "–"
    if not math.isfinite(fraction) or abs(fraction * 100) >= SCIENTIFIC_FROM:
        return _scientific_text(fraction * 100) + "%"
    return f"{fraction * 100:.{decimals}f}%"


def value_text(row: dict, column: str) -> str:
    """A value from a target row (dict) with that target's decimals and unit."""
    return format_value(row.get(column), int(row.get("decimals") or 0), str(row.get("unit") or ""))


def unit_words(unit: str) -> str:
    """The unit as words beside a bare number: `per cent`, `per 1,000`, `kg per household`."""
    if unit == "%":
        return "per cent"
    if unit.startswith("rate per "):
        base = unit.removeprefix("rate per ")
        return "per " + (format_value(float(base), 0, "count") if base.isdigit() else base)
    return unit


def number_text(row: dict, column: str) -> str:
    """A value with its indicator's decimals and no unit except `%` (for big headline numbers)."""
    unit = str(row.get("unit") or "")
    return format_value(
        row.get(column), int(row.get("decimals") or 0), "%" if unit == "%" else "count"
    )


# A cell a spreadsheet would read as a formula (or DDE): =, +, -, @ first, after any leading
# whitespace, or a tab / CR / LF first. Matched after NFKC, which folds the fullwidth and small
# forms (＝ ＋ － ＠, ﹦ ﹢ ﹣ ﹫) that Excel's East Asian input turns into the ASCII ones.
_FORMULA_START = r"^(?:[\t\r\n]|\s*[=+\-@])"
# A negative number in ASCII digits as the exports write it (`-2.5`, `-1e3`) is a number to a
# spreadsheet, not a formula.
_PLAIN_NUMBER = r"^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
# xlsxwriter writes a string starting with `=` as a formula and `http://`, `external:`,
# `file://` as a link unless told not to: every text cell goes in as text.
WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "nan_inf_to_errors": True,
}


def spreadsheet_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """Neutralise formula injection in every CSV and Excel file the dashboard writes (the
    pages' downloads and the `laa` exports): a text cell that a spreadsheet would run as a
    formula gets a leading apostrophe, so it shows as typed.

    Number columns stay numbers and a text cell holding just a negative number (`-2.5`) is left
    alone; only text (names, commentary, codes, reasons) is touched.
    """
    kinds = (pl.Categorical, pl.Enum)
    text = [c for c, t in frame.schema.items() if t == pl.String or isinstance(t, kinds)]

    def safe(column: str) -> pl.Expr:
        cell = pl.col(column).cast(pl.String)
        folded = cell.str.normalize("NFKC")
        risky = folded.str.contains(_FORMULA_START) & ~cell.str.contains(_PLAIN_NUMBER)
        return pl.when(risky).then(pl.lit("'") + cell).otherwise(cell).alias(column)

    return frame.with_columns(safe(c) for c in text)


def spreadsheet_workbook(target):  # type: ignore[no-untyped-def]
    """An xlsxwriter workbook (file path or buffer) that writes text cells as text; write
    `spreadsheet_safe` frames into it."""
    import xlsxwriter

    return xlsxwriter.Workbook(target, WORKBOOK_OPTIONS)


# The value columns of an assessed target that pages show as text: the cached assessment
# carries their texts, and `with_value_texts` adds only what a frame lacks.
TARGET_TEXTS = ("latest_value", "expected_value", "target_value", "forecast_value")


def with_value_texts(
    frame: pl.DataFrame, *columns: str, numbers: tuple[str, ...] = ()
) -> pl.DataFrame:
    """Add `<column>_text` for each of `columns`, the value as `value_text` writes
    it (the target's decimals and unit), and `<column>_number` for each of `numbers`, as
    `number_text` does (no unit but `%`), in one pass over the frame. A scalar `value_text`
    runs a whole polars query: 60 of them took half a second on a page."""
    unit = pl.col("unit").fill_null("").cast(pl.Utf8)
    wanted = [(c, f"{c}_text", unit) for c in columns] + [
        (c, f"{c}_number", pl.when(unit == "%").then(pl.lit("%")).otherwise(pl.lit("count")))
        for c in numbers
    ]
    # Texts already there were written by the same rules (the cached assessment carries its
    # targets' texts, so a page's tables of them cost nothing to format again).
    wanted = [w for w in wanted if w[1] not in frame.columns]
    if not wanted:
        return frame
    if frame.is_empty() or not wanted:
        return frame.with_columns(pl.lit(None, pl.Utf8).alias(name) for _, name, _ in wanted)
    # One long column formatted by one expression, then spread back: `value_expr` is a large
    # expression, and planning fifteen of them (the Indicator page's figures) took 0.1 s.
    rows = frame.with_row_index("_row")
    long = pl.concat(
        rows.select(
            "_row", _name=pl.lit(name), _value=pl.col(column).cast(pl.Float64),
            _decimals=pl.col("decimals").fill_null(0).cast(pl.Int64), _unit=shown_unit,
        )
        for column, name, shown_unit in wanted
    )  # fmt: skip
    texts = long.select("_row", "_name", _text=value_expr("_value", "_decimals", "_unit")).pivot(
        on="_name", index="_row", values="_text"
    )
    return rows.join(
        texts.select("_row", *(name for _, name, _ in wanted)), on="_row", maintain_order="left"
    ).drop("_row")
