"""Domain messages in one language: ``中文 / English`` split for the page.

Every domain error (:mod:`grid.errors`) carries its message in both
languages, Chinese first, ``" / "`` between them, one such pair per line
(a change set's problems, an undo refused for several cells).  The pages
show the half of each line in the language chosen: no English in the
Chinese page but codes and names.

The separator is the first ``" / "`` outside brackets and quotes, so a role
label inside the Chinese half (``（网格协调员 / coordinator）``) stays whole.
A line without a separator is shown as it is in both languages.
"""

from __future__ import annotations

#: Opening and closing brackets and quotes a separator must not sit inside.
_PAIRS = {"（": "）", "(": ")", "“": "”", "‘": "’", "「": "」", "[": "]", "【": "】"}
_CLOSERS = {v: k for k, v in _PAIRS.items()}
_SEPARATOR = " / "


def split_line(line: str) -> tuple[str, str]:
    """Return the Chinese and English halves of one message line.

    Examples
    --------
    >>> split_line("用户名或密码错误 / unknown username or wrong password")
    ('用户名或密码错误', 'unknown username or wrong password')
    >>> split_line("用户“li”（分配主管 / manager）无权修改 / user 'li' may not")
    ('用户“li”（分配主管 / manager）无权修改', "user 'li' may not")
    >>> split_line("no separator")
    ('no separator', 'no separator')
    """
    depth: list[str] = []
    for i, char in enumerate(line):
        if char in _PAIRS:
            depth.append(char)
        elif char in _CLOSERS and depth and depth[-1] == _CLOSERS[char]:
            depth.pop()
        elif not depth and line.startswith(_SEPARATOR, i):
            return line[:i].strip(), line[i + len(_SEPARATOR) :].strip()
    return line, line


def localised(message: object, lang: str) -> str:
    r"""Return a bilingual domain message in ``lang`` (``"zh"`` or ``"en"``).

    Examples
    --------
    >>> text = "\n".join(["不能撤销 / cannot be undone", "网格 A 已修改 / A changed"])
    >>> print(localised(text, "zh"))
    不能撤销
    网格 A 已修改
    >>> print(localised(text, "en"))
    cannot be undone
    A changed
    """
    side = 1 if lang == "en" else 0
    lines = str(message).splitlines() or [""]
    return "\n".join(split_line(line)[side] for line in lines)
