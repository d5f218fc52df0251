"""AppTest of pages/overview.py, the LSP overview (home page)."""

from __future__ import annotations

from tests.app.conftest import app


def _all_text(at) -> str:  # type: ignore[no-untyped-def]
    parts = (
        [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.title]
    )
    parts += [str(h.proto) for h in at.get("html")]
    return "\n".join(parts)


def test_overview_shows_headline_figures_and_targets(worked_db: str) -> None:
    at = app().run()
    assert not at.exception
    assert at.title[0].value == "Worked Example Borough LSP overview"
    metrics = {m.label: m.value for m in at.metric}
    # 12 reward targets: 305,555.56 + 250,000 + 416,666.67 * 2 + 267,857.14 = 1,656,745.04 earned.
    assert metrics["Performance Reward Grant forecast"] == "£1.66m"
    assert any(c.value.startswith("of £5.00m maximum (33%)") for c in at.caption)
    assert metrics["Pump-priming grant"] == "£927k"  # £750,000 + £1 × 176,912
    table = at.dataframe[0].value
    assert len(table) == 13
    neet = table[table["Code"] == "NEET"].iloc[0]
    assert neet["Latest"] == "7.3%"
    assert neet["Period"] == "2007/08"
    assert neet["Status"] == "✖ Off track"
    assert neet["Direction"] == "↗ improving"
    text = _all_text(at)
    assert "Off track" in text and "No data" in text


def test_area_comes_from_the_link(worked_db: str) -> None:
    at = app()
    at.query_params["area"] = "X01"
    at.run()
    assert not at.exception
    assert at.sidebar.selectbox[0].value == "X01"
    assert at.query_params["area"] == ["X01"] or at.query_params["area"] == "X01"


def test_as_at_earlier_date_hides_later_periods(worked_db: str) -> None:
    at = app()
    at.query_params["as_at"] = "2007-06-30"
    at.run()
    assert not at.exception
    table = at.dataframe[0].value
    neet = table[table["Code"] == "NEET"].iloc[0]
    assert neet["Latest"] == "7.6%"  # 2006/07: the 2007/08 period had not ended yet
    assert neet["Period"] == "2006/07"


def test_empty_database_says_what_to_do(empty_db: str) -> None:
    at = app().run()
    assert not at.exception
    assert "laa seed demo" in at.info[0].value
