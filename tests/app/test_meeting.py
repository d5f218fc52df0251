"""AppTest of meeting mode (dashboard/ui/meeting.py, entered from the overview): the agenda
first, one target a slide, the slide number in the URL, keyboard shortcuts, leaving."""

from __future__ import annotations

import re
from html import escape

import pytest

from dashboard.metrics.assess import agreements_ended
from dashboard.reports import board
from dashboard.ui import meeting
from dashboard.ui.plain import md
from tests.app.conftest import all_text, assess, chart_spec, charts, errors, open_page, query

AREA = "D05"  # Northgate, in the demo: several exceptions


def _agenda_codes(at) -> list[str]:  # type: ignore[no-untyped-def]
    """The indicator codes of the agenda's exception rows, in order."""
    (table,) = [h.proto.body for h in at.get("html") if 'class="laa-agenda"' in h.proto.body]
    return re.findall(r"<td><b>([^<]+)</b>", table)


def _projector_css(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        h.proto.body
        for h in at.get("html")
        if h.proto.body.strip() == meeting.PROJECTOR_CSS.strip()
    ]


def _heading(row: dict) -> str:
    """The slide heading: the indicator's code and name as typed (escaped for Markdown)."""
    return f"{md(row['indicator_code'])} — {md(row['indicator_name'])}"


def test_slide_number_reads_only_whole_numbers_in_range() -> None:
    assert meeting.slide_number("3", 31) == 3
    assert meeting.slide_number("31", 31) == 31
    assert meeting.slide_number(" 2 ", 31) == 2
    for bad in (None, "", "0", "-1", "32", "999", "abc", "2.5", "1e3", "3;drop"):
        assert meeting.slide_number(bad, 31) == 1, bad


def test_meeting_mode_opens_on_the_agenda_of_exceptions_worst_first(demo_db: str) -> None:
    result = assess(demo_db, AREA)
    worst_first = board.exceptions(result.targets, result.scope.commentary, result.as_at)
    assert worst_first.height >= 3
    at = open_page("overview", area=AREA, meeting="true")
    assert not errors(at), errors(at)
    assert at.title[0].value == "Northgate LSP — board meeting"
    assert _agenda_codes(at) == worst_first["indicator_code"].to_list()
    assert at.header[0].value.startswith(f"Exceptions ({worst_first.height})")
    text = all_text(at)
    assert f"Slide 1 of {result.targets.height + 1}" in text and "agenda" in text
    assert "✖ Off track" in text  # status as symbol and word (and colour)
    ended = agreements_ended(result.scope.agreements, result.as_at)
    assert ("reward outturn" if ended else "reward forecast") in text  # as the overview says
    assert escape(worst_first["partnership"][0]) in text  # each exception's owner
    assert query(at, "slide") == "1"  # the URL says which slide is shown
    assert not charts(at) and not at.dataframe
    assert at.button(key="slide_prev").disabled and not at.button(key="slide_next").disabled
    # projector CSS: no sidebar, no header, the toggle replaced by "Leave meeting mode"
    (css,) = _projector_css(at)
    assert re.search(r'\[data-testid="stSidebar"\][^{]*\{display: none', css, re.S)


def test_next_goes_from_the_agenda_to_the_worst_exception_and_on(demo_db: str) -> None:
    deck = meeting.slides(assess(demo_db, AREA))
    at = open_page("overview", area=AREA, meeting="true")
    at.button(key="slide_next").click().run()
    assert not errors(at), errors(at)
    assert query(at, "slide") == "2"
    assert at.header[0].value == _heading(deck.row(0, named=True))
    assert f"exception 1 of {deck['exception'].sum()}" in all_text(at)
    (chart,) = charts(at)
    phrase = "lower is better" if deck["polarity"][0] == "lower" else "higher is better"
    assert (
        chart_spec(chart)["title"]["text"] == f"{deck['indicator_code'][0]} trajectory — {phrase}"
    )
    assert not at.dataframe  # one target a screen, no tables

    at.button(key="slide_next").click().run()
    assert query(at, "slide") == "3"
    assert at.header[0].value == _heading(deck.row(1, named=True))
    at.button(key="slide_prev").click().run()
    assert query(at, "slide") == "2"
    assert at.header[0].value == _heading(deck.row(0, named=True))


def test_the_keyboard_and_a_clicker_move_between_slides(demo_db: str) -> None:
    """← → on the visible buttons; PageUp / PageDown (a presentation clicker) on hidden ones."""
    at = open_page("overview", area=AREA, meeting="true", slide="2")
    shortcuts = {key: at.button(key=key).proto.shortcut for key in
                 ("slide_prev", "slide_next", "slide_prev_page", "slide_next_page")}  # fmt: skip
    assert shortcuts == {"slide_prev": "left", "slide_next": "right",
                         "slide_prev_page": "pageup", "slide_next_page": "pagedown"}  # fmt: skip
    at.button(key="slide_next_page").click().run()
    assert query(at, "slide") == "3"
    at.button(key="slide_prev_page").click().run()
    assert query(at, "slide") == "2"


@pytest.mark.parametrize("slide", ["2", "5"])
def test_a_link_with_a_slide_number_opens_that_slide(demo_db: str, slide: str) -> None:
    deck = meeting.slides(assess(demo_db, AREA))
    at = open_page("overview", area=AREA, meeting="true", slide=slide)
    assert not errors(at), errors(at)
    assert at.header[0].value == _heading(deck.row(int(slide) - 2, named=True))
    assert query(at, "slide") == slide
    assert len(charts(at)) == 1


def test_the_last_slide_has_no_next(demo_db: str) -> None:
    deck = meeting.slides(assess(demo_db, AREA))
    last = str(deck.height + 1)
    at = open_page("overview", area=AREA, meeting="true", slide=last)
    assert at.header[0].value == _heading(deck.row(deck.height - 1, named=True))
    assert at.button(key="slide_next").disabled and at.button(key="slide_next_page").disabled
    assert f"Slide {last} of {last}" in all_text(at)


@pytest.mark.parametrize("slide", ["0", "-3", "999", "abc", "", "2.5"])
def test_a_bad_slide_number_opens_the_agenda(demo_db: str, slide: str) -> None:
    at = open_page("overview", area=AREA, meeting="true", slide=slide)
    assert not errors(at), errors(at)
    assert at.title[0].value == "Northgate LSP — board meeting"
    assert any('class="laa-agenda"' in h.proto.body for h in at.get("html"))
    assert not charts(at)
    assert query(at, "slide") == "1"  # the URL is corrected to the slide shown


def test_leave_meeting_mode_returns_to_the_overview(demo_db: str) -> None:
    at = open_page("overview", area=AREA, meeting="true", slide="3")
    at.button(key="meeting_leave").click().run()
    assert not errors(at), errors(at)
    assert at.toggle(key="meeting").value is False
    assert query(at, "slide") is None and query(at, "meeting") is None
    assert at.title[0].value == "Northgate LSP overview"
    assert not _projector_css(at)  # the sidebar is back


def test_a_slide_number_outside_meeting_mode_is_dropped(demo_db: str) -> None:
    at = open_page("overview", area=AREA, slide="3")
    assert not errors(at), errors(at)
    assert at.title[0].value == "Northgate LSP overview"
    assert query(at, "slide") is None


def test_the_worked_example_agenda_and_slides_open(worked_db: str) -> None:
    """Another area and data set: the agenda, then each target's slide, without an error."""
    deck = meeting.slides(assess(worked_db, "X01"))
    at = open_page("overview", area="X01", meeting="true")
    assert not errors(at), errors(at)
    assert f"Slide 1 of {deck.height + 1}" in all_text(at)
    for number in range(2, deck.height + 2):
        at.button(key="slide_next").click().run()
        assert not errors(at), errors(at)
        assert query(at, "slide") == str(number)
        assert at.header[0].value == _heading(deck.row(number - 2, named=True))


def test_each_slide_chart_is_built_once_and_the_next_one_ahead(
    demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Next shows a chart already built (cached on plain values), so it appears at once."""
    built: list[int] = []
    original = meeting.slide_chart

    def counting(result, target_id: int):  # type: ignore[no-untyped-def]
        built.append(target_id)
        return original(result, target_id)

    monkeypatch.setattr(meeting, "slide_chart", counting)
    deck = meeting.slides(assess(demo_db, AREA))
    ids = deck["target_id"].to_list()
    at = open_page("overview", area=AREA, meeting="true")
    assert built == [ids[0]]  # the agenda builds the first slide's chart ahead
    at.button(key="slide_next").click().run()
    assert built == [ids[0], ids[1]]  # slide 2 was ready; slide 3 built ahead
    at.button(key="slide_next").click().run()
    at.button(key="slide_prev").click().run()
    at.button(key="slide_prev").click().run()
    assert not errors(at), errors(at)
    assert built == [ids[0], ids[1], ids[2]]  # going back rebuilds nothing
    assert query(at, "slide") == "1"
