"""Access through the pages (AppTest): the in-app sign-in gate, the menu per role, forged query
parameters and page paths, and that user-written text stays inert (XSS, formula injection).

AppTest bypasses the ASGI middleware of dashboard/server.py, so these runs exercise the
entrypoint's own gate (dashboard/ui/auth.py). They use a copy of the session's demo database,
because signing in writes (failed attempts, last sign-in) and the XSS and formula cases add
data.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import polars as pl
import pytest
from sqlalchemy import text
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from dashboard import accounts, db, store
from dashboard.access import Actor, Grant
from dashboard.reports import board
from seed_data.demo_users import DEMO_PASSWORD, lead_partnership
from tests.app.conftest import (
    DEMO_AREAS,
    ENTRYPOINT,
    _release,
    _use_database,
    app,
    assess,
    errors,
    links,
    open_exceptions,
    open_page,
    query,
    section,
)

OWN, AWAY = "D10", "D02"  # Thornbury Vale (GOEM), Ashworth (GONW)
OWN_NAME, AWAY_NAME = "Thornbury Vale", "Ashworth"
DEMO_USERS = ("admin", "officer", "board", "lead", "go", "department", "viewer")
USERS_PAGE = "../pages/users.py"
ADMIN_MENU = "Users and access"
SCRIPT = "<script>alert(1)</script>"
LINK = "[click](javascript:alert(1))"
IMG = "<img src=x onerror=alert(1)>"
FORMULAS = ('=HYPERLINK("http://evil.example","x")', "+1+2", "-2+3", "@SUM(A1:A2)")


# -------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def access_url(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A copy of the demo with hostile text: commentary carrying script, a javascript: link and
    an onerror image on an exception target of D10; partnership names of D10 and notes of
    corrected values that start like spreadsheet formulas; and a user with no grants."""
    path = tmp_path_factory.mktemp("access_pages") / "access.db"
    source, copy = sqlite3.connect(demo_url.removeprefix("sqlite:///")), sqlite3.connect(path)
    with copy:
        source.backup(copy)
    source.close()
    copy.close()
    url = f"sqlite:///{path}"
    engine = db.get_engine(url)
    admin = store.cli_actor("tester")
    result = assess(url, OWN)
    worst = board.exceptions(result.targets, result.scope.commentary, result.as_at).row(
        0, named=True
    )
    period = result.scope.actuals.filter(pl.col("target_id") == worst["target_id"])["period"].max()
    with db.write_transaction(engine) as conn:
        store.add_commentary(
            conn,
            admin,
            [
                {
                    "area_code": OWN,
                    "indicator_code": worst["indicator_code"],
                    "period": period,
                    "text": f"Behind because {SCRIPT} see {LINK} and {IMG} end",
                }
            ],
        )
    with engine.begin() as conn:
        names = conn.execute(
            text("SELECT name FROM partnership WHERE area_code = :a AND kind = 'thematic'"),
            {"a": OWN},
        ).scalars()
        for name, formula in zip(sorted(names), FORMULAS, strict=False):
            conn.execute(
                text("UPDATE partnership SET name = :new WHERE area_code = :a AND name = :old"),
                {"new": formula, "a": OWN, "old": name},
            )
    latest = store.actual_revisions(engine, admin, OWN, worst["indicator_code"]).row(0, named=True)
    with db.write_transaction(engine) as conn:  # four corrections of the latest value
        store.save_actuals(
            conn,
            admin,
            [
                {
                    "area_code": OWN,
                    "indicator_code": worst["indicator_code"],
                    "period": latest["period"],
                    "value": latest["value"] + step,
                    "note": formula,
                }
                for step, formula in enumerate(FORMULAS, start=1)
            ],
        )
    accounts.add_user(engine, admin, "nogrants", "No Grants", DEMO_PASSWORD, "ng@demo.example")
    db.dispose_all()
    return url


@pytest.fixture
def access_db(access_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    _use_database(access_url, monkeypatch)
    yield access_url
    _release()


@pytest.fixture
def exception_indicator(access_url: str) -> str:
    """The D10 indicator whose commentary carries the hostile text."""
    with db.get_engine(access_url).connect() as conn:
        return conn.execute(
            text("SELECT indicator_code FROM commentary WHERE text LIKE :t"), {"t": "%<script>%"}
        ).scalar_one()


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """The bytes of every table download a run offers, by file name (built as on a click)."""
    captured: dict[str, bytes] = {}
    original = DeltaGenerator.download_button

    def record(self, label, data, *args, **kwargs):  # type: ignore[no-untyped-def]
        name = kwargs.get("file_name") or (args[0] if args else label)
        captured[name] = data() if callable(data) else data
        return original(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", record)
    return captured


# --------------------------------------------------------------------------------------- helpers


def protos(at: AppTest) -> str:
    """Every element of the run (main and sidebar) as protobuf text: what reaches a browser."""
    found: list[str] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            found.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(found)


def menu(at: AppTest) -> set[str]:
    """The page titles st.navigation registered for this run (AppTest keeps them privately)."""
    return {page["page_name"] for page in at._registered_pages.values()}


def sign_in_form(at: AppTest, login: str, password: str) -> AppTest:
    """Type into the in-app form and press its Sign in button."""
    boxes = {box.label: box for box in at.text_input}
    boxes["User name or email"].input(login)
    boxes["Password"].input(password)
    (button,) = [b for b in at.button if b.label == "Sign in"]
    button.click()
    return at.run()


def assert_only_sign_in_form(at: AppTest) -> None:
    assert not at.exception
    assert [t.value for t in at.title] == ["Sign in"]
    assert [box.label for box in at.text_input] == ["User name or email", "Password"]
    assert not at.dataframe and not at.selectbox and not at.metric
    assert not at.sidebar.children  # no area picker, no user box
    everything = protos(at)
    for name in (OWN_NAME, AWAY_NAME, OWN, AWAY, "LSP overview", ADMIN_MENU):
        assert name not in everything
    assert "_current_actor" not in at.session_state


def shown_area(at: AppTest) -> str:
    return at.session_state["sel_area"]


class _Markup(HTMLParser):
    """Tags and attributes of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def active_markup(body: str) -> list[str]:
    """What in an HTML fragment could run: script/img/iframe tags, on* handlers, js: URLs."""
    parser = _Markup()
    parser.feed(body)
    bad = []
    for tag, attrs in parser.tags:
        if tag in ("script", "img", "iframe", "object", "embed", "svg"):
            bad.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                bad.append(f"{tag} {name}=")
            if value and value.strip().lower().startswith("javascript:"):
                bad.append(f"{tag} {name}={value}")
    return bad


# ------------------------------------------------------------------------------- signed out


@pytest.mark.parametrize(
    ("page", "params"),
    [
        ("overview", {}),
        ("overview", {"area": OWN}),
        ("indicator", {"area": AWAY, "indicator": "BV126"}),
    ],
)
def test_signed_out_shows_only_the_sign_in_form(
    access_db: str, page: str, params: dict[str, str]
) -> None:
    at = open_page(page, user=None, **params)
    assert_only_sign_in_form(at)


def test_signed_out_users_page_shows_only_the_sign_in_form(access_db: str) -> None:
    at = app(None)
    at.switch_page(USERS_PAGE)
    assert_only_sign_in_form(at.run())


def test_session_state_is_not_trusted_for_grants(access_db: str) -> None:
    """The gate re-reads the user's grants: an actor put in the session with forged grants
    gets the user's real ones, and an unknown or disabled user gets the sign-in form."""
    at = AppTest.from_file(ENTRYPOINT, default_timeout=30)
    at.session_state["_actor"] = Actor("viewer", (Grant("admin"),))
    at.query_params["area"] = AWAY
    at.run()
    assert at.session_state["_current_actor"] == Actor("viewer", (Grant("viewer", area_code=OWN),))
    assert shown_area(at) == OWN and ADMIN_MENU not in menu(at)

    at = AppTest.from_file(ENTRYPOINT, default_timeout=30)
    at.session_state["_actor"] = Actor("ghost", (Grant("admin"),))
    assert_only_sign_in_form(at.run())


# ----------------------------------------------------------------------- the in-app form


@pytest.mark.parametrize("user", DEMO_USERS)
def test_sign_in_with_the_form_as_each_demo_user(access_db: str, user: str) -> None:
    at = app(None).run()
    assert_only_sign_in_form(at)
    at = sign_in_form(at, f"  {user.upper()}  ", DEMO_PASSWORD)
    assert not errors(at), errors(at)
    actor = at.session_state["_current_actor"]
    assert actor == accounts.actor_for(db.get_engine(access_db), user)
    assert [t.value for t in at.title] != ["Sign in"]
    pages = menu(at)
    assert {"LSP overview", "Blocks", "Thematic partnerships", "Indicator", "My account"} <= pages
    assert (ADMIN_MENU in pages) == (user == "admin")
    assert f'Signed in as <b style=\\"color:#0b0c0c\\">{user}</b>' in protos(at)


def test_sign_in_by_email(access_db: str) -> None:
    at = sign_in_form(app(None).run(), "Lead@Demo.Example", DEMO_PASSWORD)
    assert at.session_state["_current_actor"].name == "lead"


@pytest.mark.parametrize(
    ("login", "password"), [("lead", "laa-demo-wrong"), ("nobody", DEMO_PASSWORD)]
)
def test_wrong_password_shows_an_error_and_stays_signed_out(
    access_db: str, login: str, password: str
) -> None:
    at = sign_in_form(app(None).run(), login, password)
    assert [e.value for e in at.error] == ["The user name or password is not right."]
    assert "_actor" not in at.session_state
    assert_only_sign_in_form(at)
    at.run()  # and the next run is still signed out
    assert "_actor" not in at.session_state
    assert [t.value for t in at.title] == ["Sign in"]


def test_user_without_grants_sees_no_data(access_db: str) -> None:
    at = sign_in_form(app(None).run(), "nogrants", DEMO_PASSWORD)
    assert at.session_state["_current_actor"] == Actor("nogrants")
    assert "no access yet" in " ".join(i.value for i in at.info)
    everything = protos(at)
    assert OWN_NAME not in everything and AWAY_NAME not in everything
    assert not at.dataframe and not at.metric


# ------------------------------------------------------------------------- users page & menu


@pytest.mark.parametrize("user", [u for u in DEMO_USERS if u != "admin"])
def test_users_page_path_shows_no_user_list_to_non_admins(access_db: str, user: str) -> None:
    at = app(user)
    at.switch_page(USERS_PAGE)
    at.run()
    assert ADMIN_MENU not in menu(at)
    assert ADMIN_MENU not in [t.value for t in at.title]
    everything = protos(at)
    for other in ("admin@demo.example", "department@demo.example", "Demo Administrator"):
        assert other not in everything
    assert all("User" not in d.value.columns for d in at.dataframe)


def test_users_page_lists_users_for_the_admin(access_db: str) -> None:
    at = app("admin")
    at.switch_page(USERS_PAGE)
    at.run()
    assert not errors(at)
    assert ADMIN_MENU in menu(at) and ADMIN_MENU in [t.value for t in at.title]
    (users,) = [d.value for d in at.dataframe if "User" in d.value.columns]
    assert set(DEMO_USERS) <= set(users["User"])
    assert "password_hash" not in users.columns
    assert "$argon2" not in protos(at)


# ------------------------------------------------------------------ landing on your own work


# everyone else: their area's overview; the GO its region's page, titled with its name
LANDING = {"department": "Department returns", "go": "Government Office for the East Midlands"}


@pytest.mark.parametrize("user", DEMO_USERS)
def test_each_role_lands_on_its_own_work(demo_db: str, user: str) -> None:
    """The default page (the app's root URL) per role, and a lead's lists open on its own
    targets. (The shared demo, not this module's copy: there the lead's partnership is
    renamed, and these runs write nothing.)"""
    at = app(user).run()
    assert not errors(at), errors(at)
    titles = [t.value for t in at.title]
    if user in LANDING:
        assert titles == [LANDING[user]]
    else:
        assert len(titles) == 1 and titles[0].endswith(" LSP overview"), titles
    mine = [t for t in at.toggle if t.label == "My targets"]
    if user == "lead":
        assert [t.value for t in mine] == [True]
    else:
        assert not mine  # the others report every target of the area, or none


def test_a_departments_root_url_forwards_with_the_links_selections(demo_db: str) -> None:
    """The department's root URL is the hidden pages/start.py, which forwards to Department
    returns and keeps what the pasted link selected (here an area)."""
    at = app("department")
    at.query_params["area"] = AWAY
    at.run()
    assert not errors(at), errors(at)
    (root,) = [i for i in at._registered_pages.values() if i["url_pathname"] == ""]
    assert str(root["script_path"]).endswith("pages/start.py")
    assert [t.value for t in at.title] == ["Department returns"]
    assert query(at, "area") == AWAY


def test_my_targets_narrows_a_leads_lists_to_its_partnership(demo_db: str) -> None:
    owner = lead_partnership(db.get_engine(demo_db), OWN)
    result = assess(demo_db, OWN)
    everything = board.exceptions(result.targets, result.scope.commentary, result.as_at)
    owned = everything.filter(pl.col("partnership") == owner)
    assert 0 < owned.height < everything.height

    def listed(at: AppTest) -> list[str]:
        return [p["indicator"] for p in exception_links(at) if "tab" not in p]

    at = app("lead").run()
    assert any(h.value == f"Exceptions ({owned.height})" for h in at.subheader)
    assert listed(at) == owned["indicator_code"].to_list()
    assert set(at.dataframe[-1].value["Code"]) == set(
        result.targets.filter(pl.col("partnership") == owner)["indicator_code"]
    )
    at.toggle(key="mine").set_value(False).run()
    assert not errors(at), errors(at)
    assert listed(at) == everything["indicator_code"].to_list()
    linked = open_page("overview", user="lead", mine="false")  # the choice in a pasted link
    assert listed(linked) == everything["indicator_code"].to_list()


def exception_links(at: AppTest) -> list[dict[str, str]]:
    return [p for _, p in links(section(open_exceptions(at), "Exceptions"))]


def test_department_deep_link_to_the_overview_still_works(demo_db: str) -> None:
    at = open_page("overview", user="department", area=OWN)
    assert not errors(at), errors(at)
    assert [t.value for t in at.title] == [f"{OWN_NAME} LSP overview"]


@pytest.mark.parametrize("user", ["officer", "board", "lead", "viewer"])
def test_one_area_user_sees_the_area_named_not_a_picker(demo_db: str, user: str) -> None:
    at = open_page("overview", user=user)
    assert not errors(at), errors(at)
    assert not [s for s in at.sidebar.selectbox if s.label == "Area"]
    assert any(f"{OWN_NAME} ({OWN})" in h.value for h in at.sidebar.get("html"))
    assert shown_area(at) == OWN and query(at, "area") == OWN


def test_many_area_user_picks_the_area(demo_db: str) -> None:
    at = open_page("overview", user="department", area=OWN)
    (picker,) = [s for s in at.sidebar.selectbox if s.label == "Area"]
    assert len(picker.options) == len(DEMO_AREAS)


# ---------------------------------------------------------------------- forged query params


@pytest.mark.parametrize("user", ["officer", "board", "lead", "viewer"])
def test_forged_area_param_shows_the_users_own_area(access_db: str, user: str) -> None:
    at = open_page("overview", user=user, area=AWAY)
    assert not errors(at), errors(at)
    assert shown_area(at) == OWN and query(at, "area") == OWN
    assert [t.value for t in at.title] == [f"{OWN_NAME} LSP overview"]
    assert AWAY_NAME not in protos(at)
    assert not [s for s in at.selectbox if s.label == "Area"]  # one area: nothing to pick


def test_forged_area_on_a_deep_link_page(access_db: str) -> None:
    at = open_page("indicator", user="lead", area=AWAY, indicator="BV126")
    assert not errors(at)
    assert shown_area(at) == OWN
    assert AWAY_NAME not in protos(at)


def test_go_user_picks_only_areas_of_its_region(access_db: str) -> None:
    at = open_page("overview", user="go", area=AWAY)
    (picker,) = [s for s in at.selectbox if s.label == "Area"]
    codes = {label.rsplit("(", 1)[1].rstrip(")") for label in picker.options}
    goem = set(
        store.list_areas(db.get_engine(access_db), store.cli_actor("t")).filter(
            pl.col("region_code") == "GOEM"
        )["area_code"]
    )
    assert codes == goem and AWAY not in codes
    assert shown_area(at) in goem and AWAY_NAME not in protos(at)


@pytest.mark.parametrize("area", [AWAY, OWN])
def test_department_tables_hold_only_its_indicators(
    access_db: str, downloads: dict[str, bytes], area: str
) -> None:
    ho = store.readable(
        db.get_engine(access_db), accounts.actor_for(db.get_engine(access_db), "department")
    ).indicators
    assert ho
    at = open_page("overview", user="department", area=area)
    assert not errors(at) and shown_area(at) == area
    tables = [d.value for d in at.dataframe if "Code" in d.value.columns]  # the targets table
    assert tables
    for table in tables:
        assert set(table["Code"]) <= ho
    at.switch_page("../pages/indicator.py")
    at.run()
    assert not errors(at)
    (picker,) = [s for s in at.selectbox if s.label == "Indicator"]
    assert {option.split(" — ")[0] for option in picker.options} <= ho
    csvs = [data for name, data in downloads.items() if name.endswith(".csv")]
    assert csvs
    for data in csvs:
        rows = list(csv.DictReader(io.StringIO(data.decode())))
        assert {r["indicator_code"] for r in rows if "indicator_code" in r} <= ho


# ------------------------------------------------------------------------------------ XSS


def assert_inert(at: AppTest) -> None:
    """No element carries the commentary's markup in a form that would run."""
    bodies = [str(h.proto.body) for h in at.get("html")]
    for body in bodies:
        assert not active_markup(body), active_markup(body)
    for md in [m.value for m in at.markdown] + [c.value for c in at.caption]:
        assert "<script" not in md.lower() and "onerror" not in md.lower()
        assert "javascript:" not in md.lower(), md
    escaped = [b for b in bodies if "&lt;script&gt;alert(1)&lt;/script&gt;" in b]
    assert escaped, "the commentary should be shown, escaped"
    assert any("&lt;img src=x onerror=alert(1)&gt;" in b and LINK in b for b in escaped)


def test_commentary_markup_is_shown_escaped_on_the_indicator_page(
    access_db: str, exception_indicator: str
) -> None:
    at = open_page("indicator", user="lead", area=OWN, indicator=exception_indicator)
    assert not errors(at), errors(at)
    assert_inert(at)


@pytest.mark.parametrize("meeting", [False, True])
def test_commentary_markup_is_shown_escaped_in_the_exceptions(
    access_db: str, meeting: bool
) -> None:
    # in meeting mode, slide 2: the worst exception, whose commentary carries the markup
    params = {"area": OWN} | ({"meeting": "true", "slide": "2"} if meeting else {})
    at = open_page("overview", user="board", **params)
    assert not errors(at), errors(at)
    assert_inert(at)


# ------------------------------------------------------------------------ formula injection


def _cells(data: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data.decode())) for cell in row]


def _xlsx_strings(data: bytes) -> tuple[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        shared = (
            book.read("xl/sharedStrings.xml").decode()
            if "xl/sharedStrings.xml" in (book.namelist())
            else ""
        )
        sheets = "".join(
            book.read(n).decode() for n in book.namelist() if n.startswith("xl/worksheets/")
        )
    return shared, sheets


def assert_neutralised(downloads: dict[str, bytes], stem: str) -> None:
    from html import escape

    (csv_name,) = [n for n in downloads if n.startswith(stem) and n.endswith(".csv")]
    (xlsx_name,) = [n for n in downloads if n.startswith(stem) and n.endswith(".xlsx")]
    cells = _cells(downloads[csv_name])
    for formula in FORMULAS:
        assert f"'{formula}" in cells, (formula, csv_name)
    assert not [c for c in cells if c[:1] in ("=", "+", "@") or (c[:1] == "-" and not _number(c))]
    shared, sheets = _xlsx_strings(downloads[xlsx_name])
    assert "<f>" not in sheets and "<f " not in sheets  # no formula cells at all
    for formula in FORMULAS:
        assert escape(f"'{formula}", quote=False) in shared + sheets, formula


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_overview_download_neutralises_formulas_in_partnership_names(
    access_db: str, downloads: dict[str, bytes]
) -> None:
    at = open_page("overview", user="admin", area=OWN)
    assert not errors(at), errors(at)
    assert_neutralised(downloads, f"targets-{OWN}-")
    names = set(
        store.load_scope(db.get_engine(access_db), store.cli_actor("t"), [OWN]).targets[
            "partnership"
        ]
    )
    assert set(FORMULAS) <= names  # the page really had them to offer


def test_actuals_download_neutralises_formulas_in_value_notes(
    access_db: str, downloads: dict[str, bytes], exception_indicator: str
) -> None:
    at = open_page("indicator", user="officer", area=OWN, indicator=exception_indicator)
    assert not errors(at), errors(at)
    assert_neutralised(downloads, f"actuals-{OWN}-{exception_indicator}")


def test_lead_partnership_is_renamed_in_the_copy_only(access_url: str, demo_url: str) -> None:
    """The hostile names live in this module's copy, never in the shared demo database."""
    assert lead_partnership(db.get_engine(demo_url)) not in FORMULAS
