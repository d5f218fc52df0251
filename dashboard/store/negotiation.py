"""The negotiation of a draft agreement: the indicators chosen, the area's proposed targets
(every version kept), the Government Office's verdicts, the comments, and the signature that
turns the agreed proposals into the agreement's targets.

Who may do what is decided here, not only in the page: the area's officer chooses and proposes;
its GO marks proposals agreed or challenged and signs, but never rewrites a proposal; the
area's partnership leads comment too; nobody changes anything once the agreement is signed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, func, select

from dashboard import access, db
from dashboard.access import Actor
from dashboard.metrics.reward import maximum_prg, money, pump_priming_grant
from dashboard.store import frames
from dashboard.store.audit import _audit
from dashboard.store.clock import recorded_now
from dashboard.store.rules import ConcurrentChange, RuleViolation, deny
from dashboard.store.scope import _check_read
from data_models import (
    MEASURES,
    VERDICTS,
    Agreement,
    AgreementSignature,
    Area,
    DraftChoice,
    Indicator,
    NegotiationComment,
    Partnership,
    ProposalVerdict,
    ProposedTarget,
    User,
)

# The fields of a proposal the area writes; any change is a new version.
PROPOSAL_FIELDS = (
    "partnership",
    "lead_officer",
    "measure",
    "baseline_period",
    "baseline_value",
    "target_period",
    "target_value",
    "milestones",
    "without_reward_value",
    "agreed_share_gbp",
    "focus",
    "note_indicator",
    "note_source",
    "note_clarifications",
    "note_stretch",
    "note_reward",
)
NOTE_FIELDS = PROPOSAL_FIELDS[-5:]
_TEXT_LENGTH = 4_000  # a note or a comment: a few paragraphs, not a document


@dataclass(frozen=True)
class Negotiation:
    """Everything recorded in one agreement's negotiation, read in one pass."""

    agreement: dict[str, Any]  # the agreement with its area's facts (see `_agreement`)
    choices: pl.DataFrame  # the latest choice per indicator
    proposals: pl.DataFrame  # every version of every proposal, oldest first
    verdicts: pl.DataFrame  # every verdict, oldest first
    comments: pl.DataFrame  # every comment, oldest first
    signature: dict[str, Any] | None  # without the document itself

    @property
    def signed(self) -> bool:
        return self.agreement["status"] == "signed"


# ----------------------------------------------------------------------------- reads
def _agreement(conn: Connection, agreement_id: int) -> dict[str, Any]:
    row = (
        conn.execute(
            select(
                Agreement.id.label("agreement_id"),
                Agreement.area_code,
                Agreement.start_date,
                Agreement.end_date,
                Agreement.status,
                Agreement.signed_date,
                Agreement.pump_priming_gbp,
                Agreement.reward_rate,
                Agreement.reward_threshold,
                Agreement.capital_share,
                Agreement.reward_instalments,
                Agreement.max_reward_targets,
                Area.name.label("area_name"),
                Area.region_code,
                Area.population,
                Area.net_budget_requirement_gbp,
            )
            .join(Area, Area.code == Agreement.area_code)
            .where(Agreement.id == agreement_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise RuleViolation(f"there is no agreement {agreement_id}")
    return dict(row)


def latest_agreement(engine: Engine, actor: Actor, area_code: str) -> dict[str, Any] | None:
    """The area's latest agreement (the one being negotiated, or the last one signed), with
    the area's facts; None when the area has none."""
    _check_read(engine, actor, [area_code], "the agreement")
    with engine.connect() as conn:
        found = conn.execute(
            select(Agreement.id)
            .where(Agreement.area_code == area_code)
            .order_by(Agreement.start_date.desc())
        ).first()
        return None if found is None else _agreement(conn, int(found[0]))


def area_partnerships(engine: Engine, actor: Actor, area_code: str) -> pl.DataFrame:
    """The area's partnerships (name, kind, block_code): who can own a proposed target."""
    _check_read(engine, actor, [area_code], "the partnerships")
    query = (
        select(Partnership.name, Partnership.kind, Partnership.block_code)
        .where(Partnership.area_code == area_code)
        .order_by(Partnership.kind.desc(), Partnership.name)
    )
    return frames.read_frame(engine, query, {"block_code": pl.Utf8})


def _named(query: Any, by: Any) -> Any:
    """The query with the full name of whoever recorded each row (the user name if none)."""
    return query.add_columns(
        func.coalesce(User.display_name, by).label("recorded_by_name")
    ).outerjoin(User, User.username == by)


def load_negotiation(engine: Engine, actor: Actor, agreement_id: int) -> Negotiation:
    """The agreement's choices, proposals, verdicts, comments and signature."""
    with engine.connect() as conn:
        agreement = _agreement(conn, agreement_id)
    _check_read(engine, actor, [agreement["area_code"]], "the agreement's negotiation")
    c, p, v, n = DraftChoice, ProposedTarget, ProposalVerdict, NegotiationComment
    ranked = (
        select(
            c.indicator_code,
            c.included,
            c.recorded_at,
            c.recorded_by,
            c.reason,
            func.row_number()
            .over(partition_by=c.indicator_code, order_by=c.id.desc())
            .label("rank"),
        )
        .where(c.agreement_id == agreement_id)
        .subquery()
    )
    choices = frames.read_frame(
        engine,
        select(
            ranked.c.indicator_code,
            ranked.c.included,
            ranked.c.recorded_at,
            ranked.c.recorded_by,
            ranked.c.reason,
        )
        .where(ranked.c.rank == 1)
        .order_by(ranked.c.indicator_code),
        {"included": pl.Boolean, "reason": pl.Utf8},
    )
    proposals = frames.read_frame(
        engine,
        _named(select(p), p.recorded_by)
        .where(p.agreement_id == agreement_id)
        .order_by(p.indicator_code, p.version),
        _PROPOSAL_SCHEMA,
    )
    verdicts = frames.read_frame(
        engine,
        _named(
            select(v.id, v.proposal_id, p.indicator_code, p.version, v.verdict, v.recorded_at,
                   v.recorded_by, v.note).join(p, p.id == v.proposal_id),
            v.recorded_by,
        )
        .where(p.agreement_id == agreement_id)
        .order_by(v.id),
        {"note": pl.Utf8},
    )  # fmt: skip
    comments = frames.read_frame(
        engine,
        _named(
            select(n.id, n.indicator_code, n.proposal_version, n.text, n.recorded_at,
                   n.recorded_by),
            n.recorded_by,
        )
        .where(n.agreement_id == agreement_id)
        .order_by(n.id),
        {"indicator_code": pl.Utf8, "proposal_version": pl.Int64},
    )  # fmt: skip
    with engine.connect() as conn:
        s = AgreementSignature
        found = (
            conn.execute(
                _named(
                    select(s.signed_date, s.signed_at, s.signed_by, s.document_sha256,
                           s.proposal_ids),
                    s.signed_by,
                ).where(s.agreement_id == agreement_id)
            )
            .mappings()
            .first()
        )  # fmt: skip
    return Negotiation(
        agreement=agreement,
        choices=choices,
        proposals=proposals,
        verdicts=verdicts,
        comments=comments,
        signature=dict(found) if found else None,
    )


_PROPOSAL_SCHEMA: dict[str, Any] = {
    "lead_officer": pl.Utf8,
    "milestones": pl.Utf8,
    "without_reward_value": pl.Float64,
    "agreed_share_gbp": pl.Decimal(16, 2),
    "focus": pl.Utf8,
    "reason": pl.Utf8,
}


def signed_document(engine: Engine, actor: Actor, agreement_id: int) -> dict[str, Any] | None:
    """The LAA document as signed (pdf bytes, html, sha256, signed_date), or None."""
    with engine.connect() as conn:
        agreement = _agreement(conn, agreement_id)
        _check_read(engine, actor, [agreement["area_code"]], "the signed agreement")
        s = AgreementSignature
        found = (
            conn.execute(
                select(s.document_pdf, s.document_html, s.document_sha256, s.signed_date).where(
                    s.agreement_id == agreement_id
                )
            )
            .mappings()
            .first()
        )
    return None if found is None else dict(found)


# ----------------------------------------------------------------------------- checks
def _open_draft(conn: Connection, agreement_id: int) -> dict[str, Any]:
    agreement = _agreement(conn, agreement_id)
    if agreement["status"] == "signed":
        raise RuleViolation(
            f"the agreement of {agreement['area_name']} was signed on "
            f"{agreement['signed_date']:%d %B %Y}: it can no longer be changed here"
        )
    return agreement


def _proposer(conn: Connection, actor: Actor, agreement_id: int, what: str) -> dict[str, Any]:
    agreement = _agreement(conn, agreement_id)
    if not access.can_propose(actor, agreement["area_code"]):
        deny(actor, f"{what} in the agreement of {agreement['area_code']}")
    return _open_draft(conn, agreement_id)


def _indicators(conn: Connection, codes: Sequence[str]) -> dict[str, dict[str, Any]]:
    rows = conn.execute(select(Indicator).where(Indicator.code.in_(list(codes)))).mappings()
    return {r["code"]: dict(r) for r in rows}


def _current_choices(conn: Connection, agreement_id: int) -> dict[str, bool]:
    rows = conn.execute(
        select(DraftChoice.indicator_code, DraftChoice.included)
        .where(DraftChoice.agreement_id == agreement_id)
        .order_by(DraftChoice.id)
    ).all()
    return {code: bool(included) for code, included in rows}  # the latest row wins


def _latest_proposals(conn: Connection, agreement_id: int) -> dict[str, dict[str, Any]]:
    rows = conn.execute(
        select(ProposedTarget)
        .where(ProposedTarget.agreement_id == agreement_id)
        .order_by(ProposedTarget.indicator_code, ProposedTarget.version)
    ).mappings()
    return {r["indicator_code"]: dict(r) for r in rows}  # the highest version wins


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def milestone_text(milestones: Sequence[tuple[date, float]] | None) -> str | None:
    """Milestones as stored: one `YYYY-MM-DD=value` per line, in period order."""
    if not milestones:
        return None
    return "\n".join(f"{p.isoformat()}={float(v)!r}" for p, v in sorted(milestones))


def parse_milestones(text: str | None) -> list[tuple[date, float]]:
    """The stored milestones back as (period, value) pairs."""
    if not text:
        return []
    pairs = (line.split("=", 1) for line in text.splitlines() if line.strip())
    return [(date.fromisoformat(p), float(v)) for p, v in pairs]


def _clean_proposal(values: Mapping[str, Any]) -> dict[str, Any]:
    clean = {k: values.get(k) for k in PROPOSAL_FIELDS}
    for k in ("partnership", "lead_officer", "focus", *NOTE_FIELDS):
        clean[k] = _text(clean[k])
    for k in ("lead_officer", "focus"):
        clean[k] = clean[k] or None
    clean["measure"] = clean["measure"] or "level"
    for k in ("baseline_value", "target_value", "without_reward_value"):
        if clean[k] is not None:
            clean[k] = float(clean[k])
    if clean["agreed_share_gbp"] is not None:
        clean["agreed_share_gbp"] = Decimal(str(clean["agreed_share_gbp"])).quantize(
            Decimal("0.01")
        )
    if not isinstance(clean["milestones"], str | None):
        clean["milestones"] = milestone_text(clean["milestones"])
    return clean


def _proposal_errors(
    clean: Mapping[str, Any], agreement: Mapping[str, Any], indicator: Mapping[str, Any]
) -> list[str]:
    """Every problem with a proposal, each naming the field (nothing is written if any)."""
    errors: list[str] = []
    if not clean["partnership"]:
        errors.append("Owner partnership: say which thematic partnership owns the target")
    if clean["measure"] not in MEASURES:
        errors.append(f"Measure: {clean['measure']!r} is not one of {', '.join(MEASURES)}")
    for k, label in (("baseline_period", "Baseline period"), ("target_period", "Target period")):
        if not isinstance(clean[k], date):
            errors.append(f"{label}: a date is needed")
    for k, label in (("baseline_value", "Baseline"), ("target_value", "Target")):
        if clean[k] is None:
            errors.append(f"{label}: a number is needed")
    if errors:
        return errors
    start, end = agreement["start_date"], agreement["end_date"]
    if clean["baseline_period"] >= clean["target_period"]:
        errors.append("Target period: it must come after the baseline period")
    if not start <= clean["target_period"] <= end:
        errors.append(
            f"Target period: {clean['target_period']:%d %B %Y} is outside the agreement "
            f"({start:%d %B %Y} to {end:%d %B %Y})"
        )
    try:
        milestones = parse_milestones(clean["milestones"])
    except ValueError:
        errors.append("Milestones: each needs a date and a number")
        milestones = []
    for period, _ in milestones:
        if not clean["baseline_period"] < period < clean["target_period"]:
            errors.append(
                f"Milestones: {period:%d %B %Y} is not between the baseline and target periods"
            )
    low, high = indicator.get("plausible_min"), indicator.get("plausible_max")
    figures = [
        ("Baseline", clean["baseline_value"]),
        ("Target", clean["target_value"]),
        ("Without reward", clean["without_reward_value"]),
        *((f"Milestone {p:%b %Y}", v) for p, v in milestones),
    ]
    for label, value in figures:
        if value is None:
            continue
        if (low is not None and value < low) or (high is not None and value > high):
            errors.append(f"{label}: {value:g} is outside the plausible range {low:g} to {high:g}")
    if clean["without_reward_value"] is not None:
        if clean["without_reward_value"] == clean["target_value"]:
            errors.append(
                "Stretched target: it equals the without-reward figure, so there is no stretch "
                "to reward"
            )
    elif clean["agreed_share_gbp"] is not None:
        errors.append("Agreed share: only a reward target has a share of the grant")
    if clean["agreed_share_gbp"] is not None and clean["agreed_share_gbp"] < 0:
        errors.append("Agreed share: it cannot be negative")
    for k in NOTE_FIELDS:
        if len(clean[k]) > _TEXT_LENGTH:
            errors.append(f"Negotiation note: keep each heading under {_TEXT_LENGTH:,} characters")
            break
    return errors


def reward_pot(agreement: Mapping[str, Any]) -> Decimal:
    """The maximum Performance Reward Grant: the agreement's rate × the net budget."""
    return money(maximum_prg(agreement["net_budget_requirement_gbp"], agreement["reward_rate"]))


def _check_reward_element(
    agreement: Mapping[str, Any], proposals: Mapping[str, Mapping[str, Any]], included: set[str]
) -> None:
    """The number of reward targets and the agreed shares against the agreement's settings."""
    reward = [
        p
        for code, p in proposals.items()
        if code in included and p["without_reward_value"] is not None
    ]
    if len(reward) > agreement["max_reward_targets"]:
        raise RuleViolation(
            f"Reward targets: {len(reward)} proposed, but the agreement allows at most "
            f"{agreement['max_reward_targets']}"
        )
    shares = sum(
        (Decimal(str(p["agreed_share_gbp"])) for p in reward if p["agreed_share_gbp"] is not None),
        Decimal(0),
    )
    pot = reward_pot(agreement)
    if shares > pot:
        raise RuleViolation(
            f"Agreed shares: they add up to £{shares:,.2f}, more than the reward grant of £{pot:,.2f}"
        )  # fmt: skip


# ----------------------------------------------------------------------------- writes
def start_draft(
    engine: Engine, actor: Actor, area_code: str, start_date: date, end_date: date | None = None
) -> int:
    """A new draft agreement for the area (three years from `start_date` by default), with the
    settings of its previous agreement, the usual pump-priming grant and every mandatory
    indicator already chosen; returns its id."""
    if not access.can_propose(actor, area_code):
        deny(actor, f"start a draft agreement for {area_code}")
    end_date = end_date or date(start_date.year + 3, start_date.month, start_date.day) - _ONE_DAY
    if end_date <= start_date:
        raise RuleViolation("End date: it must come after the start date")
    with db.write_transaction(engine) as conn:
        area = conn.execute(select(Area).where(Area.code == area_code)).mappings().first()
        if area is None:
            raise RuleViolation(f"there is no area {area_code}")
        previous = (
            conn.execute(
                select(Agreement).where(Agreement.area_code == area_code).order_by(Agreement.start_date.desc())
            )
            .mappings()
            .first()
        )  # fmt: skip
        if previous is not None and previous["status"] == "draft":
            raise RuleViolation(f"{area['name']} already has a draft agreement being negotiated")
        if previous is not None and start_date <= previous["end_date"]:
            raise RuleViolation(
                f"Start date: the current agreement runs until {previous['end_date']:%d %B %Y}"
            )
        settings = {
            k: previous[k]
            for k in ("reward_rate", "reward_threshold", "capital_share", "reward_instalments",
                      "max_reward_targets")
        } if previous is not None else {}  # fmt: skip
        new_id = conn.execute(
            Agreement.__table__.insert(),  # type: ignore[attr-defined]
            [
                {
                    "area_code": area_code,
                    "start_date": start_date,
                    "end_date": end_date,
                    "status": "draft",
                    "pump_priming_gbp": pump_priming_grant(int(area["population"])),
                    **settings,
                }
            ],
        ).inserted_primary_key[0]
        _audit(conn, actor, "agreement:draft", area_code=area_code, period=start_date,
               after=f"draft {start_date} to {end_date}")  # fmt: skip
        # every mandatory indicator is in the draft from the start: it is required
        mandatory = conn.execute(
            select(Indicator.code).where(Indicator.outcome_type == "mandatory").order_by(Indicator.code)
        ).scalars().all()  # fmt: skip
        if mandatory:
            at = recorded_now(conn)
            conn.execute(
                DraftChoice.__table__.insert(),  # type: ignore[attr-defined]
                [{"agreement_id": new_id, "indicator_code": code, "included": True,
                  "recorded_at": at, "recorded_by": actor.name, "reason": "mandatory"}
                 for code in mandatory],
            )  # fmt: skip
    return int(new_id)


_ONE_DAY = date(2000, 1, 2) - date(2000, 1, 1)


def choose_indicators(
    engine: Engine,
    actor: Actor,
    agreement_id: int,
    indicator_codes: Sequence[str],
    *,
    included: bool = True,
    reason: str | None = None,
) -> int:
    """Put indicators into the draft (or take them out); returns how many changed. Mandatory
    indicators cannot be taken out."""
    codes = sorted(set(indicator_codes))
    with db.write_transaction(engine) as conn:
        agreement = _proposer(conn, actor, agreement_id, "choose indicators")
        known = _indicators(conn, codes)
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise RuleViolation(f"Indicator: {', '.join(unknown)} is not in the outcomes framework")
        if not included:
            mandatory = [c for c in codes if known[c]["outcome_type"] == "mandatory"]
            if mandatory:
                raise RuleViolation(
                    f"{', '.join(mandatory)}: mandatory, so it stays in the agreement"
                )
        current = _current_choices(conn, agreement_id)
        changed = [c for c in codes if current.get(c, False) != included]
        if not changed:
            return 0
        at = recorded_now(conn)
        conn.execute(
            DraftChoice.__table__.insert(),  # type: ignore[attr-defined]
            [
                {"agreement_id": agreement_id, "indicator_code": c, "included": included,
                 "recorded_at": at, "recorded_by": actor.name, "reason": _text(reason) or None}
                for c in changed
            ],
        )  # fmt: skip
        for code in changed:
            _audit(conn, actor, "draft:" + ("choose" if included else "drop"),
                   area_code=agreement["area_code"], indicator_code=code,
                   period=agreement["start_date"], reason=_text(reason) or None, at=at)  # fmt: skip
    return len(changed)


def create_local_indicator(
    engine: Engine, actor: Actor, agreement_id: int, values: Mapping[str, Any]
) -> str:
    """A local indicator created in the draft with its full definition, and chosen; returns
    its code."""
    from dashboard.store.agreements import save_indicators

    with db.write_transaction(engine) as conn:
        agreement = _proposer(conn, actor, agreement_id, "create local indicators")
        code = _text(values.get("indicator_code"))
        if not code:
            raise RuleViolation("Code: a local indicator needs a code")
        if conn.execute(select(Indicator.code).where(Indicator.code == code)).first():
            raise RuleViolation(f"Code: {code} is already an indicator of the framework")
        row = {**values, "indicator_code": code, "outcome_type": "local"}
        save_indicators(conn, access.Actor(actor.name, (access.Grant("admin"),)), [row])
        at = recorded_now(conn)
        conn.execute(
            DraftChoice.__table__.insert(),  # type: ignore[attr-defined]
            [{"agreement_id": agreement_id, "indicator_code": code, "included": True,
              "recorded_at": at, "recorded_by": actor.name, "reason": "local indicator"}],
        )  # fmt: skip
        _audit(conn, actor, "draft:local_indicator", area_code=agreement["area_code"],
               indicator_code=code, after=row.get("name"), at=at)  # fmt: skip
    return code


def propose_target(
    engine: Engine,
    actor: Actor,
    agreement_id: int,
    indicator_code: str,
    values: Mapping[str, Any],
    *,
    reason: str | None = None,
    expected_version: int | None = None,
) -> int:
    """A new version of the area's proposal for a chosen indicator; returns its version.
    `expected_version`: the version the proposer was looking at (0 for none): if someone saved
    another since, nothing is written (ConcurrentChange)."""
    clean = _clean_proposal(values)
    with db.write_transaction(engine) as conn:
        agreement = _proposer(conn, actor, agreement_id, "propose targets")
        choices = _current_choices(conn, agreement_id)
        if not choices.get(indicator_code):
            raise RuleViolation(
                f"{indicator_code}: choose the indicator before proposing its target"
            )
        indicator = _indicators(conn, [indicator_code])[indicator_code]
        errors = _proposal_errors(clean, agreement, indicator)
        if errors:
            raise RuleViolation(f"{indicator_code}: " + "; ".join(errors))
        latest = _latest_proposals(conn, agreement_id)
        before = latest.get(indicator_code)
        version = 0 if before is None else int(before["version"])
        if expected_version is not None and expected_version != version:
            raise ConcurrentChange(
                f"{indicator_code}: someone saved version {version} of this proposal since you "
                "opened it; review it and save again"
            )
        if before is not None and all(_same(before[k], clean[k]) for k in PROPOSAL_FIELDS):
            raise RuleViolation(f"{indicator_code}: nothing changed since version {version}")
        latest[indicator_code] = clean
        _check_reward_element(agreement, latest, {c for c, inc in choices.items() if inc})
        at = recorded_now(conn)
        conn.execute(
            ProposedTarget.__table__.insert(),  # type: ignore[attr-defined]
            [{"agreement_id": agreement_id, "indicator_code": indicator_code,
              "version": version + 1, **clean, "recorded_at": at, "recorded_by": actor.name,
              "reason": _text(reason) or None}],
        )  # fmt: skip
        _audit(conn, actor, "proposal:version", area_code=agreement["area_code"],
               indicator_code=indicator_code, period=clean["target_period"],
               before=None if before is None else before["target_value"],
               after=clean["target_value"], reason=_text(reason) or f"version {version + 1}",
               at=at)  # fmt: skip
    return version + 1


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return (old is None and new is None) or (
            old is not None and new is not None and Decimal(str(old)) == Decimal(str(new))
        )
    return (old or None) == (new or None) if isinstance(new, str | None) else old == new


def record_verdict(
    engine: Engine, actor: Actor, proposal_id: int, verdict: str, note: str | None = None
) -> None:
    """The GO marks the latest version of a proposal agreed or challenged (a challenge says
    why). The area cannot agree its own proposals."""
    if verdict not in VERDICTS:
        raise RuleViolation(f"Verdict: {verdict!r} is not one of {', '.join(VERDICTS)}")
    with db.write_transaction(engine) as conn:
        proposal = (
            conn.execute(select(ProposedTarget).where(ProposedTarget.id == proposal_id)).mappings().first()
        )  # fmt: skip
        if proposal is None:
            raise RuleViolation(f"there is no proposed target {proposal_id}")
        agreement = _agreement(conn, proposal["agreement_id"])
        if not access.can_agree_proposals(actor, agreement["region_code"]):
            deny(actor, f"agree or challenge the proposals of {agreement['area_code']}")
        _open_draft(conn, proposal["agreement_id"])
        newest = _latest_proposals(conn, proposal["agreement_id"])[proposal["indicator_code"]]
        if newest["id"] != proposal_id:
            raise ConcurrentChange(
                f"{proposal['indicator_code']}: the area has saved version {newest['version']} "
                f"since version {proposal['version']}; look at the new version first"
            )
        if verdict == "challenged" and not _text(note):
            raise RuleViolation("Challenge: say what the area should reconsider")
        at = recorded_now(conn)
        conn.execute(
            ProposalVerdict.__table__.insert(),  # type: ignore[attr-defined]
            [{"proposal_id": proposal_id, "verdict": verdict, "recorded_at": at,
              "recorded_by": actor.name, "note": _text(note) or None}],
        )  # fmt: skip
        _audit(conn, actor, f"proposal:{verdict}", area_code=agreement["area_code"],
               indicator_code=proposal["indicator_code"], period=proposal["target_period"],
               after=f"version {proposal['version']}", reason=_text(note) or None, at=at)  # fmt: skip


def add_negotiation_comment(
    engine: Engine,
    actor: Actor,
    agreement_id: int,
    text: str,
    indicator_code: str | None = None,
) -> None:
    """A comment in the negotiation, on one indicator's proposal or on the whole draft."""
    body = _text(text)
    if not body:
        raise RuleViolation("Comment: write something first")
    if len(body) > _TEXT_LENGTH:
        raise RuleViolation(f"Comment: keep it under {_TEXT_LENGTH:,} characters")
    with db.write_transaction(engine) as conn:
        agreement = _agreement(conn, agreement_id)
        if not access.can_comment_in_negotiation(
            actor, agreement["area_code"], agreement["region_code"]
        ):
            deny(actor, f"comment in the negotiation of {agreement['area_code']}")
        _open_draft(conn, agreement_id)
        version = None
        if indicator_code is not None:
            latest = _latest_proposals(conn, agreement_id).get(indicator_code)
            version = None if latest is None else int(latest["version"])
        at = recorded_now(conn)
        conn.execute(
            NegotiationComment.__table__.insert(),  # type: ignore[attr-defined]
            [{"agreement_id": agreement_id, "indicator_code": indicator_code,
              "proposal_version": version, "text": body, "recorded_at": at,
              "recorded_by": actor.name}],
        )  # fmt: skip
        _audit(conn, actor, "negotiation:comment", area_code=agreement["area_code"],
               indicator_code=indicator_code, after=body[:200], at=at)  # fmt: skip


def sign_negotiated_agreement(
    engine: Engine,
    actor: Actor,
    agreement_id: int,
    *,
    signed_date: date,
    proposal_ids: Sequence[int],
    document_pdf: bytes,
    document_html: str,
    document_sha256: str,
) -> None:
    """The GO signs the agreed draft: the agreed proposals become the agreement's targets
    (reward targets frozen from then on), the agreement is signed, and the document is kept
    with its content hash. `proposal_ids`: the versions the document shows; if the draft has
    changed since it was built, nothing is written (ConcurrentChange)."""
    from dashboard.reports.negotiation import readiness
    from dashboard.store.targets import write_targets

    with engine.connect() as conn:
        agreement = _agreement(conn, agreement_id)
    if not access.can_agree_proposals(actor, agreement["region_code"]):
        deny(actor, f"sign the agreement of {agreement['area_code']}")
    with db.write_transaction(engine) as conn:
        # Hold off other writes to the draft while it is checked and signed (SQLite's BEGIN
        # IMMEDIATE already does), so what is signed is what is stored.
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(
                "LOCK TABLE draft_choice, proposed_target, proposal_verdict IN EXCLUSIVE MODE"
            )
        _open_draft(conn, agreement_id)
        mandatory = [
            r[0]
            for r in conn.execute(
                select(Indicator.code).where(Indicator.outcome_type == "mandatory")
            )
        ]
        fresh = load_negotiation(engine, actor, agreement_id)
        state = readiness(fresh, mandatory_codes=mandatory)
        if not state.ready:
            raise RuleViolation("The agreement is not ready to sign: " + "; ".join(state.blockers))
        current = sorted(int(i) for i in state.agreed_proposals["id"])
        if sorted(int(i) for i in proposal_ids) != current:
            raise ConcurrentChange(
                "the draft changed after the document was built: build the document again and "
                "sign that"
            )
        at = recorded_now(conn)
        rows = [
            {
                "area_code": agreement["area_code"],
                "indicator_code": p["indicator_code"],
                "partnership": p["partnership"],
                "milestones": parse_milestones(p["milestones"]),
                **{k: p[k] for k in ("lead_officer", "measure", "baseline_period",
                                     "baseline_value", "target_period", "target_value",
                                     "without_reward_value", "agreed_share_gbp", "focus")},
            }
            for p in state.agreed_proposals.iter_rows(named=True)
        ]  # fmt: skip
        write_targets(conn, actor, rows, at)
        conn.execute(
            Agreement.__table__.update()  # type: ignore[attr-defined]
            .where(Agreement.id == agreement_id)
            .values(status="signed", signed_date=signed_date)
        )
        conn.execute(
            AgreementSignature.__table__.insert(),  # type: ignore[attr-defined]
            [{"agreement_id": agreement_id, "signed_date": signed_date, "signed_at": at,
              "signed_by": actor.name, "document_sha256": document_sha256,
              "proposal_ids": ",".join(str(i) for i in current), "document_pdf": document_pdf,
              "document_html": document_html}],
        )  # fmt: skip
        reward = sum(1 for r in rows if r["without_reward_value"] is not None)
        _audit(conn, actor, "agreement:sign", area_code=agreement["area_code"],
               period=agreement["start_date"], before="draft", after="signed",
               reason=f"signed on {signed_date} with {len(rows)} targets, {reward} of them "
               f"reward targets; document {document_sha256[:12]}", at=at)  # fmt: skip
