"""Did-you-mean: the names closest to a text, by rapidfuzz's ratio (0-100).

A name may stand for a note it is not the name of: an alias.  For note names
(``Suggester(..., by_owner=True)``), its key is then
``alias_key(alias, owner)`` -- the folded alias, OWNER_MARK and the folded name of
the note having it -- scored by its text before the mark, and an answer lists each
note (each owner) once, by its best-scoring key: Obsidian does not resolve links
through aliases, so a link can only be mended to the note's name (``[[Name|alias]]``
when the alias is the closest).  Plain keys own themselves.

Used by check (unresolved links, missing headings and blocks), by NOTE lookups
(lookup.NoteFinder) and by the did-you-mean answers the index keeps
(index.SuggestionStore).  It imports nothing of vaultgraph but ``resolve.fold``, so
every layer above resolution may use it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from functools import cached_property
from itertools import groupby
from typing import Any, Callable, Iterable, Mapping, NamedTuple

from .resolve import fold

SUGGESTION_CUTOFF = 75  # the lowest ratio (0-100) a suggestion may score
FEW_QUERIES = 16  # scored one by one, not by cdist
SUGGESTIONS = 3  # did-you-mean answers to a text, at most (check's, a NOTE lookup's)
QUERY_BLOCK = 4096  # queries scored by one cdist call, at most
TABLE_CELLS = 1 << 25  # cells of one cdist table, at most (32 MiB at a byte a cell)

Scored = list[tuple[int, str]]  # (rapidfuzz ratio, folded name), best first
Progress = Callable[[int, int, str], None]  # (done, total, what is being done)
# Between an alias's folded text and its note's folded name: a note name (a file name)
# never holds "/", nor does a broken link's name (its last path part), so a key holding
# one is an alias's, and its owner is what follows the last "/" (an alias may hold "/").
OWNER_MARK = "/"
FORMAT = "2"  # of the answers kept (index.SuggestionStore): "2" lists each owner once


class NoteName(NamedTuple):
    """A did-you-mean answer naming a note: its ``name`` as written, and the ``alias``
    (as written) that was the closest match, if one was."""

    name: str
    alias: str | None = None

    @property
    def target(self) -> str:
        """What to write between ``[[`` and ``]]``: ``Name``, or ``Name|alias``."""
        return self.name if self.alias is None else f"{self.name}|{self.alias}"

    @property
    def text(self) -> str:
        """The text that matched (a NOTE argument accepts either)."""
        return self.name if self.alias is None else self.alias


def alias_key(alias: str, owner: str) -> str:
    """The key of ``alias`` (folded) of the note named ``owner`` (folded)."""
    return f"{alias}{OWNER_MARK}{owner}"


def owner(key: str) -> str:
    """The folded name of the note a key stands for (a plain key: itself)."""
    return key.rpartition(OWNER_MARK)[2]


def scored_text(key: str) -> str:
    """The text of a key that is scored against a query."""
    return key.rpartition(OWNER_MARK)[0] if OWNER_MARK in key else key


def best(hits: Iterable[tuple[int, str]], limit: int, by_owner: bool = True) -> Scored:
    """The best ``limit`` hits, best first, by score then by key; ``by_owner``: the
    keys are note names and alias keys (:func:`alias_key`), one hit per owner (its best
    one) is kept, and at equal scores a name comes before an alias.  An order that
    depends on nothing but the hits, so answers merged from parts
    (index.SuggestionStore) equal answers scored at once."""
    if not by_owner:
        return sorted(hits, key=lambda hit: (-hit[0], hit[1]))[:limit]
    ranked = sorted(hits, key=lambda hit: (-hit[0], OWNER_MARK in hit[1], hit[1]))
    chosen: Scored = []
    owners: set[str] = set()
    for hit in ranked:
        if len(chosen) == limit:
            break
        if owner(hit[1]) not in owners:
            owners.add(owner(hit[1]))
            chosen.append(hit)
    return chosen


def length_window(length: int) -> tuple[int, int]:
    """The shortest and longest names that can score SUGGESTION_CUTOFF against a text of
    ``length`` characters (code points, as rapidfuzz counts them).  rapidfuzz's ratio is
    ``200 * c / (a + b)`` for lengths ``a`` and ``b``, ``c`` the characters the two have
    in common in order (their longest common subsequence, at most ``min(a, b)``): a ratio
    of C needs ``200 * c >= C * (a + b)`` (:func:`needed_in_common`), so ``b`` is from
    ``C a / (200 - C)`` to ``(200 - C) a / C`` (for 75: 3/5 and 5/3 of ``a``)."""
    cutoff = SUGGESTION_CUTOFF
    return -(-cutoff * length // (200 - cutoff)), (200 - cutoff) * length // cutoff


def needed_in_common(a: Any, b: Any) -> Any:
    """The fewest characters in common (the longest common subsequence) two texts of
    ``a`` and ``b`` characters need for rapidfuzz's ratio ``200 * c / (a + b)`` to reach
    SUGGESTION_CUTOFF: ``ceil(C (a + b) / 200)`` (for 75: ``ceil(3 (a + b) / 8)``).
    rapidfuzz's cdist applies its ``score_cutoff`` to the ratio before rounding it, so
    a pair at 74.5 is not a hit.  Integers or numpy arrays."""
    return -(-SUGGESTION_CUTOFF * (a + b) // 200)


def ratio_of(common: Any, total: Any) -> Any:
    """rapidfuzz's ratio ``200 * common / total`` rounded half up, as cdist rounds it
    into an integer table and as answers are kept (``int(score + 0.5)``), in integers:
    ``total`` is the two texts' lengths added.  Integers or numpy arrays."""
    return (400 * common + total) // (2 * total)


def _nonzero(table: Any) -> tuple[Any, Any]:
    """``numpy.nonzero`` of a 2-D C-contiguous uint8 table, read 8 cells at a time: a
    did-you-mean table is almost all zeros (no name scores the cutoff), and numpy's own
    nonzero, cell by cell, took 3.5 times rapidfuzz's scoring at 100k notes (200,000 names
    x 128 queries a table).  Returns (rows, columns), in row-major order, as nonzero does."""
    import numpy as np

    flat = table.reshape(-1)
    whole = flat.size - flat.size % 8
    words = np.flatnonzero(flat[:whole].view(np.uint64))
    within_rows, within = np.nonzero(flat[:whole].reshape(-1, 8)[words])
    cells = np.concatenate((words[within_rows] * 8 + within, np.flatnonzero(flat[whole:]) + whole))
    return np.divmod(cells, table.shape[1])


class Suggester:
    """Did-you-mean answers from a fixed set of names (folded -> as written).

    The best ``limit`` names scoring at least SUGGESTION_CUTOFF, one per owner
    (:func:`best`), ties in name order -- an order that does not depend on the
    vault's file order, so answers kept in the index stay exact as names come and go.
    """

    def __init__(self, names: Mapping[str, Any], by_owner: bool = False):
        """``names``: key -> answer; ``by_owner``: the keys are note names and alias
        keys (:func:`alias_key`), each note answered once (:func:`best`)."""
        self.names, self.by_owner = names, by_owner
        self.memo: dict[tuple[str, int], Scored] = {}

    @cached_property
    def keys(self) -> list[str]:
        """The folded names, read only when something is to be scored (rapidfuzz
        scans a list fastest)."""
        return list(self.names)

    @staticmethod
    def scores(queries: list[str], keys: list[str], limit: int,
               progress: Progress | None = None, by_owner: bool = False) -> dict[str, Scored]:
        """The best ``limit`` of ``keys`` for each query, rapidfuzz's ratio rounded half up:
        by cdist on all cores, or for a few queries one by one (without numpy, whose
        import takes longer than scoring them)."""
        from rapidfuzz import fuzz, process

        found: dict[str, Scored] = {q: [] for q in queries}
        if not queries or not keys:
            return found
        texts = [scored_text(key) for key in keys] if by_owner else keys
        if len(queries) <= FEW_QUERIES:
            for query in queries:
                hits = [(int(score + 0.5), keys[i]) for _, score, i in process.extract(
                    query, texts, scorer=fuzz.ratio, score_cutoff=SUGGESTION_CUTOFF, limit=None)]
                found[query] = best(hits, limit, by_owner)
            return found
        import numpy as np
        from rapidfuzz.distance import LCSseq

        # Each block of queries of one length is scored only against the names whose
        # length allows the cutoff (length_window), by the characters each pair has in
        # common (LCSseq, the count fuzz.ratio is made of: 0.7x of its CPU, which spends
        # the rest turning each of the pairs into a ratio); a pair is a hit when it has
        # as many as its two lengths need (needed_in_common), and only hits get a ratio.
        # The names come first: rapidfuzz scores many short strings of its first
        # argument at once (SIMD), half the CPU of the other way round; it is symmetric.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        by_length = [texts[i] for i in order]
        lengths = [len(text) for text in by_length]
        all_lengths = np.array(lengths, dtype=np.int64)  # (of each name, by row)
        done = 0
        for length, group in groupby(sorted(queries, key=len), key=len):
            group = list(group)
            shortest, longest = length_window(length)
            low, high = bisect_left(lengths, shortest), bisect_right(lengths, longest)
            # a count in common is at most the query's length: one byte a cell when it fits
            small = length < 256
            for start in range(0, len(group), QUERY_BLOCK):
                block = group[start:start + QUERY_BLOCK]
                hits: list[Scored] = [[] for _ in block]
                # rapidfuzz prepares its first argument's strings again at each call
                # (about 170 ns a name): the names are cut into parts as large as the
                # table allows, not the queries into blocks of a few (0.8x of the CPU)
                step = max(1, TABLE_CELLS // len(block))
                parts = range(low, high, step)
                for part, first in enumerate(parts):
                    last = min(first + step, high)
                    fewest = int(needed_in_common(length, lengths[first]))  # (shortest name)
                    table = process.cdist(by_length[first:last], block, scorer=LCSseq.similarity,
                                          dtype=np.uint8 if small else np.int32,
                                          score_cutoff=fewest, workers=-1)
                    rows, columns = _nonzero(table) if small else np.nonzero(table)
                    common = table[rows, columns].astype(np.int64)
                    del table
                    rows += first
                    kept = common >= needed_in_common(length, all_lengths[rows])
                    rows, columns = rows[kept], columns[kept]
                    scores = ratio_of(common[kept], all_lengths[rows] + length)
                    for row, column, score in zip(rows.tolist(), columns.tolist(),
                                                  scores.tolist()):
                        hits[column].append((score, keys[order[row]]))
                    if progress and part + 1 < len(parts):
                        progress(done + len(block) * (part + 1) // len(parts), len(queries),
                                 "Finding did-you-mean names")
                for query, scored in zip(block, hits):
                    found[query] = best(scored, limit, by_owner)
                done += len(block)
                if progress:
                    progress(done, len(queries), "Finding did-you-mean names")
        return found

    def prime(self, texts: Iterable[str], limit: int = SUGGESTIONS, store=None,
              progress: Progress | None = None) -> None:
        """Answer many texts at once.  ``store`` (index.SuggestionStore) keeps the
        answers between runs and brings them up to date with the names."""
        queries = sorted({fold(t) for t in texts if t} - {q for q, _ in self.memo})

        def scores(queries: list[str], keys: list[str], limit: int) -> dict[str, Scored]:
            return self.scores(queries, keys, limit, progress, self.by_owner)

        answers = (store.answers(queries, lambda: self.keys, limit, scores) if store
                   else scores(queries, self.keys, limit))
        for query, scored in answers.items():
            self.memo[(query, limit)] = scored

    def __call__(self, text: str, limit: int = SUGGESTIONS) -> list[str]:
        key = (fold(text), limit)
        if key not in self.memo:
            self.memo[key] = (self.scores([key[0]], self.keys, limit, by_owner=self.by_owner)[key[0]]
                              if key[0] else [])
        return [self.names[name] for _, name in self.memo[key]]


def suggest(text: str, names: dict[str, str], limit: int = 3) -> list[str]:
    """The written forms in ``names`` (folded -> written) closest to ``text``."""
    return Suggester(names)(text, limit)
