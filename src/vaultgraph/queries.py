"""Questions asked of the concept graph: orphans, dead ends, wanted notes,
neighbourhoods, paths, hubs, related notes, unlinked mentions, stats, explain.

Every query leaves out notes matched by Obsidian's "Excluded files" unless
``include_excluded`` is set, both as answers and as link sources.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

from .broken import BrokenLinks, is_attachment_link
from .codes import Code
from .resolve import find_block, find_heading, fold, folder_of, split_subpath

if TYPE_CHECKING:
    import networkx as nx

    from .model import Link
    from .vault import Edge, Vault


def _visible(vault: "Vault", include_excluded: bool) -> list[str]:
    return [p for p in vault.notes if include_excluded or not vault.is_excluded(p)]


def _visible_canvases(vault: "Vault", include_excluded: bool) -> list[str]:
    return [p for p in vault.canvases if include_excluded or not vault.is_excluded(p)]


def note_links(vault: "Vault", include_excluded: bool = False) -> dict[tuple[str, str], list["Edge"]]:
    """(source, target) -> the link occurrences between two different visible notes."""
    visible = set(_visible(vault, include_excluded))
    pairs: dict[tuple[str, str], list[Edge]] = defaultdict(list)
    for edge in vault.edges:
        if edge.source in visible and edge.target in visible and edge.target != edge.source:
            pairs[(edge.source, edge.target)].append(edge)
    return pairs


def note_graph(vault: "Vault", include_excluded: bool = False) -> "nx.DiGraph":
    """Visible notes; an edge per linked pair with ``weight`` = number of links."""
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from(_visible(vault, include_excluded))
    for (source, target), edges in note_links(vault, include_excluded).items():
        graph.add_edge(source, target, weight=len(edges), edges=edges)
    return graph


def hop(edge: "Edge") -> dict[str, Any]:
    link = edge.link
    return {"source": edge.source, "target": edge.target, "line": link.line,
            "column": link.column, "kind": link.kind, "context": link.context}


# -- lists -------------------------------------------------------------------
def link_ends(vault: "Vault", include_excluded: bool = False) -> tuple[list[str], set, set]:
    """Visible notes, those linking to another visible note, those linked from one
    (what answers.link_ends gives from the index)."""
    pairs = note_links(vault, include_excluded)
    notes = _visible(vault, include_excluded)
    linked = {t for _, t in pairs}
    shown = set(notes)
    linked.update(edge.target for path in _visible_canvases(vault, include_excluded)
                  for edge in vault.outgoing(path) if edge.target in shown)  # on a canvas
    return notes, {s for s, _ in pairs}, linked


def orphans(ends: tuple[list[str], set, set]) -> list[str]:
    """Notes with no link to or from another note or a canvas (self-links and links to
    attachments or to notes that do not exist do not count); ``ends``: link_ends()."""
    notes, linking, linked = ends
    return sorted(n for n in notes if n not in linking and n not in linked)


def deadends(ends: tuple[list[str], set, set]) -> list[str]:
    """Notes with no outgoing link to another existing note; ``ends``: link_ends()."""
    notes, linking, _ = ends
    return sorted(n for n in notes if n not in linking)


def broken_links(vault: "Vault", include_excluded: bool = False) -> list[tuple[str, "Link"]]:
    """(source, link) for every unresolved link in a visible note or canvas, in vault
    order (what answers.broken_links gives from the index)."""
    sources = sorted(_visible(vault, include_excluded) + _visible_canvases(vault, include_excluded))
    return [(edge.source, edge.link) for path in sources
            for edge in vault.outgoing(path) if not edge.resolved]


def wanted(broken: list[tuple[str, "Link"]]) -> list[dict[str, Any]]:
    """Unresolved note names, most linked first, with every link to them;
    ``broken``: broken_links()."""
    groups: dict[str, list[tuple[str, Link]]] = defaultdict(list)
    for source, link in broken:
        if link.path and not is_attachment_link(link):
            groups[fold(link.path)].append((source, link))
    rows = [{"name": links[0][1].path, "notes": len({source for source, _ in links}),
             "links": [{"source": source, "target": None, "line": link.line,
                        "column": link.column, "kind": link.kind, "context": link.context}
                       for source, link in links]}
            for links in groups.values()]
    return sorted(rows, key=lambda r: (-r["notes"], -len(r["links"]), fold(r["name"])))


# -- neighbourhoods and paths ---------------------------------------------------
def neighbors(vault: "Vault", path: str, depth: int = 1, direction: str = "both",
              include_excluded: bool = False) -> list[dict[str, Any]]:
    """Notes within ``depth`` links of ``path`` (Obsidian's local graph), breadth-first.

    Each row: the note, its distance, and the note it was reached from."""
    graph = note_graph(vault, include_excluded)
    graph.add_node(path)
    rows, seen, frontier = [], {path}, [path]
    for distance in range(1, depth + 1):
        following = []
        for current in frontier:
            ways: dict[str, set[str]] = defaultdict(set)
            if direction in ("out", "both"):
                for target in graph.successors(current):
                    ways[target].add("out")
            if direction in ("in", "both"):
                for source in graph.predecessors(current):
                    ways[source].add("in")
            for other in sorted(ways):
                if other in seen:
                    continue
                seen.add(other)
                following.append(other)
                way = "both" if len(ways[other]) == 2 else ways[other].pop()
                rows.append({"note": other, "distance": distance, "via": current,
                             "direction": way})
        frontier = following
    return rows


def shortest_path(vault: "Vault", start: str, end: str, directed: bool = False,
                  include_excluded: bool = False) -> list[dict[str, Any]] | None:
    """The hops of a shortest link path from ``start`` to ``end`` (following links
    either way unless ``directed``), each with the line that makes it; None if none."""
    import networkx as nx

    graph = note_graph(vault, include_excluded)
    graph.add_nodes_from([start, end])
    view = graph if directed else graph.to_undirected(as_view=True)
    try:
        nodes = nx.shortest_path(view, start, end)
    except nx.NetworkXNoPath:
        return None
    hops = []
    for a, b in zip(nodes, nodes[1:]):
        forward = graph.has_edge(a, b)
        edge = graph.edges[a, b]["edges"][0] if forward else graph.edges[b, a]["edges"][0]
        hops.append({"from": a, "to": b, "direction": "out" if forward else "in", **hop(edge)})
    return hops


def hubs(vault: "Vault", top: int = 10, include_excluded: bool = False) -> list[dict[str, Any]]:
    """Notes ranked by PageRank over the link graph, with in-degree (linking notes)."""
    import networkx as nx

    graph = note_graph(vault, include_excluded)
    if not graph:
        return []
    rank = nx.pagerank(graph, weight="weight")
    rows = [{"note": n, "pagerank": round(rank[n], 6), "in_degree": graph.in_degree(n),
             "out_degree": graph.out_degree(n)} for n in graph]
    rows.sort(key=lambda r: (-r["pagerank"], -r["in_degree"], r["note"]))
    return rows[:top]


def related(vault: "Vault", path: str, top: int = 10,
            include_excluded: bool = False) -> list[dict[str, Any]]:
    """Notes sharing the most neighbours and tags with ``path``: co-citation (linked
    from the same notes), coupling (linking to the same notes) and shared tags,
    scored by the Jaccard index of those feature sets."""
    graph = note_graph(vault, include_excluded)

    def features(note: str) -> set[tuple[str, str]]:
        found = {("cited-with", p) for p in graph.predecessors(note)} if note in graph else set()
        found |= {("links-to", s) for s in graph.successors(note)} if note in graph else set()
        found |= {("tag", fold(t.name)) for t in vault.notes[note].tags}
        return found

    mine = features(path)
    rows = []
    for other in graph:
        if other == path or other in graph.successors(path) or other in graph.predecessors(path):
            continue  # already linked: not a discovery
        theirs = features(other)
        shared = mine & theirs
        if not shared:
            continue
        reasons = defaultdict(list)
        for kind, value in sorted(shared):
            reasons[kind].append(value)
        rows.append({"note": other, "score": round(len(shared) / len(mine | theirs), 4),
                     "shared": dict(reasons)})
    rows.sort(key=lambda r: (-r["score"], r["note"]))
    return rows[:top]


# -- unlinked mentions ------------------------------------------------------------
def mentions(vault: "Vault", path: str, include_excluded: bool = False) -> list[dict[str, Any]]:
    """Plain-text occurrences of the note's name or aliases in other notes: whole
    words, any case, never inside code, math, links or front matter."""
    from .parse import plain_text

    note = vault.notes[path]
    names = sorted({note.name, *note.aliases}, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(n) for n in names if n.strip()) + r")(?!\w)",
                         re.IGNORECASE)
    unread = {Code.TOO_LARGE, Code.BINARY_FILE, Code.PARSE_TIMEOUT, Code.PARSE_ERROR,
              Code.UNREADABLE_FILE}
    rows = []
    for other in _visible(vault, include_excluded):
        if other == path or any(d.code in unread for d in vault.notes[other].diagnostics):
            continue  # what could not be parsed once is not read again
        for text, place in plain_text(vault.root, other, pattern):
            for match in pattern.finditer(text):
                line, column, context = place(match.start())
                rows.append({"source": other, "line": line, "column": column,
                             "text": match.group(), "context": context})
    return rows


# -- stats ----------------------------------------------------------------------
def stats(vault: "Vault", include_excluded: bool = False) -> dict[str, Any]:
    import networkx as nx

    from .check import check_vault

    visible = _visible(vault, include_excluded)
    edges = [e for p in visible + _visible_canvases(vault, include_excluded)  # theirs too
             for e in vault.outgoing(p)]
    graph = note_graph(vault, include_excluded)
    diagnostics = Counter(d.code for d in check_vault(vault, include_excluded=include_excluded).diagnostics)
    return {
        "notes": len(visible),
        "excluded": len(vault.notes) - len(visible) if not include_excluded else 0,
        "attachments": len(vault.attachments),
        "links": len(edges),
        "links_by_kind": dict(sorted(Counter(e.link.kind for e in edges).items())),
        "unresolved": sum(not e.resolved for e in edges),
        "orphans": len(orphans(link_ends(vault, include_excluded))),
        "tags": len(vault.tags(include_excluded)),
        "components": nx.number_weakly_connected_components(graph) if graph else 0,
        "diagnostics": dict(sorted(diagnostics.items())),
    }


# -- explain ----------------------------------------------------------------------
def explain(vault: "Vault", edge: "Edge", why: BrokenLinks | None = None) -> dict[str, Any]:
    """How Obsidian's rules resolve one link, step by step, or exactly why not: the
    problems are those ``check`` reports (broken.why_broken; ``why``: one BrokenLinks
    for the vault, to explain many links)."""
    link, resolution = edge.link, edge.resolution
    found = (why or BrokenLinks(vault))(link, resolution)
    answer: dict[str, Any] = {
        "source": edge.source, "line": link.line, "column": link.column, "kind": link.kind,
        "written": link.written, "path": link.path, "subpath": link.subpath,
        "rule": resolution.rule, "target": resolution.target,
        "candidates": [{"path": c, "length": len(c),
                        "same_folder": folder_of(c) == folder_of(edge.source)}
                       for c in resolution.candidates],
        "problems": [problem.text(link) for problem in found],
        "findings": [{"code": problem.code, "severity": problem.severity,
                      "message": problem.message(link), "suggestions": list(problem.suggestions)}
                     for problem in found],
    }
    if resolution.target is None:
        return answer
    if vault.is_excluded(resolution.target):
        answer["excluded"] = True
    note = vault.notes.get(resolution.target)
    if link.subpath and note is not None:
        block, parts = split_subpath(link.subpath)
        if block is not None:
            hit = find_block(note.blocks, block)
            answer["block"] = {"id": block, "line": hit.line if hit else None,
                               "available": [b.id for b in note.blocks]}
        elif parts:
            hit = find_heading(note.headings, parts)
            answer["heading"] = {"path": parts, "line": hit.line if hit else None,
                                 "available": [f"{'#' * h.level} {h.text}" for h in note.headings]}
    return answer
