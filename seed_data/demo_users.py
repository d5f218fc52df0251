"""Demo users, one for every role, so a newcomer can try each view (password: `laa-demo`).

They are for the fictional demo database only; never create them in a real deployment.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Engine

from dashboard import accounts, store
from dashboard.access import Actor, Grant

DEMO_PASSWORD = "laa-demo"
DEMO_AREA = "D10"  # Thornbury Vale, a 2006 agreement in flight on the demo's today
DEMO_REGION = "GOEM"  # its Government Office
DEMO_DEPARTMENT = "HO"


def lead_partnership(engine: Engine, area_code: str = DEMO_AREA) -> str:
    """The partnership owning most of the area's targets (the demo lead's own)."""
    with engine.connect() as conn:
        owners = store.target_owners(conn, [area_code])
    return Counter(owners.values()).most_common(1)[0][0]


def demo_users(engine: Engine) -> list[tuple[str, str, Grant]]:
    """(user name, full name, grant) of every demo user."""
    return [
        ("admin", "Demo Administrator", Grant("admin")),
        ("officer", "Priya Shah, LSP Performance Officer", Grant("officer", area_code=DEMO_AREA)),
        ("board", "Cllr Margaret Hale, LSP Board", Grant("board", area_code=DEMO_AREA)),
        (
            "lead",
            "Mark Marsden, Partnership Lead",
            Grant("lead", area_code=DEMO_AREA, partnership=lead_partnership(engine)),
        ),
        ("go", "Gordon Ellis, GO East Midlands", Grant("go", region_code=DEMO_REGION)),
        ("department", "Home Office analyst", Grant("department", department_code=DEMO_DEPARTMENT)),
        ("viewer", "Community viewer", Grant("viewer", area_code=DEMO_AREA)),
    ]


def seed_demo_users(engine: Engine, actor: Actor) -> int:
    """Create the demo users that do not exist yet; returns how many were added."""
    existing = set(accounts.list_users(engine, actor)["username"].to_list())
    added = 0
    for username, name, grant in demo_users(engine):
        if username not in existing:
            accounts.add_user(
                engine, actor, username, name, DEMO_PASSWORD, f"{username}@demo.example"
            )
            added += 1
        accounts.grant(engine, actor, username, grant)
    return added
