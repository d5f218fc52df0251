"""dashboard.ui.plain: names shown literally where Streamlit reads Markdown."""

from __future__ import annotations

import pytest

from dashboard.ui.plain import WORD_JOINER, html, md


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("**Bold** [click](x)", r"\*\*Bold\*\* \[click\](x)"),
        ("[x](javascript:alert(1))", r"\[x\](javascript\:alert(1))"),
        ("a_b_c `c` ~~s~~ a|b $x$", r"a\_b\_c \`c\` \~\~s\~\~ a\|b \$x\$"),
        ("<b>x</b> &amp; & y", r"\<b\>x\</b\> \&amp; & y"),
        ("# Vale", r"\# Vale"),
        ("- item", r"\- item"),
        ("12. item", r"12\. item"),
        ("back\\slash", "back\\\\slash"),
        # Ordinary punctuation of names stays as typed.
        ("Anti-social (16-18) O'Neil, 5.2%", "Anti-social (16-18) O'Neil, 5.2%"),
        ("Pupils achieving 5+ GCSEs at A*-C", r"Pupils achieving 5+ GCSEs at A\*-C"),
    ],
)
def test_markdown_specials_are_escaped(name: str, shown: str) -> None:
    assert md(name) == shown


def test_bare_links_and_icons_are_broken_invisibly() -> None:
    j = WORD_JOINER
    assert md("see http://evil.example") == f"see http\\://{j}evil.example"
    assert md("www.evil.example") == f"www{j}.evil.example"
    assert md("a@b.example") == f"a@{j}b.example"
    assert md(":material/home:") == f"\\:{j}material/home\\:"


def test_a_name_is_one_line() -> None:
    # Joined, a "- " mid-line starts nothing; the "#" is escaped wherever it stands.
    assert md("  Safer\n# Streets \r\n- now ") == r"Safer \# Streets - now"
    assert md(None) == ""


def test_html_escapes_markup_and_quotes() -> None:
    assert (
        html('<a href="x">O\'Neil & co</a>')
        == "&lt;a href=&quot;x&quot;&gt;O&#x27;Neil &amp; co&lt;/a&gt;"
    )
