"""Text that JavaScript (UTF-16) escapes produce, made valid Unicode.

Obsidian reads front matter with the ``yaml`` package and canvases with ``JSON.parse``;
both turn ``\\ud83d\\ude00`` into one character (a surrogate pair) and keep a lone
``\\ud800`` as an unpaired code unit, which Obsidian shows as a replacement character.
Python keeps each escape as a surrogate code point, which no output (terminal, SQLite,
files) can encode.  One rule for every such text: pairs are joined, lone surrogates
become U+FFFD.
"""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")


def js_text(text: str) -> str:
    """``text`` with surrogate pairs joined and lone surrogates replaced by U+FFFD."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
