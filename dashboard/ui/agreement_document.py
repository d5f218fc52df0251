"""The sign-off tab of the negotiation page: the reward schedule, the single LAA document built
on the server (with its progress shown) for download as PDF and HTML, and the Government
Office's signature. Once signed, the document as signed is downloaded from the store,
unchanged."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import documents, store
from dashboard.access import AccessDenied
from dashboard.formatting import money_expr
from dashboard.reports import agreement_document
from dashboard.reports import negotiation as report
from dashboard.ui import components, loaders, state
from dashboard.ui.negotiation import refused, saved
from dashboard.ui.plain import md

BUILT = "_laa_document"


def _reward_schedule(readiness: report.Readiness, names: dict[str, str]) -> pl.DataFrame:
    reward = readiness.states.filter(pl.col("without_reward_value").is_not_null())
    return reward.join(readiness.shares, on="indicator_code", how="left").select(
        pl.col("indicator_code").alias("Code"),
        pl.col("indicator_code").replace_strict(names, default="").alias("Indicator"),
        pl.col("baseline_value").alias("Baseline"),
        pl.col("without_reward_value").alias("Without reward"),
        pl.col("target_value").alias("Stretched target"),
        pl.col("target_period").dt.strftime("%b %Y").alias("Target period"),
        money_expr("share_gbp").fill_null("–").alias("Share of the grant"),
        pl.when(pl.col("agreed")).then(pl.lit("Agreed share")).otherwise(pl.lit("Equal split")).alias("How"),
        pl.col("focus").fill_null("").alias("Focus"),
        pl.col("state").replace_strict(report.STATES).alias("Where it stands"),
    )  # fmt: skip


def _build(area_code: str) -> dict:
    """Build the document with a progress bar (as `laa agreement document` does), kept in the
    session for this state of the draft."""
    bar = st.progress(0.0, text="Gathering the agreement")
    built = agreement_document.area_document(
        loaders.engine(), loaders.actor(), area_code, state.today()
    )
    bar.progress(0.15, text="Laying out the document")
    html = documents.render_html(built.document)
    pdf = documents.render_pdf(
        built.document, progress=lambda f, words: bar.progress(0.15 + 0.85 * f, text=words)
    )
    bar.empty()
    ids = sorted(int(i) for i in built.readiness.agreed_proposals["id"])
    return {"pdf": pdf, "html": html, "sha": built.fingerprint, "ids": ids}


def sign_off(
    negotiation: store.Negotiation,
    readiness: report.Readiness,
    indicators: pl.DataFrame,
    may: dict[str, bool],
) -> None:
    agreement = negotiation.agreement
    agreement_id = int(agreement["agreement_id"])
    names = dict(indicators.select("indicator_code", "name").iter_rows())
    if negotiation.signed and negotiation.signature is not None:
        signature = negotiation.signature
        st.success(
            f"Signed on {signature['signed_date']:%d %B %Y} by {md(signature['recorded_by_name'])}. "
            f"The document's fingerprint is {signature['document_sha256']}.",
            icon=":material/verified:",
        )
        signed = store.signed_document(loaders.engine(), loaders.actor(), agreement_id)
        if signed is not None:
            _downloads(signed["document_pdf"], signed["document_html"], agreement, "signed")
        return
    st.subheader("Reward schedule", anchor=False)
    schedule = _reward_schedule(readiness, names)
    if schedule.is_empty():
        components.empty_state("No reward target has been proposed yet.")
    else:
        st.dataframe(schedule, hide_index=True, width="stretch", key="neg_schedule")
    st.caption(md(agreement_document.SIXTY_PERCENT_RULE))
    st.subheader("The single LAA document", anchor=False)
    st.caption(
        "One document for sign-off: the outcomes and targets by block, the reward schedule, the "
        "grants, the negotiation notes, the reporting lines that stop and continue, and the "
        "signatures. It can be built at any stage of the negotiation to read the draft."
    )
    key = (agreement_id, loaders.data_version())
    built = st.session_state.get(BUILT)
    if st.button("Build the LAA document", icon=":material/description:", key="neg_build"):
        try:
            built = {**_build(str(agreement["area_code"])), "key": key}
        except documents.DocumentError as exc:
            st.error(str(exc), icon=":material/error:")
            built = None
        st.session_state[BUILT] = built
    if built is not None and built.get("key") == key:
        _downloads(built["pdf"], built["html"], agreement, "draft")
        st.caption(f"Fingerprint of this document: {built['sha']}")
    if not may["agree"]:
        return
    st.subheader("Sign the agreement", anchor=False)
    if not readiness.ready:
        st.info(
            "The agreement can be signed once every proposal is agreed.", icon=":material/lock:"
        )
        return
    if built is None or built.get("key") != key:
        st.info("Build the LAA document first: the signature records the document you read.",
                icon=":material/description:")  # fmt: skip
        return
    with st.form("neg_sign", border=True):
        signed_on = st.date_input(
            "Signed on", state.today(), key="neg_sign_date", format="DD/MM/YYYY"
        )
        confirmed = st.checkbox(
            "I have read the document; on signing, its reward targets are frozen for the three years",
            key="neg_sign_confirm",
        )
        sign = st.form_submit_button("Sign the agreement", type="primary", icon=":material/draw:",
                                     key="neg_sign_button")  # fmt: skip
    if not sign:
        return
    if not confirmed:
        st.error("Tick the box to confirm you have read the document.", icon=":material/error:")
        return
    try:
        store.sign_negotiated_agreement(
            loaders.engine(), loaders.actor(), agreement_id, signed_date=signed_on,
            proposal_ids=built["ids"], document_pdf=built["pdf"], document_html=built["html"],
            document_sha256=built["sha"],
        )  # fmt: skip
    except (AccessDenied, store.RuleViolation) as exc:
        refused("The signature", exc)
        return
    st.session_state.pop(BUILT, None)
    saved(f"The agreement is signed ({signed_on:%d %B %Y}): its targets are in force and its "
          "reward targets are frozen.")  # fmt: skip


def _downloads(pdf: bytes, html: str, agreement: dict, what: str) -> None:
    name = f"laa-{agreement['area_code']}-{agreement['start_date']:%Y}-{what}"
    components.document_downloads(pdf, html, name, key=f"neg_{what}")
