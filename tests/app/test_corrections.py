"""AppTest of the indicator page's "Correct a value" form (pages/indicator.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from dashboard import accounts, db, store
from tests.app.conftest import _release, _use_database, app


@pytest.fixture
def writable_demo(demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    db.dispose_all()
    copy = tmp_path / "demo.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), copy)
    url = f"sqlite:///{copy}"
    _use_database(url, monkeypatch)
    yield url
    _release()


def _indicator(user: str):  # type: ignore[no-untyped-def]
    at = app(user)
    at.query_params["area"] = "D10"
    at.query_params["indicator"] = "BV128"
    at.switch_page("../pages/indicator.py")
    return at.run()


def test_officer_corrects_a_value_and_the_original_is_kept(writable_demo: str) -> None:
    at = _indicator("officer")
    assert "Correct a value" in [e.label for e in at.expander]
    at.number_input[0].set_value(17.5)
    at.text_input[0].input("Recount after iQuanta refresh")
    at.button[-1].click().run()  # the form's "Save correction"
    assert not at.exception
    assert any("new revision" in s.value for s in at.success), [e.value for e in at.error]
    engine = db.get_engine(writable_demo)
    history = store.actual_revisions(engine, accounts.actor_for(engine, "officer"), "D10", "BV128")
    latest = history.sort("period", "revision", descending=True).row(0, named=True)
    assert latest["value"] == 17.5 and latest["note"] == "Recount after iQuanta refresh"
    assert history.filter(pl.col("period") == latest["period"]).height >= 2


def test_a_correction_without_a_reason_saves_nothing(writable_demo: str) -> None:
    at = _indicator("officer")
    at.number_input[0].set_value(17.5)
    at.button[-1].click().run()
    assert any("needs a reason" in e.value for e in at.error)


def test_viewer_cannot_correct(writable_demo: str) -> None:
    at = _indicator("viewer")
    assert not at.exception
    assert "Correct a value" not in [e.label for e in at.expander]
