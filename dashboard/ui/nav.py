"""The page registry and links between pages, with the selections they carry.

`dashboard/app.py` registers the pages on every run; pages link to each other through
`link()` so the area (bound to the URL in the entrypoint) and the drill-down selection
travel with the link, and any view can be pasted into an email.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from dashboard import access
from dashboard.access import Actor
from dashboard.ui import plain, state

# The session's pages, rebuilt on every run: in session state, not a module's dict, which
# every session's run would clear and refill while another session's run reads it.
REGISTRY = "_nav_pages"
HELP_TITLE = "How the numbers are worked out"
HELP_MENU = "How the numbers work"  # the menu's short label: the full title is cut there
# The pages that can show the position as known at a past moment (only the revisions recorded
# by then, the target versions in force then): the area's performance as a meeting saw it.
START = "start"  # the root URL's hidden page, forwarding to the user's landing page
PAST_VIEW_PAGES = frozenset({"overview", "block", "partnership", "indicator"})


def register(actor: Actor) -> dict[str, list[StreamlitPage]]:
    """Create the pages this actor may use (once per run: Streamlit wants fresh objects)."""
    pages: dict[str, StreamlitPage] = {}
    st.session_state[REGISTRY] = pages
    pages.update(
        overview=st.Page(
            "../pages/overview.py", title="LSP overview", icon=":material/dashboard:",
            url_path="overview",
        ),
        block=st.Page("../pages/block.py", title="Blocks", icon=":material/view_module:", url_path="block"),
        partnership=st.Page(
            "../pages/partnership.py", title="Thematic partnerships", icon=":material/groups:",
            url_path="partnership",
        ),
        indicator=st.Page(
            "../pages/indicator.py", title="Indicator", icon=":material/show_chart:",
            url_path="indicator",
        ),
        meetings=st.Page(
            "../pages/meetings.py", title="Meetings and board packs", icon=":material/event:",
            url_path="meetings",
            visibility="hidden" if access.department_only(actor) else "visible",
        ),
        account=st.Page(
            "../pages/account.py", title="My account", icon=":material/person:",
            url_path="account",
        ),
        help=st.Page(
            "../pages/help.py", title=HELP_MENU, icon=":material/help:", url_path="help",
        ),
    )  # fmt: skip
    sections = {
        "Performance": [
            pages[k] for k in ("overview", "block", "partnership", "indicator", "meetings")
        ],
        "Across areas": _across_area_pages(actor),
        "Upward reporting": _reporting_pages(actor),
        "Account": [pages["account"], pages["help"]],
    }
    # The app's root URL opens the landing page. Streamlit serves its default page only at
    # the root (`/overview` would be "page not found" if the overview were the default), so a
    # hidden default page forwards to the landing page with the link's selections: every
    # page keeps its own address, which is what a link pasted into an e-mail carries.
    landing = access.landing_page(actor)
    pages["landing_to"] = pages[landing]
    pages["landing"] = st.Page(
        "../pages/start.py", title=pages["landing_to"].title, url_path=START, default=True,
        visibility="hidden",
    )  # fmt: skip
    sections["Account"].append(pages["landing"])
    # ---- data entry: for those who may record values (admin, officers, partnership leads).
    if actor.of_role("admin", "officer", "lead"):
        pages["updates"] = st.Page(
            "../pages/updates.py", title="My updates", icon=":material/edit_note:",
            url_path="updates",
        )  # fmt: skip
        sections["Performance"].insert(0, pages["updates"])
    if access.can_administer(actor):
        pages["users"] = st.Page(
            "../pages/users.py", title="Users and access", icon=":material/admin_panel_settings:",
            url_path="users",
        )  # fmt: skip
        sections["Account"].append(pages["users"])
    # ---- audit log: in the menu for administrators and LSP performance officers only; for
    # anyone else a hidden page whose direct URL shows the store's refusal, not another page.
    audit_visible = access.can_administer(actor) or bool(actor.of_role("officer"))
    pages["audit"] = st.Page(
        "../pages/audit.py", title="Audit log", icon=":material/history:", url_path="audit",
        visibility="visible" if audit_visible else "hidden",
    )  # fmt: skip
    if audit_visible:
        sections["Records"] = [pages["audit"]]
    else:
        sections["Account"].append(pages["audit"])
    # ---- a one-line page off the menu: the floor `make bench` times page renders against.
    pages["blank"] = st.Page(
        "../pages/blank.py", title="Blank", url_path="blank", visibility="hidden"
    )
    sections["Account"].append(pages["blank"])
    return sections


def _across_area_pages(actor: Actor) -> list[StreamlitPage]:
    """The Government Office's views across its areas, and the comparison of one indicator.
    The region page is for those who read more than one area (GO, departments,
    administrators); the national view for administrators and departments; comparing an
    indicator across areas is open to everyone (each sees the areas it may read)."""
    pages: dict[str, StreamlitPage] = st.session_state[REGISTRY]
    across = bool(actor.of_role("admin", "go", "department"))
    national = bool(actor.of_role("admin", "department"))
    pages.update(
        region=st.Page(
            "../pages/region.py", title="Region", icon=":material/map:", url_path="region",
            visibility="visible" if across else "hidden",
        ),
        national=st.Page(
            "../pages/national.py", title="National view", icon=":material/public:",
            url_path="national", visibility="visible" if national else "hidden",
        ),
        compare=st.Page(
            "../pages/compare.py", title="Compare areas", icon=":material/compare_arrows:",
            url_path="compare",
        ),
    )  # fmt: skip
    # hidden pages stay registered: their URLs show the store's refusal, not another page
    return [pages[k] for k in ("region", "national", "compare")]


def _reporting_pages(actor: Actor) -> list[StreamlitPage]:
    """Vertical accountability: returns to departments, the GO review, the reporting map."""
    pages: dict[str, StreamlitPage] = st.session_state[REGISTRY]
    # The review pack is an area's: its GO, the area's own people, and administrators. For a
    # department-only user it is a hidden page whose URL explains that, not another page.
    review_visible = not access.department_only(actor)
    pages.update(
        returns=st.Page(
            "../pages/returns.py", title="Department returns", icon=":material/outbox:",
            url_path="returns",
        ),
        review=st.Page(
            "../pages/review.py", title="GO six-monthly review", icon=":material/fact_check:",
            url_path="review", visibility="visible" if review_visible else "hidden",
        ),
        reporting_lines=st.Page(
            "../pages/reporting_lines.py", title="Reporting lines", icon=":material/account_tree:",
            url_path="reporting-lines",
        ),
        burden=st.Page(
            "../pages/burden.py", title="Reporting burden", icon=":material/stacked_bar_chart:",
            url_path="burden",
        ),
        capacity=st.Page(
            "../pages/capacity.py", title="Capacity assessment", icon=":material/verified:",
            url_path="capacity", visibility="visible" if review_visible else "hidden",
        ),
        negotiation=st.Page(
            "../pages/negotiation.py", title="Negotiation", icon=":material/handshake:",
            url_path="negotiation", visibility="visible" if review_visible else "hidden",
        ),
    )  # fmt: skip
    return [
        pages[k]
        for k in ("returns", "review", "capacity", "negotiation", "reporting_lines", "burden")
    ]


def help_link(topic: str, label: str = HELP_TITLE) -> str:
    """A markdown link to one section of the help page (`topic`: its anchor, e.g. `reward`),
    for captions and help tooltips. Relative, so it works under any base path. It carries the
    area and as-at: the entrypoint rewrites a URL without them, and that would drop the
    `#topic` the browser scrolls to."""
    query = urlencode(selection_params())
    return f"[{label}](help{'?' + query if query else ''}#{topic})"


def page(name: str) -> StreamlitPage:
    return st.session_state[REGISTRY][name]  # type: ignore[no-any-return]


def selection_params(**params: str | None) -> dict[str, str]:
    """The area, as-at (and known-at, in a past view) of this view plus the given drill-down
    parameters."""
    carried = {
        "area": state.area_code(),
        "as_at": state.as_at_param(),
        "known_at": state.known_at_param(),
    }
    return {k: str(v) for k, v in {**carried, **params}.items() if v}


def link(
    name: str, label: str, *, icon: str | None = None, help: str | None = None, **params: str | None
) -> None:
    """A link to another page that keeps the area and as-at and sets `params`."""
    st.page_link(
        page(name), label=label, icon=icon, help=help, query_params=selection_params(**params)
    )


COMMENTARY_TAB = "Commentary"  # the indicator page's tab, bound to `?tab=`
NO_COMMENTARY = "No commentary yet: the lead officer should say why and what will be done."


def commentary_link(
    indicator_code: str, area_code: str | None = None, *, label: str = NO_COMMENTARY
) -> None:
    """A link to where commentary is written: the indicator page, that area and indicator
    selected, on its Commentary tab."""
    link(
        "indicator", label, icon=":material/edit_note:", area=area_code,
        indicator=indicator_code, tab=COMMENTARY_TAB,
    )  # fmt: skip


def forward_to_landing() -> None:
    """From the root URL to the user's landing page, keeping every parameter of the link."""
    st.switch_page(page("landing_to"), query_params=st.query_params.to_dict())


def go(name: str, **params: str | None) -> None:
    st.switch_page(page(name), query_params=selection_params(**params))


def breadcrumbs(*trail: tuple[str, str, dict[str, str | None]]) -> None:
    """LSP › block › partnership › indicator, each a link (the last is the current page).
    Labels are names (areas, blocks, partnerships, indicators): shown as plain text."""
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key="breadcrumbs"):
        for i, (name, label, params) in enumerate(trail):
            if i == len(trail) - 1:
                st.markdown(f"**{plain.md(label)}**")
            else:
                link(name, plain.md(label), **params)
                st.markdown("›")
