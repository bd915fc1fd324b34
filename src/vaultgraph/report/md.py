"""The report as Markdown that reads well inside Obsidian itself.

Notes are linked with wikilinks by vault path (no ``.md``), so the links
resolve exactly even when names repeat; every note gets its own section and
the table of contents links to those sections.  Vault text is data here: each
string is escaped for where it lands, so no name, link or line of a note can
come out as Markdown or HTML of its own.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any
from urllib.parse import quote

from ..escape import INVISIBLE, visible

# Each string from the vault lands in one of four places, each with its own escaping:
# inline text (_text), a code span (_code), a link (_link), a heading (_headings).
# Inline text: a backslash before each character that can start markup in CommonMark or in
# Obsidian -- code, emphasis, links and embeds, raw HTML and entities, tags, table cells,
# strikethrough, ==highlights==, $math$, %%comments%%, ^block ids and footnotes.
_ESCAPE = str.maketrans({ch: "\\" + ch for ch in "\\`*_[]<>|#&~=$%^"})
# Inside [[...]] Obsidian reads a link, but another renderer (GitHub, pandoc) reads markup:
# a name with one of these is linked as a Markdown link to its percent-encoded path instead.
_MARKUP_IN_NAME = re.compile(r"[<>&`*_~=$%\\]")
# In a heading: what could start markup, or what Obsidian's heading links cannot hold, or
# what moves text -- each becomes a space (the table of contents links to the heading as
# written, so the two still match).
_HEADING_UNSAFE = re.compile(r"[#$%&*:<=>\[\\\]^_`|~]|" + INVISIBLE.pattern)


def _text(value: str) -> str:
    """Inline text that cannot start markup (links, code, HTML, tags, tables), its
    control characters and line breaks shown (``escape.visible``)."""
    return visible(value).translate(_ESCAPE)


def _code(value: str) -> str:
    """``value`` as a code span, shown exactly: fenced with one backtick more than
    its longest run of backticks, padded when it starts or ends with a backtick or
    with a space on both sides (CommonMark removes one space from each end); its
    control characters shown (``escape.visible``)."""
    value = visible(value)
    fence = "`" * (max(map(len, re.findall("`+", value)), default=0) + 1)
    if value.startswith("`") or value.endswith("`") or (
            value.startswith(" ") and value.endswith(" ") and value.strip()):
        value = f" {value} "
    return f"{fence}{value or ' '}{fence}"


def _label(text: str) -> str:
    return text.replace("|", "/").replace("]]", "] ]").replace("\n", " ")


def _link(path: str) -> str:
    """A wikilink by vault path, shown as the note name; a Markdown link to the
    percent-encoded path when the name holds markup (Obsidian resolves both the same
    way, docs/obsidian-rules.md); plain text when Obsidian cannot link the name."""
    target = path[:-3] if path.lower().endswith(".md") else path
    if any(ch in target for ch in "#^|[]") or visible(target) != target:
        return _text(target)  # Obsidian cannot link such a name: plain text
    name = target.rsplit("/", 1)[-1]
    if _MARKUP_IN_NAME.search(target):
        return f"[{_text(name)}]({quote(path)})"
    return f"[[{target}|{_label(name)}]]" if name != target else f"[[{target}]]"


def _headings(entries: list[dict[str, Any]]) -> list[str]:
    """A heading per entry, safe to link to: markup and link syntax replaced by spaces
    (as Obsidian's "copy link to heading" does with link syntax), repeated titles told
    apart by folder."""
    def clean(text: str) -> str:
        return " ".join(_HEADING_UNSAFE.sub(" ", text).split()) or "untitled"

    titles = [clean(e["title"]) for e in entries]
    repeated = {t for t, n in Counter(titles).items() if n > 1}
    return [clean(f"{t} ({e['path'] or 'not written'})") if t in repeated else t
            for t, e in zip(titles, entries)]


def render(report: dict[str, Any]) -> str:
    summary = report["summary"]
    lines = [
        "---", "tags: [vaultgraph-report]", "---",
        f"# Backlink report: {_text(report['vault'])}", "",
        f"{summary['notes']} notes, {summary['backlinks']} backlinks, "
        f"{summary['broken']} broken links, {summary['wanted']} wanted notes.", "",
        "## Contents", "",
    ]
    headings = _headings(report["notes"])
    for entry, heading in zip(report["notes"], headings):
        lines.append(f"- [[#{heading}]] ({entry['backlink_count']})")
    for entry, heading in zip(report["notes"], headings):
        lines += ["", f"## {heading}", ""]
        if entry["exists"]:
            lines.append(f"Note: {_link(entry['path'])} {_code(entry['path'])}")
        else:
            lines.append("Not written yet.")
        if entry["aliases"]:
            lines.append("Aliases: " + ", ".join(_text(a) for a in entry["aliases"]))
        if entry["tags"]:
            lines.append("Tags: " + " ".join(_code(f"#{t}") for t in entry["tags"]))
        lines += ["", f"### Backlinks ({entry['backlink_count']})", ""]
        for link in entry["backlinks"]:
            lines.append(f"- {_link(link['source'])} line {link['line']}: {_text(link['context'])}")
        if entry["outgoing"]:
            lines += ["", f"### Outgoing ({len(entry['outgoing'])})", ""]
            for link in entry["outgoing"]:
                target = _link(link["target"]) if link["target"] else _code(link["raw"])
                lines.append(f"- line {link['line']}: {target} ({link['status']})")
    if report["wanted"]:
        lines += ["", "## Wanted notes", ""]
        for row in report["wanted"]:
            sources = ", ".join(sorted({_link(link["source"]) for link in row["links"]}))
            lines.append(f"- {_code(row['name'])} ({row['notes']}): {sources}")
    if report["broken"]:
        lines += ["", "## Broken links", ""]
        for link in report["broken"]:
            lines.append(f"- {_link(link['source'])} line {link['line']}: {_code(link['raw'])} "
                         f"({link['status']})")
    return "\n".join(lines) + "\n"
