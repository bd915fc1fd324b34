"""Human-readable output of the view dicts (rich styles on a TTY, plain text otherwise).

Every string from the vault goes through ``Text`` objects, never rich markup,
so a note called ``[bold]x`` prints as written; and through ``escape.terminal``
(in ``_text``, ``_Lines.add`` and the evidence labels), so its control characters
show as ``\\x1b``, ``\\n`` instead of reaching the terminal.
"""

from __future__ import annotations

from itertools import groupby
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Callable

from rich.console import Console
from rich.text import Text

from .check import CheckResult
from .escape import terminal

if TYPE_CHECKING:
    from .views import BacklinksAnswer

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow"}


def _count(n: int, what: str) -> str:
    """``1 error``, ``2 errors``: ``what`` is a noun made plural by an ``s``."""
    return f"{n} {what}{'' if n == 1 else 's'}"


def _safe(part: tuple[str, str] | str | Text) -> tuple[str, str] | str | Text:
    """A part of a line with its text escaped for the terminal (``escape.terminal``);
    a ``Text`` is made of parts already escaped."""
    if isinstance(part, str):
        return terminal(part)
    if isinstance(part, tuple):
        return terminal(part[0]), part[1]
    return part


def _text(*parts: tuple[str, str] | str | Text) -> Text:
    """``Text.assemble`` of ``parts``, (text, style) pairs or plain text, escaped."""
    return Text.assemble(*map(_safe, parts))


def _line(console: Console, *parts: tuple[str, str] | str | Text) -> None:
    console.print(_text(*parts))


def _hanging(console: Console, head: tuple, *body: tuple[str, str] | str | Text) -> None:
    """One line of ``head`` parts then ``body`` parts; on a terminal narrower than the
    line, the body is wrapped at spaces, its next lines indented under its start (a
    hanging indent), not cut by the terminal at column 1.  Piped, one line."""
    start, rest = _text(*head), _text(*body)
    room = console.width - start.cell_len
    if start.cell_len + rest.cell_len <= console.width or room < 20:
        console.print(start + rest)
        return
    indent = " " * start.cell_len
    for number, piece in enumerate(rest.wrap(console, room, overflow="fold")):
        piece.rstrip()
        console.print(Text.assemble(start if number == 0 else indent, piece))


class _Lines:
    """Lines printed many at a time: rich's cost is mostly per print, and a check of
    a large vault prints tens of thousands.  Where rich would print a line as it is
    (no colours: not a terminal), the line is written directly."""

    def __init__(self, console: Console):
        self.console, self.text, self.count = console, Text(), 0
        self.direct = console.color_system is None and not console.is_terminal
        self.written: list[str] = []

    def add(self, *parts: tuple[str, str] | str, head: int = 0) -> None:
        """One line of ``parts``; ``head``: how many of them stay on the first line
        when a line too long for the terminal is wrapped (:func:`_hanging`)."""
        parts = tuple(map(_safe, parts))
        if head and not self.direct:
            text = Text.assemble(*parts)
            if text.cell_len > self.console.width:
                self.flush()
                _hanging(self.console, parts[:head], *parts[head:])
                return
        if self.direct:
            if self.add_direct("".join(part if isinstance(part, str) else part[0]
                                       for part in parts)):
                return
            if self.written:
                self.flush()
        self.text.append_text(Text.assemble(*parts))
        self.text.append("\n")
        self.count += 1
        if self.count % 1000 == 0:
            self.flush()

    def add_direct(self, line: str) -> bool:
        """Write ``line`` (its parts' text joined, each escaped by ``escape.terminal``)
        as it is, when rich would print it so (no colours: not a terminal; nothing rich
        rewrites): whether it did; else the caller gives its parts to :meth:`add`.
        (What rich changes in text it prints without styles: tabs, expanded by cell
        width, and the control codes it strips -- BEL, BS, VT, FF, CR -- which
        ``terminal`` has escaped: of those, escaped text can hold only a tab.)"""
        if not self.direct or "\t" in line:
            return False
        if self.text:
            self.flush()
        self.written.append(line)
        if len(self.written) >= 1000:
            self.flush()
        return True

    def flush(self) -> None:
        """Print what is gathered (lines of one kind: add flushes the other first)."""
        if self.written:
            self.console.file.write("\n".join(self.written) + "\n")
            self.written = []
        if self.text:
            self.console.print(self.text, end="")
            self.text = Text()


def backlinks(console: Console, data: "BacklinksAnswer", title: bool = True) -> None:
    """`backlinks`: the note, then each note linking to it and, under it, each link's
    line:column, context and kind.  Piped, each line is written as rich would print it
    (``_Lines.add_direct``), its vault text escaped once: no rich object per row (a hub
    at 100k notes has 35,000)."""
    rows = data.rows
    sources = len({row[1] for row in rows})
    if title:
        _line(console, (data.note, "bold"))
    _line(console, ("Backlinks", "bold cyan"), f" ({len(rows)} from {_count(sources, 'note')})")
    lines = _Lines(console)
    kinds: dict[str, str] = {}
    for source, group in groupby(rows, key=itemgetter(1)):
        if not lines.add_direct("  " + terminal(source)):
            lines.add("  ", (source, "green"), head=1)
        for row in group:
            _, _, _, line, column, kind, context, _ = row
            kind = "" if kind == "link" else f" [{kind}]"
            where = f"{line:>4}:{column:<3}"
            shown = kinds.get(kind)
            if shown is None:
                shown = kinds[kind] = terminal(kind)
            if not lines.add_direct(f"    {where} {terminal(context)}{shown}"):
                lines.add("    ", (where, "dim"), " ", context, (kind, "dim"), head=3)
    lines.flush()


def links(console: Console, data: dict[str, Any]) -> None:
    _line(console, (data["note"], "bold"))
    rows = data["outgoing"]
    broken = sum(not r["resolved"] for r in rows)
    _line(console, ("Outgoing", "bold cyan"), f" ({_count(len(rows), 'link')}, {broken} unresolved)")
    for row in rows:
        target = (row["target"], "green") if row["resolved"] else (
            f"{row['raw']} (unresolved)", "red")
        _line(console, "    ", (f"{row['line']:>4}:{row['column']:<3}", "dim"), " -> ", target,
              (f" [{row['kind']}]", "dim"))
    from .views import BacklinksAnswer

    backlinks(console, BacklinksAnswer(data["note"], [
        (None, row["source"], None, row["line"], row["column"], row["kind"], row["context"],
         row.get("node")) for row in data["backlinks"]]), title=False)


def tag_tree(console: Console, data: dict[str, Any]) -> None:
    rows = data["tags"]
    if not rows:
        _line(console, ("no tags", "dim"))
    for row in rows:
        depth = row["tag"].count("/")
        label = row["tag"].rsplit("/", 1)[-1]
        counts = f"{row['count']}" if row["count"] == row["total"] else (
            f"{row['count']} ({row['total']} with nested)")
        _line(console, "  " * depth, ("#" + label, "cyan"), "  ", (counts, "dim"))
    _line(console, (_count(len(rows), "tag"), "dim"))


def tag_notes(console: Console, data: dict[str, Any]) -> None:
    _line(console, ("#" + data["tag"], "bold cyan"), f" ({_count(len(data['notes']), 'note')})")
    for path in data["notes"]:
        _line(console, "  ", path)
    if data.get("suggestions"):
        _line(console, "  did you mean ", ", ".join("#" + tag for tag in data["suggestions"]), "?")


def check_summary(result: CheckResult) -> str:
    """The last line of check's text and github output, with the count of each code:
    ``62 notes checked: 3 errors (2 unresolved-link, 1 missing-heading), 0 warnings``."""
    from .lint import counts_by_severity

    by = counts_by_severity(result.diagnostics)

    def part(n: int, what: str, codes) -> str:
        inner = ", ".join(f"{count} {code}" for code, count in codes)
        return _count(n, what) + (f" ({inner})" if inner else "")

    return (f"{_count(result.notes, 'note')} checked: "
            f"{part(result.errors, 'error', by['error'])}, "
            f"{part(result.warnings, 'warning', by['warning'])}")


# `check`'s text output groups a repeated cause (one code, target and message): the
# first GROUP_SHOWN findings, then one line for the rest, when at least two are left.
GROUP_SHOWN = 3


def check_text(console: Console, result: CheckResult, show: Callable[[str], str],
               group: bool = True) -> None:
    """One line per finding (``path:line:col: severity[code] message``) and the summary;
    with ``group``, of the findings sharing code, target and message, the first
    :data:`GROUP_SHOWN` and ``… and N more in M notes``."""
    hidden: set[int] = set()  # ids of the findings not shown
    rest: dict[int, tuple[int, int]] = {}  # id of the last shown of a group -> (N, M)
    if group:
        causes: dict[tuple, list] = {}
        for d in result.diagnostics:
            causes.setdefault((d.code, d.target, d.message), []).append(d)
        for found in causes.values():
            if len(found) >= GROUP_SHOWN + 2:
                left = found[GROUP_SHOWN:]
                hidden.update(map(id, left))
                rest[id(found[GROUP_SHOWN - 1])] = (len(left), len({d.path for d in left}))
    lines = _Lines(console)
    for d in result.diagnostics:
        if hidden and id(d) in hidden:
            continue
        lines.add(f"{show(d.path)}:{d.line}:{d.column}: ",
                  (f"{d.severity}[{d.code}]", SEVERITY_STYLE.get(d.severity, "")), f" {d.message}")
        if id(d) in rest:
            more, notes = rest[id(d)]
            lines.add((f"  … and {more} more in {_count(notes, 'note')} (--no-group lists them)",
                       "dim"))
    style = "bold red" if result.errors else "bold green"
    lines.add((check_summary(result), style))
    lines.flush()


def check_statistics(console: Console, result: CheckResult) -> None:
    """``check --statistics``: one line per code, ``COUNT  CODE  SEVERITY``, most
    findings first (ruff's ``--statistics``), then the summary."""
    from .lint import statistics

    rows = statistics(result.diagnostics)
    lines = _Lines(console)
    if rows:
        width = max(len(str(row.count)) for row in rows)
        code_width = max(len(row.code) for row in rows)
        for row in rows:
            lines.add(f"{row.count:>{width}}  {row.code:<{code_width}}  ",
                      (str(row.severity), SEVERITY_STYLE.get(row.severity, "")))
    lines.add((check_summary(result), "bold red" if result.errors else "bold green"))
    lines.flush()


def _escape_annotation(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_annotations(result: CheckResult, show: Callable[[str], str]) -> None:
    """GitHub Actions workflow commands, one per diagnostic."""
    import click

    for d in result.diagnostics:
        kind = "error" if d.severity == "error" else "warning"
        # The file's line breaks as GitHub decodes them (%0A: the annotation finds the file),
        # its other control characters shown (GitHub decodes no other).
        where = terminal(_escape_annotation(show(d.path)).replace(",", "%2C").replace(":", "%3A"))
        click.echo(f"::{kind} file={where},line={d.line},col={d.column},"
                   f"title={d.code}::{_escape_annotation(terminal(d.message))}")
    click.echo(check_summary(result))


def _evidence_label(node: dict[str, Any]) -> Text:
    parts: list[tuple[str, str] | str] = []
    if node.get("quote") is not None:
        parts += [(node["title"], "bold"), " (quoted): ", (f'"{node["quote"]}"', "italic")]
    else:
        style = {"source": "bold green", "claim": "cyan", "missing": "red"}.get(node["role"], "")
        identifiers = dict(node.get("identifiers", {}))
        title = node["title"]
        for kind, value in list(identifiers.items()):
            if value == title:  # an identifier outside the vault is its title: said once
                title = value if kind == "url" else f"{kind}:{value}"
                del identifiers[kind]
        parts += [(title, style), (f" [{node['role']}]", "dim")]
        for kind, value in identifiers.items():
            parts.append((f" {kind}:{value}" if kind != "url" else f" {value}", "green"))
    if "via" in node:
        parts.append((f"  via {node['via']}", "dim"))
        if node.get("locator"):
            parts.append((f", {node['locator']}", "yellow"))
        parts.append((f" (line {node['line']})", "dim"))
    if node.get("cycle"):
        parts.append(("  (cycle: already on this path)", "red"))
    if node.get("uncited"):
        parts.append(("  (tied to no citation: not counted as a source)", "red"))
    if node.get("repeated"):
        parts.append(("  (its evidence is shown above)", "dim"))
    return _text(*parts)


def provenance_tree(console: Console, data: dict[str, Any]) -> None:
    from rich.tree import Tree

    def grow(branch, children):
        for child in children:
            grow(branch.add(_evidence_label(child)), child["rests_on"])

    verdict = data["verdict"].replace("-", " ")
    if data["contested"]:  # what supports it, besides what opposes it
        verdict += {"directly": ", yet sourced directly", "indirectly": ", yet sourced indirectly",
                    "no": " and unsourced"}[data["sourced"]]
    if data["sourced"] == "indirectly":
        verdict += f" (nearest source {data['depth']} steps away)"
    if data["role"] == "source" and not data["contested"]:
        verdict = "a source itself"  # asked of a source: say what it is, not "unsourced"
    elif data["role"] != "claim":
        verdict = f"a {data['role']}, not a claim; {verdict}"
    root = _text((data["title"], "bold"), (f" [{data['role']}]", "dim"), "  -- ",
                         (verdict, "bold red" if data["verdict"] in ("unsourced", "contested")
                          else "bold green"))
    tree = Tree(root)
    grow(tree, data["rests_on"])
    for counter in data["opposed_by"]:
        tree.add(_text(("opposed by ", "bold red"), _evidence_label(counter)))
    console.print(tree)


def provenance_dependents(console: Console, data: dict[str, Any]) -> None:
    claims = data["dependents"]
    _line(console, ("Claims resting on ", "bold"), (data["source"], "bold green"),
          f" ({len(claims)})")
    for row in claims:
        _line(console, "  ", (f"{row['depth']}", "dim"), "  ", (row["note"], "cyan"))
        if row.get("chain") is not None:
            if len(row["chain"]) > 2:
                _hanging(console, ("       via ",), (" -> ".join(row["chain"][1:-1]), "dim"))
        elif row["next"] is not None and row["depth"] > 1:
            _hanging(console, ("       via ",), (row["next"], "dim"))


def note_list(console: Console, title: str, paths: list[str]) -> None:
    _line(console, (title, "bold cyan"), f" ({len(paths)})")
    for path in paths:
        _line(console, "  ", path)


def wanted(console: Console, rows: list[dict[str, Any]]) -> None:
    _line(console, ("Wanted notes", "bold cyan"),
          f" ({_count(len(rows), 'name')} nobody has written)")
    for row in rows:
        _line(console, (f"{row['notes']:>4}", "bold"), "  ", (row["name"], "red"))
        for link in row["links"]:
            _line(console, "        ", (f"{link['source']}:{link['line']}", "dim"))


def neighbors(console: Console, data: dict[str, Any]) -> None:
    _line(console, (data["note"], "bold"), f" -- {_count(len(data['neighbors']), 'note')} within "
          f"{_count(data['depth'], 'link')} ({data['direction']})")
    arrows = {"out": "->", "in": "<-", "both": "<->"}
    for row in data["neighbors"]:
        _hanging(console, ("  " * row["distance"], (arrows[row["direction"]], "dim"), " "),
                 (row["note"], "green"),
                 (f"  (via {row['via']})" if row["distance"] > 1 else "", "dim"))


def path(console: Console, data: dict[str, Any]) -> None:
    if data["hops"] is None:
        _line(console, ("no path", "bold red"), f" between {data['from']} and {data['to']}")
        return
    _line(console, (data["from"], "bold"))
    for hop in data["hops"]:
        arrow = "-> " if hop["direction"] == "out" else "<- "
        _hanging(console, ("  ", (arrow, "cyan")), (hop["to"], "bold"),
                 (f"   {hop['source']}:{hop['line']}: ", "dim"), hop["context"])


def hubs(console: Console, rows: list[dict[str, Any]]) -> None:
    _line(console, ("PageRank  in  out  note", "bold"))
    for row in rows:
        _line(console, f"{row['pagerank']:.4f}  {row['in_degree']:>3}  {row['out_degree']:>3}  ",
              (row["note"], "green"))


def related(console: Console, data: dict[str, Any]) -> None:
    _line(console, ("Related to ", "bold"), (data["note"], "bold"))
    labels = {"cited-with": "linked from", "links-to": "both link to", "tag": "tags"}
    for row in data["related"]:
        _hanging(console, (f"  {row['score']:.3f}  ",), (row["note"], "green"))
        for kind, values in row["shared"].items():
            _hanging(console, ("         ", (f"{labels[kind]}: ", "dim")), ", ".join(values))


def mentions(console: Console, data: dict[str, Any]) -> None:
    rows = data["mentions"]
    _line(console, ("Unlinked mentions of ", "bold"), (" / ".join(data["names"]), "bold"),
          f" ({len(rows)})")
    for source, group in groupby(rows, key=lambda r: r["source"]):
        _line(console, "  ", (source, "green"))
        for row in group:
            _hanging(console, ("    ", (f"{row['line']:>4}:{row['column']:<3}", "dim"), " "),
                     row["context"])


def stats(console: Console, data: dict[str, Any]) -> None:
    # Long names (property:link-in-frontmatter-to-heading) widen the column, up to 60.
    width = min(60, max([24, *(len(name) + 1 for value in data.values()
                               if isinstance(value, dict) for name in value)]))
    for key, value in data.items():
        if isinstance(value, dict):
            _line(console, (f"{key}:", "bold"))
            for name, count in value.items():
                _line(console, f"  {name:<{width}}{count:>8}")
        else:
            _line(console, (f"{key + ':':<{width + 2}}", "bold"), f"{value:>8}")


def explain(console: Console, data: dict[str, Any]) -> None:
    if not data["links"] and not data["would_be_links"]:
        _line(console, ("no link there", "dim"))
    for item in data["links"]:
        where = f"{item['source']}:{item['line']}:{item['column']}" if item["line"] else (
            f"from {item['source'] or 'the vault root'}")
        _line(console, (item["written"], "bold"), (f"  {where}", "dim"))
        rule = {"self": "empty path: the note itself", "relative": "relative path, exact match",
                "exact": "exact vault path", "same-folder": "a match in the note's own folder",
                "shortest": "shortest matching path", "tie": "several matches of equal length",
                "unresolved": "no match"}[item["rule"]]
        _line(console, "  rule:      ", (rule, "cyan"))
        for candidate in item["candidates"]:
            mark = "*" if candidate["path"] == item["target"] else " "
            _line(console, f"  {mark} candidate ", candidate["path"],
                  (f"  ({candidate['length']} chars{', same folder' if candidate['same_folder'] else ''})", "dim"))
        if item["target"]:
            _line(console, "  target:    ", (item["target"], "green"),
                  (" (excluded file)" if item.get("excluded") else "", "yellow"))
        if "heading" in item:
            found = item["heading"]["line"]
            _line(console, "  heading:   ", ("#".join(item["heading"]["path"]), "bold"),
                  (f" found on line {found}" if found else " not found", "green" if found else "red"))
            if not found:
                for heading in item["heading"]["available"]:
                    _line(console, "             ", (heading, "dim"))
        if "block" in item:
            found = item["block"]["line"]
            _line(console, "  block:     ", ("^" + item["block"]["id"], "bold"),
                  (f" found on line {found}" if found else " not found", "green" if found else "red"))
            if not found and item["block"]["available"]:
                _line(console, "             ", (" ".join("^" + b for b in item["block"]["available"]), "dim"))
        for problem in item["problems"]:
            _line(console, "  problem:   ", (problem, "red"))
    for item in data["would_be_links"]:  # text that looks like a link but is none
        where = f"  line {item['line']}, column {item['column']}" if item["line"] else ""
        _line(console, ("not a link", "bold"), (where, "dim"))
        _line(console, "  problem:   ", (f"{item['message']} [{item['code']}]", "red"))


def move_text(data: dict[str, Any], diff: str | None = None) -> str:
    """`mv` for people, from views.move_view (vault text escaped for the terminal);
    with ``diff`` (a dry run), the unified diff first."""
    lines = [] if diff is None else [terminal(line) for line in diff.splitlines()]
    verb = "moved" if data["written"] else "would move"
    renamed = data["renamed"]
    lines.append(f"{verb} {terminal(data['source'])} -> {terminal(data['dest'])}"
                 + (f" ({_count(len(renamed), 'file')})" if len(renamed) != 1 else ""))
    edits = data["edits"]
    files = len({edit["path"] for edit in edits})
    lines.append(f"{'rewrote' if data['written'] else 'would rewrite'} "
                 f"{_count(len(edits), 'link')} in {_count(files, 'file')}")
    if diff is None:
        for edit in edits:
            lines.append(f"  {terminal(edit['path'])}:{edit['line']}:{edit['column']}: "
                         f"{terminal(edit['old'])} -> {terminal(edit['new'])}")
    for change in data["resolution_changes"]:
        after = terminal(change["after"]) if change["after"] else "nowhere"
        before = terminal(change["before"]) if change["before"] else "nowhere"
        state = ("rewritten to keep its target" if change["rewritten"]
                 else "not rewritten (--keep-resolution keeps its target)")
        lines.append(f"{change['kind']}: {terminal(change['path'])}:{change['line']}:"
                     f"{change['column']}: {terminal(change['link'])} led to {before}, "
                     f"would lead to {after}; {state}")
    for path in data["unread"]:
        lines.append(f"not read (too large, unreadable or not parsed): {terminal(path)}; "
                     "a link in it is not rewritten")
    if data["written"]:
        lines.append(f"undo: {terminal(data['undo'])}")
    return "\n".join(lines)


def fixes_text(plan, written: bool) -> str:
    """`check --fix`/`--diff`: the diff of the fixes (``--diff``) or one line per fix
    made, then a count; vault text escaped for the terminal."""
    edits = [edit for path in sorted(plan.edits)
             for edit in sorted(plan.edits[path], key=lambda e: e.start)]
    if written:
        lines = [f"{terminal(e.path)}:{e.line}:{e.column}: fixed {terminal(e.old)} -> "
                 f"{terminal(e.new)}" for e in edits]
    else:
        lines = [terminal(line) for line in plan.diff().splitlines()]
    lines.append(f"{'fixed' if written else 'would fix'} {_count(len(edits), 'finding')} "
                 f"in {_count(len(plan.edits), 'file')}")
    return "\n".join(lines) + "\n"
