"""Reminders before a meeting: for each owner, the values due or overdue on their targets and
the actions overdue, for the performance officer to chase — and, where an owner has an e-mail
address and the deployment has an SMTP server, one message each.

Pure: an assessment, the action log and the area's contacts in; frames and messages out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from dashboard.metrics import period_label_expr
from dashboard.metrics.due import OPEN, OVERDUE

REMINDER_COLUMNS = ("owner", "partnership", "kind", "what", "due_on", "overdue")


def reminders(
    targets: pl.DataFrame,
    missing: pl.DataFrame,
    actions: pl.DataFrame,
    today: date,
    by: date | None = None,
) -> pl.DataFrame:
    """One row per thing to chase, by owner: values due or overdue (`missing`:
    `metrics.due.missing_values` of the targets) and open actions past their date — and, with
    `by` (the meeting's date), those falling due by then, so owners are chased before the
    figures are due. The owner of a value is its target's lead officer (else its
    partnership); of an action, its owner. `overdue`: late already (as of `today`)."""
    soon = pl.lit(False) if by is None else pl.col("due_date") <= by
    values = (
        missing.filter((pl.col("state") != OPEN) | soon)
        .join(targets.select("target_id", "indicator_code", "indicator_name", "partnership",
                             "lead_officer", "frequency", "period_basis"), on="target_id")
        .select(
            pl.coalesce("lead_officer", "partnership").alias("owner"),
            "partnership",
            pl.lit("value").alias("kind"),
            pl.format("{} {}: the {} value", "indicator_code", "indicator_name",
                      period_label_expr("period", "frequency", "period_basis")).alias("what"),
            pl.col("due_date").alias("due_on"),
            (pl.col("state") == OVERDUE).alias("overdue"),
        )
    )  # fmt: skip
    owners = targets.select("indicator_code", "partnership").unique("indicator_code")
    due_soon = pl.lit(False) if by is None else pl.col("due_on") <= by
    late = (
        actions.filter((pl.col("status") == "open") & ((pl.col("due_on") < today) | due_soon))
        .join(owners, on="indicator_code", how="left")
        .select(
            "owner",
            "partnership",
            pl.lit("action").alias("kind"),
            pl.col("text").alias("what"),
            "due_on",
            (pl.col("due_on") < today).alias("overdue"),
        )
    )
    return (
        pl.concat([values, late], how="vertical_relaxed")
        .select(REMINDER_COLUMNS)
        .sort("owner", "due_on", "what")
    )


@dataclass(frozen=True)
class Message:
    to: str
    name: str
    subject: str
    body: str


def messages(
    chase: pl.DataFrame,
    contacts: pl.DataFrame,
    *,
    area_name: str,
    meeting: str,
    sender: str = "The performance officer",
) -> tuple[list[Message], pl.DataFrame]:
    """One message per person with an e-mail address who owns something to chase — a lead
    officer named as the owner (by full name), else the leads of the owning partnership — and
    the rows nobody can be written to about (for the officer to chase by hand). Values to enter
    and actions past their date are listed apart: they ask for different things."""
    people = contacts.filter(pl.col("email").is_not_null())
    by_name = people.select(pl.col("display_name").alias("owner"), "email", "display_name")
    leads = people.filter(pl.col("role") == "lead").select("partnership", "email", "display_name")
    named = chase.join(by_name, on="owner", how="inner")
    rest = chase.join(by_name.select("owner"), on="owner", how="anti")
    via_partnership = rest.join(leads, on="partnership", how="inner")
    unreached = rest.join(leads.select("partnership").unique(), on="partnership", how="anti")
    sent = pl.concat([named, via_partnership], how="vertical_relaxed")
    out = []
    for (email, name), rows in sent.group_by("email", "display_name", maintain_order=True):
        body = [f"Dear {name},", "", f"Before {meeting}, {area_name}'s figures are being "
                "brought together for the pack. These are yours to see to:"]  # fmt: skip
        for kind, heading in (("value", "Values to enter on My updates"),
                              ("action", "Actions due or past their date")):  # fmt: skip
            lines = [
                f"- {r['what']} — {'overdue since' if r['overdue'] else 'due by'} "
                f"{r['due_on']:%d %B %Y}"
                for r in rows.filter(pl.col("kind") == kind).sort("due_on").iter_rows(named=True)
            ]
            if lines:
                body += ["", f"{heading}:", *lines]
        body += ["", "If a value will be late, or an action is done or no longer needed, please "
                 "reply to say so, so the board hears it from you.", "", "With thanks,", sender]  # fmt: skip
        out.append(Message(to=str(email), name=str(name),
                           subject=f"{area_name}: before {meeting}", body="\n".join(body) + "\n"))  # fmt: skip
    return out, unreached.select(REMINDER_COLUMNS)
