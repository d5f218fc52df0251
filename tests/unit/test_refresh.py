"""Target changes at the annual refresh: proposed by the officer, in force once the GO agrees;
the previous version is kept; reward targets of a signed agreement stay frozen."""

from __future__ import annotations

import polars as pl
import pytest

from dashboard import accounts, store
from dashboard.access import AccessDenied, Grant
from tests.conftest import load_worked_example


def _user(engine, admin, name: str, grant: Grant):  # type: ignore[no-untyped-def]
    accounts.add_user(engine, admin, name, name, "password-1")
    accounts.grant(engine, admin, name, grant)
    return accounts.actor_for(engine, name)


def _target(engine, admin, code: str = "BV199a") -> dict:  # type: ignore[no-untyped-def]
    targets = store.load_scope(engine, admin, ["X01"]).targets
    return targets.filter(pl.col("indicator_code") == code).row(0, named=True)


def test_a_proposal_waits_for_the_go_then_takes_effect(engine, admin) -> None:
    load_worked_example(engine, admin)
    officer = _user(engine, admin, "off", Grant("officer", area_code="X01"))
    go = _user(engine, admin, "gowm", Grant("go", region_code="GOWM"))
    version = store.propose_target_change(
        engine, officer, "X01", "BV199a", target_value=13.0, reason="new baseline survey"
    )
    assert _target(engine, admin)["target_value"] == 12.0  # the agreed target still applies
    pending = store.pending_target_changes(engine, officer, "X01")
    assert pending.select("indicator_code", "version", "target_value").rows() == [
        ("BV199a", version, 13.0)
    ]
    store.agree_target_change(
        engine, go, "X01", pending["version_id"][0], "agreed at the annual review"
    )
    now = _target(engine, admin)
    assert (now["target_value"], now["version"]) == (13.0, version)
    assert store.pending_target_changes(engine, officer, "X01").is_empty()
    audit = store.audit_frame(engine, admin, "X01")
    assert audit.filter(pl.col("action") == "target:proposed").select("before", "after").rows() == [
        ("12", "13")
    ]
    assert audit.filter(pl.col("action") == "target:agreed")["user"].to_list() == ["gowm"]


def test_another_regions_go_cannot_agree(engine, admin) -> None:
    load_worked_example(engine, admin)
    officer = _user(engine, admin, "off", Grant("officer", area_code="X01"))
    other_go = _user(engine, admin, "gonw", Grant("go", region_code="GONW"))
    store.propose_target_change(
        engine, officer, "X01", "BV199a", target_value=13.0, reason="refresh"
    )
    pending = store.pending_target_changes(engine, officer, "X01")
    with pytest.raises(AccessDenied):
        store.agree_target_change(engine, other_go, "X01", pending["version_id"][0])
    assert _target(engine, admin)["target_value"] == 12.0


def test_reward_targets_of_a_signed_agreement_stay_frozen(engine, admin) -> None:
    load_worked_example(engine, admin)
    officer = _user(engine, admin, "off", Grant("officer", area_code="X01"))
    with pytest.raises(store.RuleViolation, match="stretched targets cannot be refreshed"):
        store.propose_target_change(
            engine, officer, "X01", "NEET", target_value=6.5, reason="refresh"
        )
    assert store.pending_target_changes(engine, officer, "X01").is_empty()


def test_only_the_officer_proposes_and_a_reason_is_needed(engine, admin) -> None:
    load_worked_example(engine, admin)
    viewer = _user(engine, admin, "v", Grant("viewer", area_code="X01"))
    officer = _user(engine, admin, "off", Grant("officer", area_code="X01"))
    with pytest.raises(AccessDenied):
        store.propose_target_change(engine, viewer, "X01", "BV199a", target_value=13.0, reason="x")
    with pytest.raises(store.RuleViolation, match="needs a reason"):
        store.propose_target_change(engine, officer, "X01", "BV199a", target_value=13.0, reason=" ")
