"""CPU seconds of the parse workers' own work, in one process: every note of each vault
parsed as index._parse_batch does it (``parse.note_from_bytes`` on bytes read before the
clock starts, the garbage collector paused, and ``parse.alarm_handler`` around the batch
where the checkout has it), or only ``syntax.blocks.block_tokens`` on the decoded text
(``--stage blocks``), or all a worker does (``--stage worker``: ``index._parse_batch`` on
batches of 625 paths: reading each file, its SHA-1, the parse and the note's JSON).  Best
of ``--rounds`` (time.process_time, not wall time: on a
loaded machine only CPU says anything).  Run it with each checkout's own Python to
compare them, alternating:

    OLD/.venv/bin/python benchmarks/parse_cpu.py VAULT... [--stage parse|blocks|worker]
"""
from __future__ import annotations

import argparse
import gc
import time
from contextlib import nullcontext
from pathlib import Path

from vaultgraph import index, parse
from vaultgraph.syntax import markdown_parser
from vaultgraph.syntax.blocks import block_tokens


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("vaults", nargs="+", type=Path)
    parser.add_argument("--stage", choices=("parse", "blocks", "worker"), default="parse")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    batch = getattr(parse, "alarm_handler", nullcontext)
    md = markdown_parser(scan=True)
    total = 0.0
    for root in args.vaults:
        items = []
        for path in sorted(root.rglob("*.md")):
            if path.is_file():
                name = str(path.relative_to(root))
                items.append((name, *parse.read_bytes(root, name)))
        texts = [parse._normalise(text) for name, data, _ in items if data is not None
                 for text in [parse.decode(name, data)[0]] if text is not None]
        times = []
        for _ in range(args.rounds):
            gc.disable()
            started = time.process_time()
            if args.stage == "worker":
                names = [name for name, _, _ in items]
                for start in range(0, len(names), 625):
                    index._parse_batch(str(root), names[start:start + 625], True)
            elif args.stage == "parse":
                with batch():
                    for name, data, problems in items:
                        parse.note_from_bytes(name, data, list(problems))
            else:
                for text in texts:
                    block_tokens(text, md)
            times.append(time.process_time() - started)
            gc.enable()
            gc.collect()
        total += min(times)
        print(f"{args.stage} {root}: {len(items)} notes, best {min(times):.3f} s CPU "
              f"(rounds: {' '.join(f'{t:.3f}' for t in times)})", flush=True)
    print(f"{args.stage} total: {total:.3f} s CPU")


if __name__ == "__main__":
    main()
