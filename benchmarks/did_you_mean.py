"""CPU seconds of did-you-mean's scoring (``suggest.Suggester.scores``) in one process, on a
generated vault (benchmarks/generate.py): every broken link's name against every note name
and alias, as a cold ``check`` scores them.  Prints the CPU (time.process_time: rapidfuzz's
threads included), the answers' count and a digest of them -- run it with each checkout's
own Python, alternating, and the digests say whether the answers are the same:

    OLD/.venv/bin/python benchmarks/did_you_mean.py VAULT
    NEW/.venv/bin/python benchmarks/did_you_mean.py VAULT [--kernel]

``--kernel``: rapidfuzz alone, one thread, on up to 1,024 of the queries of the most
common length against every name: CPU per query of fuzz.ratio against LCSseq (the count
of characters in common), and of LCSseq with blocks of 16 to 1,024 queries a call.
The names and queries are read through the checkout's own library: its did-you-mean
keys (note names, alias keys) and the names of the links that lead nowhere (attachments
aside), as check gathers them.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import posixpath
import tempfile
import time
from collections import Counter
from pathlib import Path

from vaultgraph.resolve import fold
from vaultgraph.suggest import Suggester


def names_and_queries(vault: Path, cache: Path) -> tuple[list[str], list[str]]:
    """The did-you-mean keys (note names and alias keys) and the broken names a cold
    ``check`` scores, read through the checkout's own library (an index kept in ``cache``,
    one per schema: made once, then warm)."""
    import vaultgraph
    from vaultgraph.broken import is_attachment_link
    from vaultgraph.index import SCHEMA

    loaded = vaultgraph.load(vault, cache=True, cache_dir=cache / f"schema-{SCHEMA}")
    queries = sorted({fold(posixpath.basename(edge.link.path)) for edge in loaded.edges
                      if edge.resolution.target is None and not is_attachment_link(edge.link)}
                     - {""})
    return list(loaded.suggester.keys), queries


def kernel(keys: list[str], queries: list[str]) -> None:
    import numpy as np
    from rapidfuzz import fuzz, process
    from rapidfuzz.distance import LCSseq

    length = Counter(map(len, queries)).most_common(1)[0][0]
    block = [q for q in queries if len(q) == length][:1024]
    names = sorted(keys, key=len)

    def per_query(scorer, cutoff, size) -> float:
        start = time.process_time()
        for i in range(0, len(block), size):
            process.cdist(names, block[i:i + size], scorer=scorer, dtype=np.uint8,
                          score_cutoff=cutoff, workers=1)
        return (time.process_time() - start) / len(block) * 1000

    print(f"kernel: {len(block)} queries of {length} characters x {len(names):,} names, one thread")
    print(f"  fuzz.ratio, blocks of 128: {per_query(fuzz.ratio, 75, 128):.3f} ms a query")
    print(f"  LCSseq, blocks of 128:     {per_query(LCSseq.similarity, 1, 128):.3f} ms a query")
    for size in (16, 64, 256, 1024):
        print(f"  LCSseq, blocks of {size:>4}:    {per_query(LCSseq.similarity, 1, size):.3f} ms a query")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("vault", type=Path)
    parser.add_argument("--kernel", action="store_true")
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "vaultgraph-did-you-mean")
    args = parser.parse_args()
    keys, queries = names_and_queries(args.vault, args.cache)
    print(f"{len(queries):,} broken names x {len(keys):,} names and aliases")
    start, wall = time.process_time(), time.perf_counter()
    found = Suggester.scores(queries, keys, 3, by_owner=True)
    cpu, wall = time.process_time() - start, time.perf_counter() - wall
    digest = hashlib.sha1(json.dumps(sorted(found.items())).encode()).hexdigest()[:16]
    print(f"scores: CPU {cpu:.2f} s, wall {wall:.2f} s; {sum(map(len, found.values())):,} "
          f"answers, digest {digest}")
    if args.kernel:
        kernel(keys, queries)


if __name__ == "__main__":
    main()
