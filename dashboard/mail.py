"""Sending reminders through the deployment's SMTP server (settings `SMTP_*`); nothing is ever
sent unless `SMTP_HOST` is set."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage

from dashboard.reports.reminders import Message
from dashboard.settings import AppSettings, get_settings


class MailNotConfigured(RuntimeError):
    """No SMTP server is set up: reminders can be listed, not sent."""


class MailFailed(RuntimeError):
    """The SMTP server refused or could not be reached (the reason in plain words)."""


def configured(settings: AppSettings | None = None) -> bool:
    return bool((settings or get_settings()).smtp_host)


def send(messages: Sequence[Message], settings: AppSettings | None = None) -> int:
    """Send each message; returns how many were sent."""
    cfg = settings or get_settings()
    if not cfg.smtp_host:
        raise MailNotConfigured("e-mail is not set up for this dashboard")
    try:
        with smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=20) as server:
            if cfg.smtp_starttls:
                server.starttls(context=ssl.create_default_context())
            if cfg.smtp_user:
                server.login(cfg.smtp_user, cfg.smtp_password or "")
            for message in messages:
                mail = EmailMessage()
                mail["From"], mail["To"], mail["Subject"] = (
                    cfg.smtp_from,
                    message.to,
                    message.subject,
                )
                mail.set_content(message.body)
                server.send_message(mail)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailFailed(f"the e-mail server {cfg.smtp_host} did not accept the reminders") from exc
    return len(messages)
