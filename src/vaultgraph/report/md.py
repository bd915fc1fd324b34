"""The report as Markdown that reads well inside Obsidian itself.

Notes are linked with wikilinks by vault path (no ``.md``), so the links
resolve exactly even when names repeat; every note gets its own section and
the table of contents links to those sections.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

_ESCAPE = str.maketrans({ch: "\\" + ch for ch in "\\`*_[]<>|#"})


def _text(value: str) -> str:
    """Inline text that cannot start markup (links, code, HTML, tags, tables)."""
    return value.replace("\n", " ").translate(_ESCAPE)


def _label(text: str) -> str:
    return text.replace("|", "/").replace("]]", "] ]").replace("\n", " ")


def _link(path: str) -> str:
    """A wikilink by vault path, shown as the note name."""
    target = path[:-3] if path.lower().endswith(".md") else path
    if any(ch in target for ch in "#^|[]\n\r"):
        return _text(target)  # Obsidian cannot link such a name: plain text
    name = target.rsplit("/", 1)[-1]
    return f"[[{target}|{_label(name)}]]" if name != target else f"[[{target}]]"


def _headings(entries: list[dict[str, Any]]) -> list[str]:
    """A heading per entry, safe to link to: link syntax replaced by spaces (as
    Obsidian's "copy link to heading" does), repeated titles told apart by folder."""
    def clean(text: str) -> str:
        return " ".join(re.sub(r"[#|^\[\]:%\\]", " ", text).split()) or "untitled"

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
            lines.append(f"Note: {_link(entry['path'])} `{entry['path']}`")
        else:
            lines.append("Not written yet.")
        if entry["aliases"]:
            lines.append("Aliases: " + ", ".join(_text(a) for a in entry["aliases"]))
        if entry["tags"]:
            lines.append("Tags: " + " ".join(f"`#{t}`" for t in entry["tags"]))
        lines += ["", f"### Backlinks ({entry['backlink_count']})", ""]
        for link in entry["backlinks"]:
            lines.append(f"- {_link(link['source'])} line {link['line']}: {_text(link['context'])}")
        if entry["outgoing"]:
            lines += ["", f"### Outgoing ({len(entry['outgoing'])})", ""]
            for link in entry["outgoing"]:
                target = _link(link["target"]) if link["target"] else f"`{link['raw']}`"
                lines.append(f"- line {link['line']}: {target} ({link['status']})")
    if report["wanted"]:
        lines += ["", "## Wanted notes", ""]
        for row in report["wanted"]:
            sources = ", ".join(sorted({_link(link["source"]) for link in row["links"]}))
            lines.append(f"- `{row['name']}` ({row['notes']}): {sources}")
    if report["broken"]:
        lines += ["", "## Broken links", ""]
        for link in report["broken"]:
            lines.append(f"- {_link(link['source'])} line {link['line']}: `{link['raw']}` ({link['status']})")
    return "\n".join(lines) + "\n"
