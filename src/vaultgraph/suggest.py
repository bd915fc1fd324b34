"""Did-you-mean: the names closest to a text, by rapidfuzz's ratio (0-100).

Used by check (unresolved links, missing headings and blocks), by NOTE lookups
(lookup.NoteFinder) and by the did-you-mean answers the index keeps
(index.SuggestionStore).  It imports nothing of vaultgraph but ``resolve.fold``, so
every layer above resolution may use it.
"""

from __future__ import annotations

from functools import cached_property
from typing import Callable, Iterable, Mapping

from .resolve import fold

SUGGESTION_CUTOFF = 75  # the lowest ratio (0-100) a suggestion may score
FEW_QUERIES = 16  # scored one by one, not by cdist

Scored = list[tuple[int, str]]  # (rapidfuzz ratio, folded name), best first
Progress = Callable[[int, int, str], None]  # (done, total, what is being done)


class Suggester:
    """Did-you-mean answers from a fixed set of names (folded -> as written).

    The best ``limit`` names scoring at least SUGGESTION_CUTOFF, ties in name
    order -- an order that does not depend on the vault's file order, so
    answers kept in the index stay exact as names come and go.
    """

    def __init__(self, names: Mapping[str, str]):
        self.names = names
        self.memo: dict[tuple[str, int], Scored] = {}

    @cached_property
    def keys(self) -> list[str]:
        """The folded names, read only when something is to be scored (rapidfuzz
        scans a list fastest)."""
        return list(self.names)

    @staticmethod
    def scores(queries: list[str], keys: list[str], limit: int,
               progress: Progress | None = None) -> dict[str, Scored]:
        """The best ``limit`` of ``keys`` for each query, rapidfuzz's ratio rounded half up:
        by cdist on all cores, or for a few queries one by one (without numpy, whose
        import takes longer than scoring them)."""
        from rapidfuzz import fuzz, process

        found: dict[str, Scored] = {q: [] for q in queries}
        if not queries or not keys:
            return found
        if len(queries) <= FEW_QUERIES:
            for query in queries:
                hits = [(int(score + 0.5), key) for key, score, _ in process.extract(
                    query, keys, scorer=fuzz.ratio, score_cutoff=SUGGESTION_CUTOFF, limit=None)]
                found[query] = sorted(hits, key=lambda hit: (-hit[0], hit[1]))[:limit]
            return found
        import numpy as np

        for start in range(0, len(queries), 256):
            block = queries[start:start + 256]
            table = process.cdist(block, keys, scorer=fuzz.ratio, dtype=np.uint8,
                                  score_cutoff=SUGGESTION_CUTOFF, workers=-1)
            for query, row in zip(block, table):
                hits = [(int(row[i]), keys[i]) for i in np.flatnonzero(row)]
                found[query] = sorted(hits, key=lambda hit: (-hit[0], hit[1]))[:limit]
            if progress:
                progress(start + len(block), len(queries), "Finding did-you-mean names")
        return found

    def prime(self, texts: Iterable[str], limit: int = 3, store=None,
              progress: Progress | None = None) -> None:
        """Answer many texts at once.  ``store`` (index.SuggestionStore) keeps the
        answers between runs and brings them up to date with the names."""
        queries = sorted({fold(t) for t in texts if t} - {q for q, _ in self.memo})

        def scores(queries: list[str], keys: list[str], limit: int) -> dict[str, Scored]:
            return self.scores(queries, keys, limit, progress)

        answers = (store.answers(queries, lambda: self.keys, limit, scores) if store
                   else scores(queries, self.keys, limit))
        for query, scored in answers.items():
            self.memo[(query, limit)] = scored

    def __call__(self, text: str, limit: int = 3) -> list[str]:
        key = (fold(text), limit)
        if key not in self.memo:
            self.memo[key] = self.scores([key[0]], self.keys, limit)[key[0]] if key[0] else []
        return [self.names[name] for _, name in self.memo[key]]


def suggest(text: str, names: dict[str, str], limit: int = 3) -> list[str]:
    """The written forms in ``names`` (folded -> written) closest to ``text``."""
    return Suggester(names)(text, limit)
