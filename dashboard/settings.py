"""Deployment settings (environment / .env), declared once.

Business rules that users change (the app's "today", RAG tolerance) live in the database's
`setting` table instead, so every user of a shared deployment sees the same values.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent.parent


class AppSettings(BaseSettings):
    """Settings read from the environment (and an optional `.env` in the working folder)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{PROJECT_DIR / 'laa.db'}",
        description="SQLAlchemy URL; postgresql+psycopg://... for shared deployments.",
    )
    log_dir: Path = Field(
        default=PROJECT_DIR / "logs",
        description="Folder for the application's log files (security.log: refusals, sign-ins).",
    )
    secret_key: str | None = Field(
        default=None,
        description="Signs session cookies. Unset: a random key kept in <project>/.secret_key.",
    )
    # E-mail for the reminders before a meeting: nothing is ever sent unless smtp_host is set.
    smtp_host: str | None = Field(default=None, description="SMTP server for reminders.")
    smtp_port: int = Field(default=587, description="SMTP port (587: submission with STARTTLS).")
    smtp_starttls: bool = Field(default=True, description="Upgrade the connection with STARTTLS.")
    smtp_user: str | None = Field(default=None, description="SMTP user name, if it needs one.")
    smtp_password: str | None = Field(default=None, description="SMTP password.")
    smtp_from: str = Field(
        default="laa-dashboard@localhost", description="The From address of reminders."
    )


@lru_cache(maxsize=1)
def get_settings() -> AppSettings:
    return AppSettings()
