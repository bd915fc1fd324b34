"""Vault text made safe for where it lands: a terminal, a document, an XML file.

Vault text is hostile data: a note's text or a file name can hold any character.
``terminal`` is the one escaping of text printed for people (every human output
of the CLI goes through it); ``visible``, its first half, that of text in a
document people read (the Markdown report builds on it, ``report/md.py``);
``xml_chars`` that of text in XML 1.0 (GraphML, GEXF).
"""

from __future__ import annotations

import re

# C0 controls but tab, DEL and C1 controls (ESC starts a terminal escape sequence: `ESC ]52;`
# writes the clipboard, `ESC [2J` clears the screen; U+009B is a one-character CSI; a
# newline or carriage return forges a whole output line), the Unicode line and paragraph
# separators, and the bidirectional overrides and isolates, which reorder what a line shows
# ("Trojan Source", CVE-2021-42574).
INVISIBLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r"}


def _shown(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` for a terminal or a document people read: every control character
    but tab (and each character that moves or reorders text) written as an escape a
    person can see -- ``\\n``, ``\\r``, ``\\x1b``, ``\\u202e`` -- so vault text cannot
    run terminal escape sequences or start an output line of its own.

    A backslash is left as it is (``\\n`` in the output is then either a newline of
    the vault's text or the two characters it was written with): paths and LaTeX
    read better that way, and no output line can be forged with one."""
    if INVISIBLE.search(text) is None:  # the usual case: no new string
        return text
    return INVISIBLE.sub(_shown, text)


# GitHub Actions runs a workflow command from any line of a job's output: `::cmd::` at the
# start of a line (after spaces), or the legacy `##[cmd]` anywhere in it (actions/runner,
# ActionCommand.TryParseV2 and TryParse, both tried by ActionCommandManager).
_COMMAND_START = re.compile(r"\A\s*:(?=:)")


def terminal(text: str) -> str:
    """``visible(text)``, and no GitHub Actions workflow command: a leading ``::``
    (after spaces) has its first colon written ``\\x3a`` and ``##[`` is written
    ``##\\x5b``, so `check` (or any command) run in CI cannot be made to print a
    forged ``::error``/``##[error]`` line, nor ``stop-commands``.  Each string a
    renderer prints from the vault (paths, names, link text, context) goes through
    this, part by part: a line can start only with a part."""
    text = visible(text)
    if ":" in text:
        text = _COMMAND_START.sub(lambda m: m.group()[:-1] + "\\x3a", text, count=1)
    if "##[" in text:
        text = text.replace("##[", "##\\x5b")
    return text


# What XML 1.0 forbids (section 2.2): C0 controls but tab, newline and carriage return;
# lone surrogates (a file name that is not UTF-8, decoded with surrogateescape); U+FFFE, U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_chars(text: str) -> str:
    """``text`` with each character XML 1.0 forbids written as a visible escape
    (``\\x01``, ``\\udcff``), so an XML parser reads the document; the rest of the
    text (and which strings differ) is kept."""
    if _NOT_XML.search(text) is None:
        return text
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", text)
