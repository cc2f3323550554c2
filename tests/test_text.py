"""Outside text shown safely: :mod:`maps.text` (Markdown, code spans, HTML).

A Markdown parser (markdown-it-py, CommonMark plus GFM tables and
strikethrough) must show escaped text as the original characters and
nothing else.  Streamlit does more than CommonMark: the patterns below are
the ones its Markdown component (Streamlit 1.67, ``StreamlitMarkdown``)
applies to the source before parsing or to plain text after it, where a
backslash escape does not help; none may match what :func:`md_escape`
returns.  The pages themselves are checked in ``test_employer_pages`` (the
Markdown sources) and ``test_browser_employers`` (what Chromium shows).
"""

from __future__ import annotations

import html
import re
import string

from hypothesis import example, given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from maps.text import WORD_JOINER, html_text, md_code, md_escape, t_md

HOSTILE = (
    "[点击领取补贴](https://example.com) **粗体** $x$ :red[红] :smile: "
    ":streamlit: :material/home: :material_home: www.example.com a@b.cn -> <b>x</b>"
)
_ALPHABET = st.sampled_from(
    [*string.printable, *"点击领取补贴粗体红（）：，。", "\u3000", "\u00a0", "é"]
)
texts = st.text(_ALPHABET, max_size=60)

# applied by Streamlit to plain text after parsing (escapes do not stop them)
_AFTER_PARSING = {
    "autolink": re.compile(r"(?i)https?://|www\."),
    "email": re.compile(r"[-.\w+]+@[-\w]+(?:\.[-\w]+)+"),
    "logo": re.compile(r":streamlit:"),
    "icon": re.compile(r":material_\w+:"),
    "arrow": re.compile(r"(?:^|\s)(?:<->|->|<-|--|>=|<=|~=)(?:\s|$)"),
}
# tested by Streamlit on the source before parsing
_EMOJI = re.compile(r":(?!material/|streamlit:)[\w+-][\w_+-]*:")


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _normal(text: str) -> str:
    return re.sub(r"[ \t\n\r\f\v]+", " ", text).strip()


def _shown(rendered: str) -> str:
    """Return the text of a single rendered paragraph (and fail on any tag)."""
    if not rendered:
        return ""
    assert rendered.startswith("<p>") and rendered.endswith("</p>\n"), rendered
    inner = rendered[3:-5]
    assert "<" not in inner, rendered  # no element: every < is &lt;
    return html.unescape(inner)


@given(texts)
@example(HOSTILE)
@example("# h\n\n    code\n- a\n1. b\n> q\n---\n| a | b |\n|---|---|")
@example("a\\*b\\\\ &amp; &#58; `x` ``y`` ~~z~~ _i_ ![i](x) [r][1]\n\n[1]: /u")
def test_escaped_text_renders_as_itself(text: str) -> None:
    escaped = md_escape(text)
    shown = _shown(_parser().render(escaped))
    assert shown.replace(WORD_JOINER, "") == _normal(text)
    for name, pattern in _AFTER_PARSING.items():
        assert not pattern.search(shown), (name, shown)
    assert not _EMOJI.search(escaped)
    assert ":material/" not in escaped
    assert "$" not in re.sub(r"\\.", "", escaped)  # every $ escaped: no math
    assert "\n" not in escaped


@given(texts, texts)
def test_escaped_pieces_stay_text_inside_markup(left: str, right: str) -> None:
    """Escaped text inside the pages' own markup never closes or opens any."""
    source = f"**{md_escape(left)}** · {md_escape(right)}"
    rendered = _parser().render(source)
    if _normal(left):
        inner = rendered.split("<strong>", 1)[1].split("</strong>", 1)[0]
        assert html.unescape(inner).replace(WORD_JOINER, "") == _normal(left)
    assert rendered.count("<") == (4 if _normal(left) else 2)  # p and strong


def test_hostile_name_escapes_every_construct() -> None:
    escaped = md_escape(HOSTILE)
    assert "](" not in escaped and "**" not in escaped and " $" not in escaped
    rendered = _parser().render(f"#### {escaped}")
    assert "<a" not in rendered and "<strong" not in rendered
    assert "<b>" not in rendered and "&lt;b&gt;" in rendered


@given(texts)
@example("a`b``c")
@example("`x` and :material/home:")
def test_code_span_shows_the_text(text: str) -> None:
    rendered = _parser().render(f"x {md_code(text)}")
    if not _normal(text):
        assert md_code(text) == ""
        return
    code = rendered.split("<code>", 1)[1].split("</code>", 1)[0]
    assert html.unescape(code).replace(WORD_JOINER, "") == _normal(text)


@given(texts)
@example("<img src=x onerror=alert(1)> `${alert(1)}` \\u0060 &amp;")
def test_html_text_is_inert_in_html_and_in_a_js_template(text: str) -> None:
    escaped = html_text(text)
    assert not set(escaped) & set("<>\"'`$\\\n")
    assert html.unescape(escaped) == _normal(text)


def test_t_md_escapes_values_not_the_template() -> None:
    message = t_md("review_done", "en", name="*A*", cell="[c](x)", code="1")
    assert "\\*A\\*" in message and "\\[c\\]\\(x\\)" in message
    assert md_escape(None) == md_escape(float("nan")) == ""
