"""AppTest: the PNG downloads of the indicator and block pages are titled with the area and
the as-at date (the image travels without the page around it)."""

from __future__ import annotations

from typing import Any

import pytest

from dashboard.ui import components
from tests.app.conftest import errors, open_page


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every chart download the page offers, with the title its image will have."""
    offered: list[dict[str, Any]] = []
    real = components.chart_download

    def record(chart, file_name: str, key: str, **kw: Any) -> None:  # type: ignore[no-untyped-def]
        offered.append({"file_name": file_name, **kw})
        real(chart, file_name, key, **kw)

    monkeypatch.setattr(components, "chart_download", record)
    return offered


def test_indicator_png_is_titled_with_area_and_as_at(
    demo_db: str, downloads: list[dict[str, Any]]
) -> None:
    at = open_page("indicator", area="D10", indicator="BV128")
    assert not errors(at), errors(at)
    (png,) = [d for d in downloads if d["file_name"] == "D10-BV128-trajectory.png"]
    assert png["title"] == (
        "BV128 Vehicle crimes per 1000 population — Thornbury Vale, as at 30 Nov 2008"
    )
    assert png["lead"] == "Lower is better"


def test_block_png_is_titled_with_block_area_and_as_at(
    demo_db: str, downloads: list[dict[str, Any]]
) -> None:
    at = open_page("block", area="D10", block="SSC")
    assert not errors(at), errors(at)
    (png,) = [d for d in downloads if d["file_name"].startswith("block_sm_")]
    assert png["title"] == "Safer and Stronger Communities — Thornbury Vale, as at 30 Nov 2008"


def test_partnership_png_is_titled_with_the_partnership(
    demo_db: str, downloads: list[dict[str, Any]]
) -> None:
    at = open_page("partnership", area="D10", partnership="Safer Thornbury Vale Partnership")
    assert not errors(at), errors(at)
    (png,) = [d for d in downloads if d["file_name"] == "partnership_sm.png"]
    assert png["title"] == ("Safer Thornbury Vale Partnership — Thornbury Vale, as at 30 Nov 2008")
