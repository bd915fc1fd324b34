"""Answers shaped as the documented JSON (docs/cli.md): one function per record type.

The app functions return typed records (``app``, ``queries``, ``provenance``); the
functions here turn each into its JSON shape, and nothing else does.  The CLI prints
these dicts as JSON, or hands them to ``render`` for people; the backlink report
(``report``) builds its rows with them too.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING, Any, NamedTuple

from .resolve import fold
from .model import TagInfo

if TYPE_CHECKING:  # (check.py only for a type: a query answered from the index loads no checker)
    from collections.abc import Iterable

    from .answers import Backlink
    from .app import (Dependents, IndexFigures, Mentions, Neighborhood, PathFound,
                      RelatedNotes)
    from .check import CheckResult
    from .model import LinkPlace
    from .provenance import ClaimTree, Dependent, EvidenceGraph, EvidenceStep, NodeInfo
    from .vault import Edge, Vault
    from .queries import (Explained, Explanation, Hop, Hub, Mention, Neighbor, Relation,
                          Stats, SubpathTarget, Wanted, WouldBeLink)


def backlink_row(row: "Backlink") -> dict[str, Any]:
    """A backlink as `backlinks --json` lists it (``node`` only for a canvas's link)."""
    shown = {"source": row.source, "line": row.line, "column": row.column, "kind": row.kind,
             "context": row.context}
    if row.kind == "canvas":
        shown["node"] = row.node
    return shown


class BacklinksAnswer(NamedTuple):
    """`backlinks`' answer as the index gives it: the note's path (``note``) and its
    backlinks (``rows``: answers.Backlink tuples, in vault order).  Its JSON is
    :meth:`as_dict`'s; :meth:`json_text` writes it without a dict per row (a hub's
    answer at 100k notes is 35,000 rows, 11 MB), and ``render.backlinks`` reads the
    rows as they are."""

    note: str
    rows: list[Backlink]

    def as_dict(self) -> dict[str, Any]:
        """`backlinks --json`: the note's path and its backlinks (docs/cli.md)."""
        return {"note": self.note, "backlinks": [backlink_row(row) for row in self.rows]}

    def json_text(self, indent: int | None = None) -> str:
        """``json.dumps(self.as_dict(), ensure_ascii=False, indent=indent,
        default=str)``, character for character (cli.emit_json's call); on one line
        (``indent`` None) written from the rows: each string quoted by json's own C
        quoting (``encode_basestring``), a source path quoted once for its rows."""
        if indent is None:
            try:
                return _backlinks_line(self.note, self.rows)
            except (TypeError, ValueError):  # a value no row of an index has (json decides)
                pass
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=indent, default=str)


def _backlinks_line(note: str, rows: list[Backlink]) -> str:
    """:meth:`BacklinksAnswer.json_text` on one line; TypeError or ValueError for a value
    that is not a str (an int for ``line`` and ``column``; a str or None for ``node``).
    Rows kept by a watcher (answers.KeptRows) keep each source's part: after an edit,
    only the parts of the notes edited are written again."""
    from json.encoder import encode_basestring as quote

    made = getattr(rows, "made", None)
    items = ", ".join(made("json-line", _backlink_items)) if made is not None \
        else _backlink_items(rows)
    return f'{{"note": {quote(note)}, "backlinks": [{items}]}}'


def _backlink_items(rows: "Iterable[Backlink]") -> str:
    """The backlinks' JSON objects of :func:`_backlinks_line`, joined by ``, ``."""
    from json.encoder import encode_basestring as quote

    parts: list[str] = []
    add = parts.append
    last = shown = None
    kinds: dict[str, str] = {}
    for _, source, _, line, column, kind, context, node in rows:
        if source != last or last is None:
            last, shown = source, quote(source)
        kind_shown = kinds.get(kind) or kinds.setdefault(kind, quote(kind))
        if kind == "canvas":
            add(f'{{"source": {shown}, "line": {line:d}, "column": {column:d}, '
                f'"kind": {kind_shown}, "context": {quote(context)}, '
                f'"node": {"null" if node is None else quote(node)}}}')
        else:
            add(f'{{"source": {shown}, "line": {line:d}, "column": {column:d}, '
                f'"kind": {kind_shown}, "context": {quote(context)}}}')
    return ", ".join(parts)


def backlinks_answer(vault: Vault, path: str, include_excluded: bool = False) -> BacklinksAnswer:
    """`backlinks`: the note's path and its backlinks (BacklinksAnswer)."""
    return BacklinksAnswer(path, vault.backlink_rows(path, include_excluded))


def backlinks_view(vault: Vault, path: str, include_excluded: bool = False) -> dict[str, Any]:
    """`backlinks --json`: the note's path and its backlinks."""
    return backlinks_answer(vault, path, include_excluded).as_dict()


def outgoing_json(edge: Edge) -> dict[str, Any]:
    """A link written in a note as `links --json` lists it."""
    link = edge.link
    return {"target": edge.target, "raw": link.raw, "kind": link.kind,
            "line": link.line, "column": link.column, "resolved": edge.resolved}


def report_link_json(edge: Edge, status: str) -> dict[str, Any]:
    """A link written in a note as the backlink report lists it (``status``:
    check.LinkStatus's word for it)."""
    link = edge.link
    return {"target": edge.target, "raw": link.raw, "kind": link.kind,
            "line": link.line, "column": link.column, "status": status}


def links_view(vault: Vault, path: str, include_excluded: bool = False) -> dict[str, Any]:
    """`links --json`: the note's path, its outgoing links (in the order written) and its
    backlinks."""
    outgoing = [outgoing_json(e) for e in vault.outgoing(path)]
    return {"note": path, "outgoing": outgoing,
            "backlinks": backlinks_view(vault, path, include_excluded)["backlinks"]}


def tags_view(index: dict[str, TagInfo]) -> dict[str, Any]:
    """Every tag and every parent of a nested tag, sorted; ``count`` = notes carrying
    exactly that tag, ``total`` = notes carrying it or a tag nested under it.
    ``index``: folded tag -> TagInfo (``Vault.tags()``)."""
    from .vault import tag_names

    nested: dict[str, set[str]] = defaultdict(set)
    for key, info in index.items():
        parts = key.split("/")
        for depth in range(1, len(parts) + 1):
            nested["/".join(parts[:depth])].update(info.notes)
    rows = []
    for key, name in sorted(tag_names(index).items()):
        exact = index[key].notes if key in index else []
        rows.append({"tag": name, "count": len(exact), "total": len(nested[key]),
                     "notes": sorted(exact)})
    return {"tags": rows}


def tag_notes_view(index: dict[str, TagInfo], tag: str) -> dict[str, Any]:
    from .vault import close_tags, notes_with_tag, tag_names

    wanted = tag.strip().lstrip("#").rstrip("/")
    notes = notes_with_tag(index, wanted)
    found = {"tag": tag_names(index).get(fold(wanted), wanted), "notes": notes}
    return found if notes else {**found, "suggestions": close_tags(index, wanted)}


def check_view(result: CheckResult) -> dict[str, Any]:
    return {"diagnostics": [d.to_dict() for d in result.diagnostics],
            "summary": result.summary()}


def statistics_view(result: CheckResult) -> dict[str, Any]:
    """`check --statistics --format json`: one row per code, most findings first."""
    from .lint import statistics

    return {"statistics": [{"code": row.code, "severity": row.severity, "count": row.count}
                           for row in statistics(result.diagnostics)],
            "summary": result.summary()}


def index_view(figures: "IndexFigures") -> dict[str, Any]:
    """`index --json`."""
    return {"notes": figures.notes, "canvases": figures.canvases, "files": figures.files,
            "parsed": figures.parsed, "reused": figures.reused, "removed": figures.removed,
            "rebuilt": figures.rebuilt, "written": figures.written, "location": figures.location}


# -- provenance ----------------------------------------------------------------------
def node_json(node: "NodeInfo") -> dict[str, Any]:
    """A note or external source of a provenance tree, without its evidence."""
    return {"note": node.note, "title": node.title, "role": node.role,
            "identifiers": dict(node.identifiers)}


def evidence_json(step: "EvidenceStep") -> dict[str, Any]:
    """One step of evidence (``cycle`` and ``rests_on`` only for what is followed)."""
    row = node_json(step.node)
    row.update({"via": step.via, "written_in": step.written_in, "line": step.line,
                "locator": step.locator})
    if step.quote:
        row["quote"] = step.quote
    if step.uncited:
        row["uncited"] = True
    if step.rests_on is not None:
        row["cycle"] = step.cycle
        if step.repeated:
            row["repeated"] = True
        row["rests_on"] = [evidence_json(child) for child in step.rests_on]
    return row


def provenance_view(tree: "ClaimTree") -> dict[str, Any]:
    """`provenance CLAIM --json`."""
    verdict = tree.verdict
    return {**node_json(tree.node), "verdict": verdict.verdict, "sourced": verdict.sourced,
            "depth": verdict.depth, "contested": verdict.contested,
            "opposed_by": [evidence_json(step) for step in tree.opposed_by],
            "rests_on": [evidence_json(step) for step in tree.rests_on]}


def dependent_json(row: "Dependent") -> dict[str, Any]:
    found = {**node_json(row.node), "depth": row.depth, "next": row.next}
    if row.chain is not None:
        found["chain"] = list(row.chain)
    return found


def evidence_graph_view(graph: "EvidenceGraph") -> dict[str, Any]:
    """`provenance CLAIM --format graph-json`: nodes (with ``id``) and edges, each once; an
    edge with ``counter`` runs from the claim to what opposes it."""
    verdict = graph.verdict
    return {"claim": graph.claim, "verdict": verdict.verdict, "sourced": verdict.sourced,
            "depth": verdict.depth, "contested": verdict.contested,
            "nodes": [{"id": node_id, **node_json(node)} for node_id, node in graph.nodes.items()],
            "edges": [{"from": edge.holder, "to": edge.target, "via": edge.via,
                       "counter": edge.counter, "written_in": edge.written_in,
                       "line": edge.line, "locator": edge.locator} for edge in graph.edges]}


def dependents_view(found: "Dependents") -> dict[str, Any]:
    """`provenance --dependents SOURCE --json`."""
    return {"source": found.source, "notes": list(found.notes),
            "dependents": [dependent_json(row) for row in found.dependents]}


# -- graph questions -------------------------------------------------------------------
def link_place_json(place: "LinkPlace") -> dict[str, Any]:
    """A link where it is written: a hop of `path`, a link of a `wanted` name."""
    return {"source": place.source, "target": place.target, "line": place.line,
            "column": place.column, "kind": place.kind, "context": place.context}


def wanted_json(row: "Wanted") -> dict[str, Any]:
    return {"name": row.name, "notes": row.notes,
            "links": [link_place_json(link) for link in row.links]}


def wanted_view(rows: "list[Wanted]") -> dict[str, Any]:
    """`wanted --json`."""
    return {"wanted": [wanted_json(row) for row in rows]}


def note_list_view(key: str, paths: list[str]) -> dict[str, Any]:
    """`orphans --json` (``key`` orphans), `deadends --json` (deadends)."""
    return {key: list(paths)}


def neighbor_json(row: "Neighbor") -> dict[str, Any]:
    return {"note": row.note, "distance": row.distance, "via": row.via,
            "direction": row.direction}


def neighbors_view(found: "Neighborhood") -> dict[str, Any]:
    """`neighbors --json`."""
    return {"note": found.note, "depth": found.depth, "direction": found.direction,
            "neighbors": [neighbor_json(row) for row in found.neighbors]}


def hop_json(hop: "Hop") -> dict[str, Any]:
    return {"from": hop.start, "to": hop.end, "direction": hop.direction,
            **link_place_json(hop.link)}


def path_view(found: "PathFound") -> dict[str, Any]:
    """`path --json` (``hops`` null when no chain of links joins the notes)."""
    return {"from": found.start, "to": found.end, "directed": found.directed,
            "hops": None if found.hops is None else [hop_json(hop) for hop in found.hops]}


def hub_json(row: "Hub") -> dict[str, Any]:
    return {"note": row.note, "pagerank": row.pagerank, "in_degree": row.in_degree,
            "out_degree": row.out_degree}


def hubs_view(rows: "list[Hub]") -> dict[str, Any]:
    """`hubs --json`."""
    return {"hubs": [hub_json(row) for row in rows]}


def relation_json(row: "Relation") -> dict[str, Any]:
    return {"note": row.note, "score": row.score,
            "shared": {kind: list(values) for kind, values in row.shared.items()}}


def related_view(found: "RelatedNotes") -> dict[str, Any]:
    """`related --json`."""
    return {"note": found.note, "related": [relation_json(row) for row in found.related]}


def mention_json(row: "Mention") -> dict[str, Any]:
    return {"source": row.source, "line": row.line, "column": row.column, "text": row.text,
            "context": row.context}


def mentions_view(found: "Mentions") -> dict[str, Any]:
    """`mentions --json`."""
    return {"note": found.note, "names": list(found.names),
            "mentions": [mention_json(row) for row in found.mentions]}


def stats_view(found: "Stats") -> dict[str, Any]:
    """`stats --json`."""
    return {"notes": found.notes, "excluded": found.excluded, "attachments": found.attachments,
            "links": found.links, "links_by_kind": dict(found.links_by_kind),
            "unresolved": found.unresolved, "orphans": found.orphans, "tags": found.tags,
            "components": found.components, "diagnostics": dict(found.diagnostics)}


# -- explain -------------------------------------------------------------------------
def _subpath_json(key: str, found: "SubpathTarget") -> dict[str, Any]:
    return {key: found.name, "line": found.line, "available": list(found.available)}


def explained_json(item: "Explained") -> dict[str, Any]:
    """One link explained (``excluded``, ``block``, ``heading`` only when they apply)."""
    row: dict[str, Any] = {
        "source": item.source, "line": item.line, "column": item.column, "kind": item.kind,
        "written": item.written, "path": item.path, "subpath": item.subpath,
        "rule": item.rule, "target": item.target,
        "candidates": [{"path": c.path, "length": c.length, "same_folder": c.same_folder}
                       for c in item.candidates],
        "problems": list(item.problems),
        "findings": [{"code": f.code, "severity": f.severity, "message": f.message,
                      "suggestions": list(f.suggestions)} for f in item.findings],
    }
    if item.excluded:
        row["excluded"] = True
    if item.block is not None:
        row["block"] = _subpath_json("id", item.block)
    elif item.heading is not None:
        row["heading"] = _subpath_json("path", item.heading)
    return row


def would_be_json(row: "WouldBeLink") -> dict[str, Any]:
    return {"line": row.line, "column": row.column, "code": row.code, "severity": row.severity,
            "message": row.message}


def explain_view(found: "Explanation") -> dict[str, Any]:
    """`explain --json`: ``{"links": [...], "would_be_links": [{"line", "column", "code",
    "severity", "message"}]}``: ``would_be_links`` is the text there that looks like a
    link but is not read as one (cut-link, unclosed-link, space-in-link), as check
    reports it; line and column are None for text typed on the command line."""
    return {"links": [explained_json(item) for item in found.links],
            "would_be_links": [would_be_json(row) for row in found.would_be]}


def edit_row(edit) -> dict[str, Any]:
    """An edits.Edit as `mv --json` and `check --fix --json` list it."""
    return {"path": edit.path, "line": edit.line, "column": edit.column, "old": edit.old,
            "new": edit.new, "why": edit.why}


def move_view(result) -> dict[str, Any]:
    """`mv --json` (docs/cli.md): an edits.MoveResult as data."""
    plan = result.plan
    return {
        "source": result.source, "dest": result.dest, "written": result.written,
        "renamed": [{"from": old, "to": new} for old, new in plan.renames.items()],
        "edits": [edit_row(edit) for edit in result.edits],
        "resolution_changes": [
            {"path": c.source, "line": c.line, "column": c.column, "link": c.written,
             "kind": c.kind, "before": c.before, "after": c.after, "rewritten": c.rewritten}
            for c in plan.changes],
        "unread": list(plan.unread),
        "undo": result.undo,
    }
