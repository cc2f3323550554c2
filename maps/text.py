r"""Outside text made safe to show: in Streamlit Markdown, in HTML, in folium.

Names, addresses, reasons and flags come from registry files and the
database; a page must show them as they are, never as markup.  Streamlit
renders every ``st.markdown``, ``st.caption``, ``st.success`` …, title,
widget label, button label, expander label, radio option and ``help`` text
as Markdown, so an employer called ``[点击领取补贴](https://…)`` would
become a live link and ``**粗体** $x$ :red[红]`` bold text, a formula and red
text.  (Selectbox and multiselect options and dataframe cells are plain
text: they need nothing.)

* :func:`md_escape` for Markdown;
* :func:`md_code` for a value shown as inline code;
* :func:`html_text` for HTML: ``unsafe_allow_html`` snippets, folium
  tooltips and popups;
* :func:`t_md`: :func:`maps.i18n.t` with every value passed through
  :func:`md_escape`.

How Streamlit (1.4x–1.6x) turns Markdown into a page, and what each escape
is for:

* CommonMark and GFM syntax (links, emphasis, headings, lists, tables,
  strikethrough, code), remark-math (``$x$``, ``$$x$$``) and
  remark-directive (``:red[…]``, ``:small[…]``, ``:help[…]``): a backslash
  before every ASCII punctuation character turns each of them into the
  character itself;
* before parsing, ``:material/`` in the source becomes ``:material_``, so
  ``/`` is escaped too (``\:material\/`` does not match);
* emoji shortcodes (``:smile:``) are replaced only when the *source*
  matches ``:word:``; every escaped ``:`` is followed by ``\``
  or other escaped text, so the source never does;
* after parsing, plain text is rewritten by patterns no escape can stop
  (they run on the unescaped text): GFM literal autolinks (``https://…``,
  ``www.…``, ``a@b.cn``), ``:streamlit:`` (a logo), ``:material_x:`` (an
  icon) and typographic arrows (`` -> `` becomes →, `` -- `` —, `` >= `` ≥).
  There an invisible WORD JOINER (U+2060) is put between the characters, so
  the text reads the same and no pattern matches;
* runs of white space, line breaks included, become one space, and the text
  is stripped: a line break in Markdown is white space anyway, and a blank
  line or an indented line would start a new block.

A bare ``:`` put right after escaped text that ends in a word would give the
emoji detector a ``:word:`` again; the pages' templates never do that.
"""

from __future__ import annotations

import html
import math
import re
import string

from maps.i18n import t

#: Invisible, unbreakable: splits a pattern without changing what is read.
WORD_JOINER = "\u2060"
_PUNCTUATION = frozenset(string.punctuation)
_SPACE = re.compile(r"[ \t\r\n\f\v]+")
# places where Streamlit would still rewrite the unescaped text after parsing
_REWRITTEN = re.compile(
    r"(?<=:)(?=//)"  # http:// https:// (GFM literal autolinks)
    r"|(?i:(?<=www))(?=\.)"  # www.example.com
    r"|(?=@)"  # a@example.com, mailto:
    r"|(?<=:)(?=streamlit:|material_)"  # :streamlit: logo, :material_x: icons
    r"|(?<=-)(?=[->])|(?<=<)(?=[-=])|(?<=[>~])(?==)"  # -- -> <- <-> <= >= ~=
)
_JS_TEMPLATE = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})


def _plain(value: object) -> str:
    """Return a value as one line of text; missing values (None, NaN) as ``""``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return _SPACE.sub(" ", str(value)).strip()


def md_escape(value: object) -> str:
    r"""Return ``value`` as Markdown that Streamlit shows as the same text.

    Parameters
    ----------
    value : object
        Any value; ``None`` and NaN give ``""``.

    Returns
    -------
    str
        The text on one line, every ASCII punctuation character
        backslash-escaped, a WORD JOINER inside autolinks, ``:streamlit:``,
        ``:material_…:`` and arrows (see the module notes).

    Examples
    --------
    >>> print(md_escape("**粗体** $x$ :red[红]"))
    \*\*粗体\*\* \$x\$ \:red\[红\]
    >>> md_escape("[点击](https://x.cn)").replace(WORD_JOINER, "~")
    '\\[点击\\]\\(https\\:~\\/\\/x\\.cn\\)'
    >>> md_escape(None), md_escape(float("nan")), md_escape(" a\n\n b ")
    ('', '', 'a b')
    """
    text = _REWRITTEN.sub(WORD_JOINER, _plain(value))
    return "".join(f"\\{c}" if c in _PUNCTUATION else c for c in text)


def md_code(value: object) -> str:
    """Return ``value`` as a Markdown inline code span showing it verbatim.

    The fence is one backtick longer than the longest run inside, padded with
    spaces when the text starts or ends with a backtick (CommonMark).

    Examples
    --------
    >>> md_code("370211001"), md_code("a`b")
    ('`370211001`', '``a`b``')
    """
    text = _plain(value).replace(":material/", f":{WORD_JOINER}material/")
    runs = [len(r) for r in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}" if text else ""


def html_text(value: object) -> str:
    r"""Return ``value`` escaped for HTML, on one line, safe in a JS template.

    For ``st.markdown(..., unsafe_allow_html=True)`` (an HTML block ends at a
    blank line, so line breaks become spaces) and for folium tooltips, which
    folium puts inside a JavaScript template literal (so `````, ``$`` and
    ``\`` become character references too).

    Examples
    --------
    >>> html_text("<b>A&B</b> `${x}`")
    '&lt;b&gt;A&amp;B&lt;/b&gt; &#96;&#36;{x}&#96;'
    """
    return html.escape(_plain(value)).translate(_JS_TEMPLATE)


def t_md(key: str, lang: str, **values: object) -> str:
    r"""Return :func:`maps.i18n.t` of ``key`` with every value Markdown-escaped.

    For messages that quote outside text (a name, an error, a typed code).

    Examples
    --------
    >>> print(t_md("review_failed", "en", error="*no*"))
    Could not place: \*no\*
    """
    return t(key, lang, **{k: md_escape(v) for k, v in values.items()})
