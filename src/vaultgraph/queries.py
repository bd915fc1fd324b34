"""Questions asked of the concept graph: orphans, dead ends, wanted notes,
neighbourhoods, paths, hubs, related notes, unlinked mentions, stats, explain.

Every query leaves out notes matched by Obsidian's "Excluded files" unless
``include_excluded`` is set, both as answers and as link sources.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .broken import BrokenLinks, is_attachment_link
from .codes import Code
from .model import LinkPlace
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


def link_place(source: str, target: str | None, link: "Link") -> LinkPlace:
    """``link``, written in ``source`` and leading to ``target``, as answers list it."""
    return LinkPlace(source, target, link.line, link.column, link.kind, link.context)


# -- lists -------------------------------------------------------------------
def orphans(ends: tuple[list[str], set, set]) -> list[str]:
    """Notes with no link to or from another note or a canvas (self-links and links to
    attachments or to notes that do not exist do not count); ``ends``: Vault.link_ends()."""
    notes, linking, linked = ends
    return sorted(n for n in notes if n not in linking and n not in linked)


def deadends(ends: tuple[list[str], set, set]) -> list[str]:
    """Notes with no outgoing link to another existing note; ``ends``: Vault.link_ends()."""
    notes, linking, _ = ends
    return sorted(n for n in notes if n not in linking)


@dataclass(frozen=True, slots=True)
class Wanted:
    """A name links lead to and no file has: ``name`` as the first link writes it,
    ``notes`` the number of notes (and canvases) linking to it, ``links`` every link to
    it in vault order (``target`` None)."""

    name: str
    notes: int
    links: list[LinkPlace]


def wanted(broken: list[tuple[str, "Link"]]) -> list[Wanted]:
    """Unresolved note names, most linked first, with every link to them;
    ``broken``: Vault.broken_links()."""
    groups: dict[str, list[tuple[str, Link]]] = defaultdict(list)
    for source, link in broken:
        if link.path and not is_attachment_link(link):
            groups[fold(link.path)].append((source, link))
    rows = [Wanted(links[0][1].path, len({source for source, _ in links}),
                   [link_place(source, None, link) for source, link in links])
            for links in groups.values()]
    return sorted(rows, key=lambda r: (-r.notes, -len(r.links), fold(r.name)))


# -- neighbourhoods and paths ---------------------------------------------------
@dataclass(frozen=True, slots=True)
class Neighbor:
    """A note ``distance`` links (1 or more) from the note asked about, reached from the
    note ``via`` by a link ``direction`` (``out``: via links to it, ``in``: it links to
    via, ``both``); ``note`` and ``via`` are vault paths."""

    note: str
    distance: int
    via: str
    direction: str


def neighbors(vault: "Vault", path: str, depth: int = 1, direction: str = "both",
              include_excluded: bool = False) -> list[Neighbor]:
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
                rows.append(Neighbor(other, distance, current, way))
        frontier = following
    return rows


@dataclass(frozen=True, slots=True)
class Hop:
    """One step of a path: from the note ``start`` to the note ``end`` (vault paths),
    along ``link`` (``direction`` ``out``: written in ``start``; ``in``: written in
    ``end`` and followed backwards)."""

    start: str
    end: str
    direction: str
    link: LinkPlace


def shortest_path(vault: "Vault", start: str, end: str, directed: bool = False,
                  include_excluded: bool = False) -> list[Hop] | None:
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
        hops.append(Hop(a, b, "out" if forward else "in",
                        link_place(edge.source, edge.target, edge.link)))
    return hops


@dataclass(frozen=True, slots=True)
class Hub:
    """A note (vault path) and its PageRank over the note graph (rounded to 6 places;
    links weighted by their number), with the number of notes linking to it
    (``in_degree``) and that it links to (``out_degree``)."""

    note: str
    pagerank: float
    in_degree: int
    out_degree: int


def hubs(vault: "Vault", top: int = 10, include_excluded: bool = False) -> list[Hub]:
    """Notes ranked by PageRank over the link graph, with in-degree (linking notes)."""
    import networkx as nx

    graph = note_graph(vault, include_excluded)
    if not graph:
        return []
    rank = nx.pagerank(graph, weight="weight")
    rows = [Hub(n, round(rank[n], 6), graph.in_degree(n), graph.out_degree(n)) for n in graph]
    rows.sort(key=lambda r: (-r.pagerank, -r.in_degree, r.note))
    return rows[:top]


@dataclass(frozen=True, slots=True)
class Relation:
    """A note (vault path) related to the one asked about: ``score`` the Jaccard index
    of their features (0 to 1, rounded to 4 places), ``shared`` the features they share
    by kind (``cited-with``, ``links-to``: vault paths; ``tag``: folded tags), sorted."""

    note: str
    score: float
    shared: dict[str, list[str]]


def related(vault: "Vault", path: str, top: int = 10,
            include_excluded: bool = False) -> list[Relation]:
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
        rows.append(Relation(other, round(len(shared) / len(mine | theirs), 4), dict(reasons)))
    rows.sort(key=lambda r: (-r.score, r.note))
    return rows[:top]


# -- unlinked mentions ------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Mention:
    """A name of the note written, not linked, in note ``source`` (a vault path) at
    ``line`` and ``column`` (1-based; the column counts characters): ``text`` as
    written there, ``context`` the text of its line around it."""

    source: str
    line: int
    column: int
    text: str
    context: str


def mentions(vault: "Vault", path: str, include_excluded: bool = False) -> list[Mention]:
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
                rows.append(Mention(other, line, column, match.group(), context))
    return rows


# -- stats ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Stats:
    """The vault's figures (counts): visible ``notes``, notes left out as excluded
    (0 with ``include_excluded``), ``attachments``, ``links`` written in visible notes
    and canvases (``links_by_kind``: kind -> count, sorted by kind), those resolving to
    no file (``unresolved``), ``orphans``, distinct ``tags``, weakly connected
    ``components`` of the note graph, and check's findings by code (``diagnostics``,
    sorted by code)."""

    notes: int
    excluded: int
    attachments: int
    links: int
    links_by_kind: dict[str, int]
    unresolved: int
    orphans: int
    tags: int
    components: int
    diagnostics: dict[str, int]


def stats(vault: "Vault", include_excluded: bool = False) -> Stats:
    """:class:`Stats` of the notes shown (those excluded too with ``include_excluded``)."""
    import networkx as nx

    from .findings import check_vault

    visible = _visible(vault, include_excluded)
    edges = [e for p in visible + _visible_canvases(vault, include_excluded)  # theirs too
             for e in vault.outgoing(p)]
    graph = note_graph(vault, include_excluded)
    diagnostics = Counter(d.code for d in check_vault(vault, include_excluded=include_excluded).diagnostics)
    return Stats(
        notes=len(visible),
        excluded=len(vault.notes) - len(visible) if not include_excluded else 0,
        attachments=len(vault.attachments),
        links=len(edges),
        links_by_kind=dict(sorted(Counter(e.link.kind for e in edges).items())),
        unresolved=sum(not e.resolved for e in edges),
        orphans=len(orphans(vault.link_ends(include_excluded))),
        tags=len(vault.tags(include_excluded)),
        components=nx.number_weakly_connected_components(graph) if graph else 0,
        diagnostics=dict(sorted(diagnostics.items())),
    )


# -- explain ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Candidate:
    """A file a link's name could mean: its vault ``path``, the path's ``length`` in
    characters, and whether it is in the linking note's folder (``same_folder``)."""

    path: str
    length: int
    same_folder: bool


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem of a link as ``check`` reports it: ``code``, ``severity`` (``error``
    or ``warning``), ``message`` (one line), did-you-mean ``suggestions``, best first."""

    code: str
    severity: str
    message: str
    suggestions: list[str]


@dataclass(frozen=True, slots=True)
class SubpathTarget:
    """The ``#heading`` or ``#^block`` part of a link found in its note, or not:
    ``name`` the block id, or the heading chain (its parts); ``line`` where it is
    (1-based; None: not found); ``available`` the note's block ids, or its headings
    written as ``## Text``."""

    name: str | list[str]
    line: int | None
    available: list[str]


@dataclass(frozen=True, slots=True)
class Explained:
    """How one link resolves, step by step: written in ``source`` at ``line`` and
    ``column`` (1-based, characters; None for link text typed on the command line),
    its ``kind``, the text ``written``, its ``path`` and ``subpath``; the resolution
    ``rule`` that applied, the ``target`` (a vault path, None: none) and the
    ``candidates`` it chose among; ``problems`` (one line each, as explain says them)
    and the same as check's ``findings``; ``excluded``: the target is an excluded
    file; ``block`` or ``heading``: the subpath found in the target note (None when
    there is none to look up)."""

    source: str
    line: int | None
    column: int | None
    kind: str
    written: str
    path: str
    subpath: str | None
    rule: str
    target: str | None
    candidates: list[Candidate]
    problems: list[str]
    findings: list[Finding]
    excluded: bool = False
    block: SubpathTarget | None = None
    heading: SubpathTarget | None = None


@dataclass(frozen=True, slots=True)
class WouldBeLink:
    """Text that looks like a link but is not read as one (``cut-link``,
    ``unclosed-link``, ``space-in-link``), as check reports it: where (1-based,
    characters; None for text typed on the command line), ``code``, ``severity``,
    ``message``."""

    line: int | None
    column: int | None
    code: str
    severity: str
    message: str


@dataclass(frozen=True, slots=True)
class Explanation:
    """`explain`'s answer: every link ``links`` explained, and the ``would_be`` links."""

    links: list[Explained]
    would_be: list[WouldBeLink]


def explain(vault: "Vault", edge: "Edge", why: BrokenLinks | None = None,
            placed: bool = True) -> Explained:
    """How Obsidian's rules resolve one link, step by step, or exactly why not: the
    problems are those ``check`` reports (broken.why_broken; ``why``: one BrokenLinks
    for the vault, to explain many links).  ``placed`` False: the link was typed, not
    written in a file (no line or column)."""
    link, resolution = edge.link, edge.resolution
    found = (why or BrokenLinks(vault))(link, resolution)
    excluded, block, heading = False, None, None
    if resolution.target is not None:
        excluded = vault.is_excluded(resolution.target)
        note = vault.notes.get(resolution.target)
        if link.subpath and note is not None:
            block_id, parts = split_subpath(link.subpath)
            if block_id is not None:
                hit = find_block(note.blocks, block_id)
                block = SubpathTarget(block_id, hit.line if hit else None,
                                      [b.id for b in note.blocks])
            elif parts:
                hit = find_heading(note.headings, parts)
                heading = SubpathTarget(parts, hit.line if hit else None,
                                        [f"{'#' * h.level} {h.text}" for h in note.headings])
    return Explained(
        edge.source, link.line if placed else None, link.column if placed else None, link.kind,
        link.written, link.path, link.subpath, resolution.rule, resolution.target,
        [Candidate(c, len(c), folder_of(c) == folder_of(edge.source))
         for c in resolution.candidates],
        [problem.text(link) for problem in found],
        [Finding(problem.code, problem.severity, problem.message(link), list(problem.suggestions))
         for problem in found],
        excluded, block, heading)


def explain_links(vault: "Vault", link_text: str | None, source: str | None,
                  line: int | None = None) -> Explanation:
    """Explain the links on ``source``'s line ``line`` (1-based), or ``link_text``
    (typed on the command line; ``[[...]]`` added when it is not written as a link)
    written in ``source`` (a vault path; None: in no note), and the text there that
    looks like a link but is not one."""
    from .parse import parse_text
    from .syntax.dropped import DROPPED_CODES
    from .vault import Edge

    if line is not None:
        edges = [e for e in vault.outgoing(source) if e.link.line == line]
        note = vault.notes.get(source) or vault.canvases.get(source)
        dropped = [d for d in (note.diagnostics if note else [])
                   if d.code in DROPPED_CODES and d.line == line]
    else:
        text = link_text.strip()
        if not text.startswith(("[[", "![[", "[", "![")):
            text = f"[[{text}]]"
        parsed = parse_text(source or "", text)
        edges = [Edge(source or "", link, vault.resolver.resolve(link.path, source or ""))
                 for link in parsed.links]
        dropped = [d for d in parsed.diagnostics if d.code in DROPPED_CODES]
    placed = line is not None  # a link typed on the command line has no place in a file
    why = BrokenLinks(vault)
    return Explanation(
        [explain(vault, edge, why, placed) for edge in edges],
        [WouldBeLink(d.line if placed else None, d.column if placed else None, d.code,
                     d.severity, d.message) for d in dropped])
