"""Drawing the meetings page (pages/meetings.py): the meeting dates, the form that adds, moves
or cancels one, the pack built for a meeting with its progress shown, and the stored packs.
The pack's contents come from `reports.board_pack`; the files are kept by the store."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from dashboard import access, documents, store
from dashboard.access import AccessDenied, Actor
from dashboard.reports import board_pack
from dashboard.ui import components, loaders
from dashboard.ui.plain import md

FLASH = "_meetings_flash"
NEW = 0  # the meeting picker's "a new meeting"


def flash() -> None:
    if message := st.session_state.pop(FLASH, None):
        st.success(message, icon=":material/task_alt:")


def _done(message: str) -> None:
    st.session_state[FLASH] = message
    st.rerun()


def _who(partnership: str | None) -> str:
    return partnership or store.BOARD


def _label(row: dict) -> str:
    cancelled = " (cancelled)" if row["cancelled"] else ""
    return f"{row['meets_on']:%d %b %Y} · {_who(row['partnership'])} · {row['title']}{cancelled}"


def may_change(actor: Actor, area_code: str) -> bool:
    return access.can_propose(actor, area_code)


def next_line(meetings: pl.DataFrame, today: date) -> None:
    found = store.next_meeting(meetings, today)
    if found is None:
        st.info("No board meeting is planned after today.", icon=":material/event_busy:")
    else:
        st.info(
            f"Next board meeting: {md(found['title'])} on {found['meets_on']:%A %d %B %Y}.",
            icon=":material/event:",
        )


def meetings_table(meetings: pl.DataFrame) -> None:
    if meetings.is_empty():
        st.caption("No meetings yet.")
        return
    st.dataframe(
        meetings.select(
            pl.col("meets_on").dt.strftime("%d %b %Y").alias("Date"),
            pl.col("partnership").fill_null(store.BOARD).alias("Who meets"),
            pl.col("title").alias("Meeting"),
            pl.when(pl.col("cancelled")).then(pl.lit("Cancelled")).otherwise(pl.lit("")).alias("Note"),
            pl.col("packs").alias("Packs built"),
        ),
        hide_index=True, width="stretch", key="meetings_table",
    )  # fmt: skip


def meeting_form(
    area_code: str, meetings: pl.DataFrame, partnerships: pl.DataFrame, today: date
) -> None:
    """Add a meeting, or move, rename or cancel one (the officer)."""
    rows = {r["meeting_id"]: r for r in meetings.iter_rows(named=True)}
    picked = st.selectbox(
        "Meeting", [NEW, *rows], key="meeting_pick",
        format_func=lambda i: "A new meeting" if i == NEW else _label(rows[i]),
    )  # fmt: skip
    row = rows.get(picked, {})
    thematic = partnerships.filter(pl.col("kind") == "thematic")["name"].to_list()
    options = [None, *thematic]
    with st.form(f"meeting_form_{picked}", border=False):
        who = st.selectbox("Who meets", options, format_func=_who, key=f"meeting_who_{picked}",
                           index=options.index(row.get("partnership")) if row.get("partnership") in options else 0)  # fmt: skip
        meets_on = st.date_input("Date", row.get("meets_on") or today, key=f"meeting_date_{picked}",
                                 format="DD/MM/YYYY")  # fmt: skip
        title = st.text_input("Title", row.get("title") or "", key=f"meeting_title_{picked}",
                              placeholder="e.g. LSP board, quarter 3")  # fmt: skip
        cancelled = st.checkbox(
            "Cancelled", bool(row.get("cancelled")), key=f"meeting_cancel_{picked}"
        )
        save = st.form_submit_button("Save the meeting", icon=":material/save:", key="meeting_save")
    if not save:
        return
    try:
        store.save_meeting(
            loaders.engine(), loaders.actor(), area_code, meets_on, title, partnership=who,
            meeting_id=None if picked == NEW else int(picked), cancelled=cancelled,
        )  # fmt: skip
    except (AccessDenied, store.RuleViolation) as exc:
        st.error(f"The meeting was not saved: {md(str(exc))}", icon=":material/error:")
        return
    _done(f"Meeting of {meets_on:%d %B %Y} saved.")


def build_form(area_code: str, meetings: pl.DataFrame, actor: Actor, today: date) -> None:
    """Build the pack of a meeting in one click: its figures as known now, kept with that
    moment."""
    open_ = meetings.filter(~pl.col("cancelled"))
    buildable = [
        r
        for r in open_.iter_rows(named=True)
        if access.can_build_pack(actor, area_code, r["partnership"])
    ]
    if not buildable:
        st.caption(
            "The area's performance officer builds the packs; every pack built is listed below."
        )
        return
    coming = [r for r in buildable if r["meets_on"] >= today]
    default = buildable.index(coming[0]) if coming else len(buildable) - 1
    rows = {r["meeting_id"]: r for r in buildable}
    picked = st.selectbox("For the meeting", list(rows), index=default, key="pack_meeting",
                          format_func=lambda i: _label(rows[i]))  # fmt: skip
    if not st.button(
        "Build the pack", type="primary", icon=":material/picture_as_pdf:", key="pack_build"
    ):
        return
    known_at = store.known_now(loaders.engine())
    bar = st.progress(0.0, text="Assessing the targets as known now")
    try:
        document, fingerprint, meeting = board_pack.meeting_pack(
            loaders.engine(), actor, int(picked), known_at
        )
        bar.progress(0.2, text="Laying out the pack")
        html = documents.render_html(document)
        pdf = documents.render_pdf(
            document, progress=lambda f, words: bar.progress(0.2 + 0.75 * f, text=words)
        )
        pack_id = store.save_pack(
            loaders.engine(), actor, int(picked), as_at=min(meeting["meets_on"], today),
            known_at=known_at, document_pdf=pdf, document_html=html, document_sha256=fingerprint,
        )  # fmt: skip
    except (AccessDenied, store.RuleViolation, documents.DocumentError) as exc:
        bar.empty()
        st.error(f"The pack was not built: {md(str(exc))}", icon=":material/error:")
        return
    bar.empty()
    st.session_state["pack_pick"] = pack_id  # the list below shows the pack just built
    _done(f"Pack for {meeting['title']} built and kept: download it below.")


def stored_packs(packs: pl.DataFrame) -> None:
    """Every stored pack, newest first, each downloaded exactly as it was built."""
    if packs.is_empty():
        st.caption("No pack has been built yet.")
        return
    rows = {r["pack_id"]: r for r in packs.iter_rows(named=True)}
    picked = st.selectbox(
        "Pack", list(rows), key="pack_pick",
        format_func=lambda i: f"{rows[i]['meets_on']:%d %b %Y} · {_who(rows[i]['partnership'])} · "
        f"{rows[i]['title']} — as known at {rows[i]['known_at']:%H:%M on %d %b %Y}",
    )  # fmt: skip
    row = rows[picked]
    st.caption(
        f"Built by {md(row['built_by_name'])} at {row['built_at']:%H:%M on %d %B %Y}; figures as at "
        f"{row['as_at']:%d %B %Y}, as known at {row['known_at']:%H:%M on %d %B %Y}. "
        f"Fingerprint {row['document_sha256'][:16]}."
    )
    from dashboard.ui import nav

    nav.link(
        "overview", "Open the overview as the board saw it", icon=":material/history:",
        as_at=row["as_at"].isoformat(), known_at=row["known_at"].isoformat(timespec="minutes"),
    )  # fmt: skip
    files = store.pack_file(loaders.engine(), loaders.actor(), int(picked))
    name = f"board-pack-{row['meets_on']:%Y-%m-%d}-{picked}"
    components.document_downloads(files["document_pdf"], files["document_html"], name, key="pack")


def overview_line(area_code: str, today: date) -> None:
    """The next board meeting, for the LSP overview, with a link to its pack."""
    from dashboard.ui import nav

    if access.department_only(loaders.actor()):
        return
    try:  # found once per data version: the overview's every run shows it
        found = loaders.derived(
            ("next_meeting", area_code, today),
            lambda: store.next_meeting(loaders.meetings(area_code), today),
            area=area_code,
        )
    except AccessDenied:
        return
    if found is None:
        return
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        st.caption(f"Next board meeting: {md(found['title'])}, {found['meets_on']:%d %B %Y}.")
        nav.link("meetings", "Meetings and board packs", icon=":material/event:")


def reminders_section(area_code: str, area_name: str, meetings: pl.DataFrame, today: date) -> None:
    """Before the next meeting: who owes what (values due or overdue, actions past their date),
    to chase — by e-mail where the dashboard has an SMTP server and the owner an address."""
    from dashboard import mail
    from dashboard.reports import reminders
    from dashboard.ui import components, state

    following = store.next_meeting(meetings, today)
    meeting = (
        f"{following['title']} on {following['meets_on']:%d %B %Y}"
        if following
        else "the next meeting"
    )
    result = loaders.assessment(area_code, state.as_at())
    by = following["meets_on"] if following else None
    chase = reminders.reminders(
        result.targets, result.missing, loaders.actions(area_code, today), today, by=by
    )
    if chase.is_empty():
        st.success(
            f"Nothing is due or overdue before {md(meeting)}.", icon=":material/check_circle:"
        )
        return
    things = f"{chase.height} thing{'s' if chase.height != 1 else ''}"
    st.caption(
        f"Before {md(meeting)}: {things} to chase, by owner — overdue, due now, or falling due "
        "before the meeting."
    )
    table = chase.select(
        pl.col("owner").alias("Owner"), pl.col("partnership").fill_null("").alias("Partnership"),
        pl.col("kind").replace_strict({"value": "Value", "action": "Action"}).alias("What kind"),
        pl.col("what").alias("What"), pl.col("due_on").dt.strftime("%d %b %Y").alias("Due"),
        pl.when(pl.col("overdue")).then(pl.lit("▲ overdue"))
        .when(pl.col("due_on") <= today).then(pl.lit("due"))
        .otherwise(pl.lit("due before the meeting")).alias("State"),
    )  # fmt: skip
    st.dataframe(table, hide_index=True, width="stretch", key="reminders_table")
    components.table_downloads(
        table, f"reminders-{area_code}-{today.isoformat()}", key="reminders_dl"
    )
    contacts = store.area_contacts(loaders.engine(), loaders.actor(), area_code)
    sender = loaders.my_name()
    messages, unreached = reminders.messages(chase, contacts, area_name=area_name,
                                             meeting=meeting, sender=sender)  # fmt: skip
    if not mail.configured():
        st.caption(
            "E-mail is not set up for this dashboard, so nothing is sent: chase the owners from "
            "the list (it downloads)."
        )
        return
    if unreached.height:
        st.caption(
            f"{unreached.height} of them have no owner with an e-mail address: chase those by hand."
        )
    sent_before = store.reminders_sent(loaders.engine(), loaders.actor(), area_code)
    if sent_before.height:
        last = sent_before.row(0, named=True)
        st.caption(f"Last sent {last['at']:%H:%M on %d %B %Y} by {md(last['sent_by'])}, before "
                   f"{md(last['meeting'] or 'a meeting')}: {md(last['recipients'] or '')}.")  # fmt: skip
    if not messages:
        return
    with st.expander(f"The {len(messages)} e-mail{'s' if len(messages) != 1 else ''} to send"):
        for message in messages:
            st.markdown(f"**To {md(message.name)}** ({md(message.to)}) · {md(message.subject)}")
            st.text(message.body)
    label = f"Send {len(messages)} reminder{'s' if len(messages) != 1 else ''} by e-mail"
    if st.button(label, icon=":material/mail:", key="reminders_send"):
        try:
            sent = mail.send(messages)
        except mail.MailFailed as exc:
            st.error(f"No reminder was sent: {md(str(exc))}.", icon=":material/error:")
            return
        store.record_reminders(loaders.engine(), loaders.actor(), area_code, meeting,
                               [m.name for m in messages])  # fmt: skip
        _done(f"{sent} reminder{'s' if sent != 1 else ''} sent.")
