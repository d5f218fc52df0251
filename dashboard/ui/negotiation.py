"""Drawing the negotiation of a draft agreement: the readiness summary, the menu of
indicators, the proposal form and its evidence, the GO's verdict, the comment threads and the
versions. Numbers and rules come from `reports.negotiation` and the store; this module reads
widgets, calls them and says what happened in the domain's words."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl
import streamlit as st

from dashboard import access, store
from dashboard.access import AccessDenied, Actor
from dashboard.formatting import money
from dashboard.reports import negotiation as report
from dashboard.ui import components, loaders
from dashboard.ui.plain import md

FLASH = "_negotiation_flash"
ALL = "all"
OUTCOME_TYPES = {"mandatory": "Mandatory", "optional": "Optional (government menu)",
                 "local": "Local"}  # fmt: skip


def saved(message: str) -> None:
    """After a write: say what happened on the next run, which reloads everything."""
    st.session_state[FLASH] = message
    st.rerun()


def refused(what: str, exc: Exception) -> None:
    """A write the store refused, in its own (domain) words."""
    reason = str(exc)
    if isinstance(exc, AccessDenied):
        reason = "your access does not allow it"
    st.error(f"{what} was not saved: {md(reason)}", icon=":material/error:")


def flash() -> None:
    if message := st.session_state.pop(FLASH, None):
        st.success(message, icon=":material/task_alt:")


def state_words(state: str) -> str:
    return f"{report.STATE_SYMBOLS[state]} {report.STATES[state]}"


# ----------------------------------------------------------------------------- summary
def summary(readiness: report.Readiness, agreement: dict) -> None:
    """The readiness metrics: where the proposals stand and the reward element."""
    counts = readiness.counts
    cols = st.columns(5)
    cols[0].metric("Agreed", counts["agreed"], border=True, help="Proposals the GO has agreed")
    cols[1].metric("Challenged", counts["challenged"], border=True)
    cols[2].metric(
        "Awaiting the GO", counts["awaiting"], border=True,
        help="Proposals saved by the area, not yet agreed or challenged",
    )  # fmt: skip
    cols[3].metric(
        "Reward targets", f"{readiness.reward_targets} of {readiness.max_reward_targets}",
        border=True, help="Proposed stretched targets, and the most the agreement allows",
    )  # fmt: skip
    cols[4].metric(
        "Reward grant", money(readiness.pot_gbp, short=True), border=True,
        help=f"The maximum Performance Reward Grant, £{readiness.pot_gbp:,.2f}: "
        f"{Decimal(str(agreement['reward_rate'])):.1%} of the council's net budget requirement",
    )  # fmt: skip


def blockers(readiness: report.Readiness) -> None:
    if readiness.ready:
        st.success(
            "Every proposal is agreed: the agreement is ready to sign.",
            icon=":material/check_circle:",
        )
    else:
        st.warning(
            "Before it can be signed: " + "; ".join(md(b) for b in readiness.blockers) + ".",
            icon=":material/pending_actions:",
        )


# ----------------------------------------------------------------------------- indicators
def menu_table(menu: pl.DataFrame) -> pl.DataFrame:
    """The menu as the page shows it."""
    return menu.select(
        pl.when(pl.col("in_draft")).then(pl.lit("✔ In the draft")).otherwise(pl.lit("–")).alias("Draft"),
        pl.col("indicator_code").alias("Code"),
        pl.col("name").alias("Indicator"),
        pl.col("block_code").alias("Block"),
        pl.col("outcome").alias("Outcome"),
        pl.col("outcome_type").replace_strict(OUTCOME_TYPES, default=pl.col("outcome_type")).alias("Type"),
        pl.col("mandatory_reason").fill_null("").alias("Why mandatory"),
        pl.col("department_code").alias("Department"),
        pl.col("data_source").alias("Data source"),
        pl.col("lines_stop").alias("Returns that stop"),
        pl.col("lines_continue").alias("Returns that continue"),
        pl.when(pl.col("values") > 0)
        .then(pl.format("{} values, latest {}", "values", pl.col("latest_period").dt.strftime("%b %Y")))
        .otherwise(pl.lit("No values yet: a baseline is needed"))
        .alias("Baseline data"),
    )  # fmt: skip


def menu_filters(menu: pl.DataFrame) -> pl.DataFrame:
    """Search the menu by words, block, outcome type, department and data source."""
    row = st.columns([2, 1, 1, 1])
    words = row[0].text_input(
        "Search", key="neg_search", placeholder="Code, name, outcome or source"
    )
    block = row[1].selectbox("Block", [ALL, *sorted(set(menu["block_code"]))], key="neg_block",
                             format_func=lambda b: "All blocks" if b == ALL else b)  # fmt: skip
    kind = row[2].selectbox("Type", [ALL, *OUTCOME_TYPES], key="neg_type",
                            format_func=lambda t: "All types" if t == ALL else OUTCOME_TYPES[t])  # fmt: skip
    department = row[3].selectbox(
        "Department", [ALL, *sorted(set(menu["department_code"]))], key="neg_department",
        format_func=lambda d: "All departments" if d == ALL else d,
    )  # fmt: skip
    shown = menu
    if words.strip():
        needle = words.strip().lower()
        text = pl.concat_str(
            [pl.col(c).fill_null("") for c in ("indicator_code", "name", "outcome", "data_source")],
            separator=" ",
        ).str.to_lowercase()
        shown = shown.filter(text.str.contains(needle, literal=True))
    if block != ALL:
        shown = shown.filter(pl.col("block_code") == block)
    if kind != ALL:
        shown = shown.filter(pl.col("outcome_type") == kind)
    if department != ALL:
        shown = shown.filter(pl.col("department_code") == department)
    return shown


def choose_controls(menu: pl.DataFrame, shown: pl.DataFrame, agreement_id: int) -> None:
    """Put indicators into the draft or take them out (the officer)."""
    names = dict(zip(menu["indicator_code"], menu["name"], strict=True))
    label = lambda c: f"{c} — {names[c]}"  # noqa: E731
    left, right = st.columns(2)
    with left.form("neg_add", border=True):
        options = shown.filter(~pl.col("in_draft"))["indicator_code"].to_list()
        chosen = st.multiselect("Add to the draft", options, format_func=label, key="neg_add_codes",
                                placeholder="Choose indicators")  # fmt: skip
        add = st.form_submit_button("Add", icon=":material/add:", key="neg_add_button")
    with right.form("neg_drop", border=True):
        options = shown.filter(pl.col("in_draft") & (pl.col("outcome_type") != "mandatory"))
        dropped = st.multiselect("Take out of the draft", options["indicator_code"].to_list(),
                                 format_func=label, key="neg_drop_codes",
                                 placeholder="Mandatory indicators stay")  # fmt: skip
        reason = st.text_input("Why", key="neg_drop_reason")
        drop = st.form_submit_button("Take out", icon=":material/remove:", key="neg_drop_button")
    engine, actor = loaders.engine(), loaders.actor()
    if add and chosen:
        try:
            n = store.choose_indicators(engine, actor, agreement_id, chosen)
        except (AccessDenied, store.RuleViolation) as exc:
            refused("The choice", exc)
        else:
            saved(f"{n} indicator{'s' if n != 1 else ''} added to the draft.")
    if drop and dropped:
        try:
            n = store.choose_indicators(
                engine, actor, agreement_id, dropped, included=False, reason=reason
            )
        except (AccessDenied, store.RuleViolation) as exc:
            refused("The choice", exc)
        else:
            saved(f"{n} indicator{'s' if n != 1 else ''} taken out of the draft.")


def local_indicator_form(agreement_id: int, blocks: list[str], departments: list[str]) -> None:
    """A local indicator with its full definition, created in the draft."""
    with st.form("neg_local", border=False):
        a, b = st.columns(2)
        code = a.text_input(
            "Code", key="neg_local_code", help="A code of your own, e.g. the area code and a number"
        )
        name = b.text_input("Name", key="neg_local_name")
        c, d, e = st.columns(3)
        block = c.selectbox("Block", blocks, key="neg_local_block")
        unit = d.text_input("Unit", key="neg_local_unit", placeholder="%, count, rate per 1000")
        polarity = e.radio(
            "Better is", ["higher", "lower"], horizontal=True, key="neg_local_polarity"
        )
        f, g, h = st.columns(3)
        frequency = f.selectbox("Collected", ["annual", "quarterly", "monthly", "termly", "biennial"],
                                key="neg_local_frequency")  # fmt: skip
        source = g.text_input("Data source", key="neg_local_source")
        department = h.selectbox("Department", departments, key="neg_local_department")
        definition = st.text_area("Definition", key="neg_local_definition")
        create = st.form_submit_button("Create the local indicator", icon=":material/add_circle:",
                                       key="neg_local_button")  # fmt: skip
    if not create:
        return
    values = {
        "indicator_code": code, "name": name.strip(), "block_code": block, "unit": unit.strip(),
        "polarity": polarity, "decimals": 1, "frequency": frequency, "data_source": source.strip(),
        "department_code": department, "definition": definition.strip() or None,
    }  # fmt: skip
    missing = [k for k, label in (("name", "Name"), ("unit", "Unit"), ("data_source", "Data source"))
               if not values[k]]  # fmt: skip
    if missing:
        st.error("Fill in: " + ", ".join(missing).replace("_", " ") + ".", icon=":material/error:")
        return
    try:
        made = store.create_local_indicator(loaders.engine(), loaders.actor(), agreement_id, values)
    except (AccessDenied, store.RuleViolation) as exc:
        refused("The local indicator", exc)
    else:
        saved(f"Local indicator {made} created and added to the draft.")


# ----------------------------------------------------------------------------- a proposal
def proposal_facts(row: dict[str, Any], indicator: dict[str, Any], share: Decimal | None) -> None:
    """The latest version of a proposal, read-only."""
    decimals = int(indicator.get("decimals") or 1)
    fmt = lambda v: "–" if v is None else f"{v:,.{decimals}f}"  # noqa: E731
    reward = row["without_reward_value"] is not None
    facts = [
        ("Owner partnership", row["partnership"]),
        ("Lead officer", row["lead_officer"] or "–"),
        ("Baseline", f"{fmt(row['baseline_value'])} ({row['baseline_period']:%b %Y})"),
        ("Stretched target" if reward else "Target", f"{fmt(row['target_value'])} ({row['target_period']:%b %Y})"),
    ]  # fmt: skip
    if reward:
        facts.append(("Without reward", fmt(row["without_reward_value"])))
        facts.append(("Share of the reward grant", "–" if share is None else f"£{share:,.2f}"
                      + ("" if row["agreed_share_gbp"] is not None else " (equal split)")))  # fmt: skip
    milestones = store.negotiation.parse_milestones(row["milestones"])
    if milestones:
        facts.append(("Milestones", "; ".join(f"{p:%b %Y}: {fmt(v)}" for p, v in milestones)))
    if row["focus"]:
        facts.append(("Focus", row["focus"]))
    st.html(
        '<dl class="laa-facts">'
        + "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in facts)
        + "</dl>"
    )
    notes = [(report.NOTE_HEADINGS[k], row[k]) for k in report.NOTE_HEADINGS if row[k]]
    if notes:
        with st.expander("Negotiation note", expanded=False):
            for heading, text in notes:
                st.markdown(f"**{md(heading)}**")
                components.plain(text)


def _esc(value: object) -> str:
    from html import escape

    return escape(str(value))


def _money(text: str) -> Decimal | None:
    cleaned = text.replace("£", "").replace(",", "").strip()
    if not cleaned:
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation as exc:
        raise store.RuleViolation(f"Agreed share: {text!r} is not an amount of money") from exc


def _milestones(text: str) -> list[tuple[date, float]]:
    """`31/03/2010 = 33.5`, one per line."""
    pairs = []
    for line in text.splitlines():
        if not line.strip():
            continue
        when, _, value = line.partition("=")
        try:
            day, month, year = (int(x) for x in when.strip().split("/"))
            pairs.append((date(year, month, day), float(value)))
        except ValueError as exc:
            raise store.RuleViolation(
                f"Milestones: {line.strip()!r} is not a date and a value like 31/03/2010 = 33.5"
            ) from exc
    return pairs


def proposal_form(
    agreement: dict, code: str, latest: dict[str, Any] | None, partnerships: list[str], today: date
) -> None:
    """The area's proposal for one indicator: every field, saved as a new version."""
    before = latest or {}
    version = int(before.get("version") or 0)
    key = f"neg_p_{code}_{version}"  # a new version starts a fresh form
    start, end = agreement["start_date"], agreement["end_date"]
    with st.form(key, border=True):
        a, b = st.columns(2)
        owners = sorted(
            {*partnerships, *([before["partnership"]] if before.get("partnership") else [])}
        )
        partnership = a.selectbox("Owner partnership", owners, key=f"{key}_partnership",
                                  index=owners.index(before["partnership"]) if before.get("partnership") in owners else 0)  # fmt: skip
        lead = b.text_input("Lead officer", before.get("lead_officer") or "", key=f"{key}_lead")
        c, d = st.columns(2)
        baseline_period = c.date_input("Baseline period (its end date)", before.get("baseline_period") or date(start.year - 1, 3, 31),
                                       key=f"{key}_baseline_period", format="DD/MM/YYYY")  # fmt: skip
        baseline = d.number_input(
            "Baseline", value=before.get("baseline_value"), key=f"{key}_baseline", format="%.2f"
        )
        e, f = st.columns(2)
        target_period = e.date_input("Target period (its end date)", before.get("target_period") or date(end.year - 1, 3, 31),
                                     key=f"{key}_target_period", format="DD/MM/YYYY")  # fmt: skip
        target = f.number_input("Target (for a reward target: the stretched figure)", value=before.get("target_value"),
                                key=f"{key}_target", format="%.2f")  # fmt: skip
        g, h = st.columns(2)
        without = g.number_input(
            "Without reward (fill in for a reward target)", value=before.get("without_reward_value"),
            key=f"{key}_without", format="%.2f",
            help="The performance expected at the target period without the extra effort the reward pays for",
        )  # fmt: skip
        share_before = before.get("agreed_share_gbp")
        share = h.text_input("Agreed share £ (empty: an equal split)", "" if share_before is None else f"{share_before:.2f}",
                             key=f"{key}_share")  # fmt: skip
        milestones = st.text_area(
            "Milestones, one per line", "\n".join(f"{p:%d/%m/%Y} = {v:g}" for p, v in store.negotiation.parse_milestones(before.get("milestones"))),
            key=f"{key}_milestones", placeholder="31/03/2010 = 33.5", height=80,
        )  # fmt: skip
        focus = st.text_input("Focus (a geography or group, if any)", before.get("focus") or "", key=f"{key}_focus",
                              placeholder="e.g. neighbourhood renewal wards, looked-after children")  # fmt: skip
        st.markdown("**Negotiation note**")
        notes = {
            k: st.text_area(heading, before.get(k) or "", key=f"{key}_{k}", height=68)
            for k, heading in report.NOTE_HEADINGS.items()
        }
        reason = st.text_input(
            "What changed and why" if version else "Why this target", key=f"{key}_reason"
        )
        save = st.form_submit_button(f"Save as version {version + 1}", type="primary", icon=":material/save:",
                                     key=f"neg_save_{code}")  # fmt: skip
    if not save:
        return
    try:
        values = {
            "partnership": partnership, "lead_officer": lead, "measure": before.get("measure") or "level",
            "baseline_period": baseline_period, "baseline_value": baseline,
            "target_period": target_period, "target_value": target,
            "without_reward_value": without, "agreed_share_gbp": _money(share),
            "milestones": _milestones(milestones), "focus": focus, **notes,
        }  # fmt: skip
        made = store.propose_target(loaders.engine(), loaders.actor(), int(agreement["agreement_id"]), code,
                                    values, reason=reason, expected_version=version)  # fmt: skip
    except (AccessDenied, store.RuleViolation) as exc:
        refused("The proposal", exc)
    else:
        saved(f"{code}: version {made} of the proposal saved; it awaits the Government Office.")


def verdict_form(row: dict[str, Any], code: str) -> None:
    """The GO agrees or challenges the latest version."""
    version = row["version"]  # keyed by version: a new version starts with a blank verdict
    with st.form(f"neg_verdict_form_{code}_{version}", border=True):
        verdict = st.radio("Your verdict on version " + str(row["version"]), ["agreed", "challenged"],
                           format_func=lambda v: {"agreed": "Agree", "challenged": "Challenge"}[v],
                           horizontal=True, key=f"neg_verdict_{code}_{version}")  # fmt: skip
        note = st.text_area(
            "Why (needed for a challenge)", key=f"neg_verdict_note_{code}_{version}", height=80
        )
        record = st.form_submit_button(
            "Record the verdict", icon=":material/gavel:", key=f"neg_verdict_save_{code}"
        )
    if not record:
        return
    try:
        store.record_verdict(loaders.engine(), loaders.actor(), int(row["id"]), verdict, note)
    except (AccessDenied, store.RuleViolation) as exc:
        refused("The verdict", exc)
    else:
        saved(f"{code}: version {row['version']} {verdict}.")


def thread(comments: pl.DataFrame, agreement_id: int, code: str | None, may_comment: bool) -> None:
    """The comments on one indicator (or on the whole draft), oldest first, and a new one."""
    shown = comments.filter(
        pl.col("indicator_code").is_null() if code is None else pl.col("indicator_code") == code
    )
    if shown.is_empty():
        st.caption("No comments yet.")
    for row in shown.iter_rows(named=True):
        on = f" · on version {row['proposal_version']}" if row["proposal_version"] else ""
        components.quote(row["text"], f"{row['recorded_by_name']}{on}", row["recorded_at"])
    if not may_comment:
        return
    key = f"neg_comment_{code or 'all'}"
    with st.form(key, clear_on_submit=True, border=False):
        text = st.text_area("Add a comment", key=f"{key}_text", height=80)
        post = st.form_submit_button("Post the comment", icon=":material/send:", key=f"{key}_post")
    if post:
        try:
            store.add_negotiation_comment(
                loaders.engine(), loaders.actor(), agreement_id, text, code
            )
        except (AccessDenied, store.RuleViolation) as exc:
            refused("The comment", exc)
        else:
            saved("Comment posted.")


def versions(proposals: pl.DataFrame, verdicts: pl.DataFrame, code: str) -> None:
    """Every version with what changed, and the verdicts given."""
    changes = report.proposal_changes(proposals, code)
    if changes.is_empty():
        st.caption("No proposal yet.")
        return
    st.dataframe(
        changes.select(
            pl.col("version").alias("Version"), pl.col("field").alias("What"),
            pl.col("before").alias("Before"), pl.col("after").alias("After"),
            pl.col("by").alias("By"), pl.col("at").dt.strftime("%d %b %Y %H:%M").alias("When"),
            pl.col("reason").fill_null("").alias("Why"),
        ),
        hide_index=True, width="stretch", key=f"neg_changes_{code}",
    )  # fmt: skip
    given = verdicts.filter(pl.col("indicator_code") == code)
    if given.height:
        st.dataframe(
            given.select(
                pl.col("version").alias("Version"),
                pl.col("verdict").replace_strict({"agreed": "Agreed", "challenged": "Challenged"}).alias("Verdict"),
                pl.col("note").fill_null("").alias("Note"), pl.col("recorded_by_name").alias("By"),
                pl.col("recorded_at").dt.strftime("%d %b %Y %H:%M").alias("When"),
            ),
            hide_index=True, width="stretch", key=f"neg_verdicts_{code}",
        )  # fmt: skip


def may(actor: Actor, agreement: dict) -> dict[str, bool]:
    """What the signed-in user may do in this negotiation (the store decides again)."""
    open_ = agreement["status"] != "signed"
    return {
        "propose": open_ and access.can_propose(actor, agreement["area_code"]),
        "agree": open_ and access.can_agree_proposals(actor, agreement["region_code"]),
        "comment": open_ and access.can_comment_in_negotiation(actor, agreement["area_code"], agreement["region_code"]),
    }  # fmt: skip


def may_start(actor: Actor, area_code: str) -> bool:
    return access.can_propose(actor, area_code)


def next_agreement(area: dict, agreement: dict | None, *, may_start: bool) -> None:
    """No draft being negotiated: say so, and let the officer start the next agreement."""
    if agreement is None:
        st.info(f"{md(area['area_name'])} has no agreement yet.", icon=":material/info:")
        start = date(state_today().year + 1, 4, 1)
    else:
        st.info(
            f"The agreement of {md(area['area_name'])} for {agreement['start_date']:%Y}–"
            f"{agreement['end_date']:%Y} was signed on {agreement['signed_date']:%d %B %Y}. "
            "Its targets are on the LSP overview; the signed document is on the sign-off tab below.",
            icon=":material/verified:",
        )
        start = date(agreement["end_date"].year, 4, 1)
    if not may_start:
        return
    with st.expander("Start negotiating the next agreement", expanded=agreement is None):
        with st.form("neg_start", border=False):
            begins = st.date_input("It starts on", start, key="neg_start_date", format="DD/MM/YYYY",
                                   help="Three years from this date, with the previous agreement's reward settings")  # fmt: skip
            go = st.form_submit_button(
                "Start the draft", icon=":material/post_add:", key="neg_start_button"
            )
        if go:
            try:
                store.start_draft(loaders.engine(), loaders.actor(), str(area["area_code"]), begins)
            except (AccessDenied, store.RuleViolation) as exc:
                refused("The draft", exc)
            else:
                saved(f"Draft agreement from {begins:%d %B %Y} started: choose its indicators.")


def state_today() -> date:
    from dashboard.ui import state

    return state.today()


def targets_tab(
    negotiation: store.Negotiation,
    readiness: report.Readiness,
    indicators: pl.DataFrame,
    agreement: dict,
    may: dict[str, bool],
    area_code: str,
) -> None:
    """One chosen indicator at a time: its proposal, evidence, verdict, thread and versions."""
    from dashboard.ui import state

    states = readiness.states
    if states.is_empty():
        components.empty_state(
            "No indicator is in the draft yet: choose them on the Indicators tab."
        )
        return
    codes = states["indicator_code"].to_list()
    words = dict(zip(codes, states["state"].to_list(), strict=True))
    names = dict(indicators.select("indicator_code", "name").iter_rows())
    st.dataframe(
        states.select(
            pl.col("indicator_code").alias("Code"),
            pl.col("indicator_code").replace_strict(names, default="").alias("Indicator"),
            pl.col("state").replace_strict({k: state_words(k) for k in report.STATES}).alias("Where it stands"),
            pl.col("version").alias("Version"),
            pl.when(pl.col("without_reward_value").is_not_null()).then(pl.lit("Reward target"))
            .when(pl.col("id").is_not_null()).then(pl.lit("Target")).otherwise(pl.lit("–")).alias("Kind"),
            pl.col("focus").fill_null("").alias("Focus"),
            pl.col("verdict_note").fill_null("").alias("GO's note"),
        ),
        hide_index=True, width="stretch", key="neg_states", placeholder="–",
    )  # fmt: skip
    code = state.select(
        "proposal", "Proposal", codes,
        format_func=lambda c: f"{c} — {names.get(c, c)} · {state_words(words[c])}",
    )  # fmt: skip
    row = states.filter(pl.col("indicator_code") == code).row(0, named=True)
    indicator = indicators.filter(pl.col("indicator_code") == code).row(0, named=True)
    latest = None if row["id"] is None else row
    shares = dict(readiness.shares.select("indicator_code", "share_gbp").iter_rows())
    st.subheader(f"{md(code)} {md(indicator['name'])}", anchor=False)
    st.caption(
        f"{md(indicator['data_source'])} · {md(indicator['unit'])}, "
        f"{'higher' if indicator['polarity'] == 'higher' else 'lower'} is better · "
        f"{state_words(row['state'])}" + (f" · version {row['version']}" if latest else "")
    )
    if row["state"] == "challenged" and row["verdict_note"]:
        st.warning(
            f"Challenged by {md(row['verdict_by'])}: {md(row['verdict_note'])}",
            icon=":material/report:",
        )
    left, right = st.columns([3, 2], gap="large")
    with left:
        if latest is not None:
            proposal_facts(latest, indicator, shares.get(code))
            if latest["without_reward_value"] is not None:
                evidence(latest, indicator, area_code, agreement, shares.get(code))
        else:
            st.caption("The area has not proposed a target for this indicator yet.")
        if may["propose"]:
            with st.expander("Propose a target" if latest is None else "Revise the proposal",
                             expanded=latest is None or row["state"] == "challenged"):  # fmt: skip
                proposal_form(
                    agreement, code, latest, partnerships(area_code, indicator), state.today()
                )
    with right:
        if may["agree"] and latest is not None:
            verdict_form(latest, code)
        st.markdown("**Comments**")
        thread(negotiation.comments, int(agreement["agreement_id"]), code, may["comment"])
    with st.expander("Versions and what changed"):
        versions(negotiation.proposals, negotiation.verdicts, code)


def partnerships(area_code: str, indicator: dict) -> list[str]:
    """The area's thematic partnerships, the indicator's block's first."""
    found = loaders.area_partnerships(area_code)
    own = found.filter(pl.col("block_code") == indicator["block_code"])["name"].to_list()
    return [*own, *(n for n in found["name"].to_list() if n not in own)] or ["LSP executive board"]


def evidence(
    row: dict[str, Any],
    indicator: dict[str, Any],
    area_code: str,
    agreement: dict,
    share: Decimal | None,
) -> None:
    """The stretch evidence of a proposed reward target, worked out from the area's history:
    its trend, the flags, value for money, where comparable areas stand, and the chart."""
    from dashboard import charts_stretch
    from dashboard.reports import stretch

    code = str(indicator["indicator_code"])
    history = (
        loaders.area_values(area_code)
        .filter(pl.col("indicator_code") == code)
        .select("period", "value")
    )
    found = stretch.stretch_evidence(
        history=history, polarity=str(indicator["polarity"]), baseline_value=row["baseline_value"],
        target_period=row["target_period"], without_value=row["without_reward_value"],
        stretched_value=row["target_value"], share_gbp=share,
        population=agreement.get("population"), group=_neighbours(code, area_code, indicator),
        unit=indicator.get("unit"), decimals=indicator.get("decimals"),
    )  # fmt: skip
    st.markdown("**Stretch evidence**")
    for sentence in found.sentences():
        st.markdown(f"- {md(sentence)}")
    st.altair_chart(
        charts_stretch.stretch_chart(
            history, found, indicator=code, unit=indicator.get("unit"),
            polarity=str(indicator["polarity"]), baseline_period=row["baseline_period"],
            baseline_value=row["baseline_value"], target_period=row["target_period"],
        ),
        width="stretch", key=f"neg_stretch_{code}",
    )  # fmt: skip


def _neighbours(code: str, area_code: str, indicator: dict[str, Any]) -> dict[str, Any] | None:
    """The spread of the indicator over the area's nearest neighbours today, for the
    evidence; none for counts (compared per 1,000 population, unlike the proposal's figures)."""
    from dashboard.reports.compare import COUNT_UNITS
    from dashboard.ui import state

    if indicator.get("unit") in COUNT_UNITS:
        return None
    try:
        spread, _, _ = loaders.distribution(code, area_code, "neighbours", state.as_at())
    except (AccessDenied, store.RuleViolation):
        return None
    if spread.get("suppressed") or spread.get("median") is None:
        return None
    return {"label": "nearest neighbours", **spread}
