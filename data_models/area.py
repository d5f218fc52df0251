"""Areas, their agreements and their partnerships."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class Area(SQLModel, table=True):
    """An upper-tier area with its LSP (the unit an LAA is agreed with)."""

    code: str = Field(primary_key=True, max_length=12)
    name: str
    region_code: str = Field(foreign_key="region.code", index=True)
    la_type: str = Field(foreign_key="area_type.code")
    population: int
    net_budget_requirement_gbp: Decimal = Field(max_digits=16, decimal_places=2)
    deprivation_rank: int | None = None


class Agreement(SQLModel, table=True):
    """A three-year LAA between government (through the GO) and an area."""

    __table_args__ = (UniqueConstraint("area_code", "start_date"),)
    id: int | None = Field(default=None, primary_key=True)
    area_code: str = Field(foreign_key="area.code", index=True)
    start_date: date
    end_date: date
    status: str = "draft"
    signed_date: date | None = None
    pump_priming_gbp: Decimal | None = Field(default=None, max_digits=16, decimal_places=2)
    reward_rate: Decimal = Field(default=Decimal("0.025"), max_digits=8, decimal_places=6)
    reward_threshold: Decimal = Field(default=Decimal("0.6"), max_digits=8, decimal_places=6)
    capital_share: Decimal = Field(default=Decimal("0.5"), max_digits=8, decimal_places=6)
    reward_instalments: int = 2
    max_reward_targets: int = Field(default=12, sa_column_kwargs={"server_default": "12"})


class Partnership(SQLModel, table=True):
    """The LSP executive board or a thematic partnership (tied to a block) of an area."""

    __table_args__ = (UniqueConstraint("area_code", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    area_code: str = Field(foreign_key="area.code", index=True)
    name: str
    kind: str = "thematic"
    block_code: str | None = Field(default=None, foreign_key="block.code")
