"""Reminders before a meeting on a hand-made schedule, the messages they make, and the e-mail
sent to a local SMTP server the test starts."""

from __future__ import annotations

import socket
from datetime import date

import polars as pl
import pytest
from aiosmtpd.controller import Controller

from dashboard import mail
from dashboard.reports import reminders
from dashboard.settings import AppSettings

TODAY = date(2008, 11, 30)
TARGETS = pl.DataFrame(
    {
        "target_id": [1, 2, 3],
        "indicator_code": ["NEET", "BV126", "SPORT"],
        "indicator_name": ["Young people NEET", "Burglaries", "Adults active"],
        "partnership": ["Children's Trust", "Safer Eastvale", "Health Partnership"],
        "lead_officer": ["Ann Lee", None, "Raj Patel"],
        "frequency": ["annual", "quarterly", "annual"],
        "period_basis": ["financial", "financial", "financial"],
    }
)
MISSING = pl.DataFrame(
    {
        "target_id": [1, 2, 3, 2],
        "period": [date(2008, 3, 31), date(2008, 9, 30), date(2008, 3, 31), date(2008, 12, 31)],
        "due_date": [date(2008, 9, 30), date(2008, 11, 30), date(2008, 10, 31), date(2009, 2, 28)],
        "state": ["overdue", "due", "due", "open"],  # the open one is not due yet
    }
)
ACTIONS = pl.DataFrame(
    {
        "action_id": [10, 11, 12],
        "indicator_code": ["BV126", None, "NEET"],
        "text": ["Recovery plan", "Board away day notes", "Check the Connexions figure"],
        "owner": ["Sam Reed", "Ann Lee", "Ann Lee"],
        "due_on": [date(2008, 11, 1), date(2008, 12, 15), date(2008, 11, 29)],
        "status": ["open", "open", "done"],
    }
)
CONTACTS = pl.DataFrame(
    {
        "username": ["ann", "sam", "lead-safer"],
        "display_name": ["Ann Lee", "Sam Reed", "Pat Doyle"],
        "email": ["ann@eastvale.example", None, "pat@eastvale.example"],
        "role": ["lead", "lead", "lead"],
        "partnership": ["Children's Trust", "Safer Eastvale", "Safer Eastvale"],
    }
)


def test_the_list_is_what_is_due_or_overdue_and_actions_past_their_date() -> None:
    chase = reminders.reminders(TARGETS, MISSING, ACTIONS, TODAY)
    assert chase.select("owner", "kind", "due_on", "overdue").rows() == [
        ("Ann Lee", "value", date(2008, 9, 30), True),
        ("Raj Patel", "value", date(2008, 10, 31), False),
        ("Safer Eastvale", "value", date(2008, 11, 30), False),  # no lead officer: the partnership
        ("Sam Reed", "action", date(2008, 11, 1), True),
    ]  # the open value of Dec 2008 is not due; the away-day action not late; a done one is done
    assert chase.filter(pl.col("kind") == "action")["partnership"].to_list() == ["Safer Eastvale"]
    assert "2007/08" in chase["what"][0]  # the period in words


def test_before_a_meeting_what_falls_due_by_its_date_is_chased_too() -> None:
    meeting = date(2009, 3, 11)
    chase = reminders.reminders(TARGETS, MISSING, ACTIONS, TODAY, by=meeting)
    assert chase.select("owner", "kind", "due_on", "overdue").rows() == [
        ("Ann Lee", "value", date(2008, 9, 30), True),
        ("Ann Lee", "action", date(2008, 12, 15), False),  # the away-day notes, due before it
        ("Raj Patel", "value", date(2008, 10, 31), False),
        ("Safer Eastvale", "value", date(2008, 11, 30), False),
        ("Safer Eastvale", "value", date(2009, 2, 28), False),  # not due yet, due by the board
        ("Sam Reed", "action", date(2008, 11, 1), True),
    ]
    earlier = reminders.reminders(TARGETS, MISSING, ACTIONS, TODAY, by=date(2008, 12, 10))
    assert date(2009, 2, 28) not in earlier["due_on"].to_list()  # falls due after that meeting
    assert date(2008, 12, 15) not in earlier["due_on"].to_list()


def test_messages_go_to_the_named_owner_else_the_partnerships_leads() -> None:
    chase = reminders.reminders(TARGETS, MISSING, ACTIONS, TODAY)
    sent, unreached = reminders.messages(chase, CONTACTS, area_name="Eastvale", meeting="LSP board")
    by_address = {m.to: m for m in sent}
    assert set(by_address) == {"ann@eastvale.example", "pat@eastvale.example"}
    assert "Young people NEET" in by_address["ann@eastvale.example"].body
    pat = by_address["pat@eastvale.example"].body  # Sam has no address: his partnership's lead
    assert "Burglaries" in pat and "Recovery plan" in pat
    assert by_address["ann@eastvale.example"].subject == "Eastvale: before LSP board"
    assert unreached["owner"].to_list() == ["Raj Patel"]  # nobody of his partnership to write to
    # values to enter and actions past their date, each under its own heading
    values, actions = pat.split("Values to enter on My updates:")[1].split(
        "Actions due or past their date:"
    )
    assert "Burglaries" in values and "due by 30 November 2008" in values
    assert "Recovery plan — overdue since 01 November 2008" in actions
    assert (
        "Actions due or past their date" not in by_address["ann@eastvale.example"].body
    )  # none late
    assert pat.startswith("Dear Pat Doyle,") and pat.rstrip().endswith("The performance officer")


def test_a_message_is_signed_by_whoever_sends_it() -> None:
    chase = reminders.reminders(TARGETS, MISSING, ACTIONS, TODAY)
    sent, _ = reminders.messages(chase, CONTACTS, area_name="Eastvale", meeting="LSP board",
                                 sender="Priya Shah")  # fmt: skip
    assert all(m.body.rstrip().endswith("With thanks,\nPriya Shah") for m in sent)


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, envelope.content.decode()))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_reminders_are_sent_to_a_local_smtp_server() -> None:
    inbox = _Inbox()
    port = _free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        settings = AppSettings(smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False,
                               smtp_from="performance@eastvale.example")  # fmt: skip
        chase = reminders.reminders(TARGETS, MISSING, ACTIONS, TODAY)
        messages, _ = reminders.messages(chase, CONTACTS, area_name="Eastvale", meeting="LSP board")
        assert mail.send(messages, settings) == 2
    finally:
        server.stop()
    assert sorted(to for _, (to,), _ in inbox.messages) == [
        "ann@eastvale.example",
        "pat@eastvale.example",
    ]
    assert all(sender == "performance@eastvale.example" for sender, _, _ in inbox.messages)
    body = next(text for _, (to,), text in inbox.messages if to == "ann@eastvale.example")
    assert "Subject: Eastvale: before LSP board" in body and "Young people NEET" in body


def test_nothing_is_sent_unless_configured_and_a_refusal_is_plain() -> None:
    with pytest.raises(mail.MailNotConfigured):
        mail.send([], AppSettings(smtp_host=None))
    assert not mail.configured(AppSettings(smtp_host=None))
    closed = AppSettings(smtp_host="127.0.0.1", smtp_port=_free_port(), smtp_starttls=False)
    message = reminders.Message("a@b.example", "A", "s", "b")
    with pytest.raises(mail.MailFailed, match="did not accept"):
        mail.send([message], closed)
