"""Users and their grants (roles with scope). Passwords are stored only as argon2 hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class User(SQLModel, table=True):
    """A person who signs in (local password, or single sign-on by email)."""

    __tablename__ = "app_user"  # "user" is a reserved word in PostgreSQL
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=120)
    email: str | None = Field(default=None, unique=True, max_length=254)
    display_name: str
    password_hash: str | None = None
    is_active: bool = True
    failed_attempts: int = 0
    locked_until: datetime | None = None
    sessions_valid_after: datetime | None = None
    created_at: datetime
    last_sign_in_at: datetime | None = None


class UserGrant(SQLModel, table=True):
    """One role of a user with its scope (area, partnership, region or department)."""

    __tablename__ = "user_grant"
    __table_args__ = (
        UniqueConstraint(
            "user_id", "role", "area_code", "partnership", "region_code", "department_code"
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    role: str
    area_code: str | None = Field(default=None, foreign_key="area.code")
    partnership: str | None = None
    region_code: str | None = Field(default=None, foreign_key="region.code")
    department_code: str | None = Field(default=None, foreign_key="department.code")
    granted_at: datetime
    granted_by: str


class SigninThrottle(SQLModel, table=True):
    """Sign-in attempts counted per client and name, per client and per account, to slow
    guessing down (dashboard/accounts.py): no hard lock-out, so a flood cannot lock anyone out.

    `key` is "pair|<client>|<name>", "client|<client>" or "account|<name>"; `subject` is the
    name (the user name when the account exists), so an administrator can clear its delays.
    """

    __tablename__ = "signin_throttle"
    key: str = Field(primary_key=True, max_length=400)
    subject: str | None = Field(default=None, index=True, max_length=254)
    failures: int = 0
    last_attempt_at: datetime = Field(index=True)
    next_allowed_at: datetime | None = None
