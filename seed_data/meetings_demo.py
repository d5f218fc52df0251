"""The demo's meeting cycle: Thornbury Vale's LSP board meets quarterly and its lead
partnership monthly; the pack of the September board was built five days before it, so the
board can look back at exactly what it was shown. Written through the store as the demo
officer at backdated times."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import Engine

from dashboard import documents, store
from dashboard.store import Actor, Grant
from seed_data.demo_users import DEMO_AREA, lead_partnership

OFFICER = Actor("officer", (Grant("officer", area_code=DEMO_AREA),))
BOARD_MEETINGS = (
    (date(2008, 3, 12), "LSP board, quarter 4 2007/08"),
    (date(2008, 6, 11), "LSP board, quarter 1"),
    (date(2008, 9, 10), "LSP board, quarter 2"),
    (date(2008, 12, 10), "LSP board, quarter 3"),
    (date(2009, 3, 11), "LSP board, quarter 4"),
)
PARTNERSHIP_MEETINGS = (date(2008, 10, 15), date(2008, 11, 19), date(2008, 12, 17))
PACK_OF = date(2008, 9, 10)  # the board meeting whose pack was built
PACK_KNOWN_AT = datetime(2008, 9, 5, 17, 0, tzinfo=UTC)


def seed_meetings_demo(engine: Engine, *, with_pack: bool = True) -> int | None:
    """The meetings and (`with_pack`) one stored pack; returns the pack's id."""
    partnership = lead_partnership(engine)
    ids = {}
    with store.backdated(datetime(2008, 1, 8, 9, 30, tzinfo=UTC)):
        for day, title in BOARD_MEETINGS:
            ids[day] = store.save_meeting(engine, OFFICER, DEMO_AREA, day, title)
        for day in PARTNERSHIP_MEETINGS:
            store.save_meeting(engine, OFFICER, DEMO_AREA, day, f"{partnership}, {day:%B}",
                               partnership=partnership)  # fmt: skip
    if not with_pack:
        return None
    from dashboard.reports import board_pack

    document, fingerprint, _ = board_pack.meeting_pack(engine, OFFICER, ids[PACK_OF], PACK_KNOWN_AT)
    with store.backdated(datetime.combine(PACK_KNOWN_AT.date(), time(17, 5), tzinfo=UTC)):
        return store.save_pack(
            engine, OFFICER, ids[PACK_OF], as_at=PACK_OF, known_at=PACK_KNOWN_AT,
            document_pdf=documents.render_pdf(document),
            document_html=documents.render_html(document), document_sha256=fingerprint,
        )  # fmt: skip
