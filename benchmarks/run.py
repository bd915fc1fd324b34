"""`make bench`: vaultgraph's wall time and memory on generated vaults, against a floor.

For each size: generate a vault (benchmarks/generate.py), measure the floor in
this process (reading every file; a Python regex scan of every file for links
and tags), then run the real CLI in subprocesses: cold `index`, cold index + check, warm `index`
with no change, `backlinks` of the most linked note, runs after editing one
note, and `check`.  Each figure is printed with its ratio to the read floor
and the peak RSS of the process; correctness is checked against the ground
truth (broken links, backlink count).  "After editing one note" appends a
line with a new broken link to one note, then runs `index`, `backlinks` or
`check` (a fresh edit before each); "after adding a note" adds a note linking to
the hub, then runs `check`.  Warm and after-edit figures are the median
of three runs (one run of a fraction of a second varies by a fifth from run to run).

    python benchmarks/run.py --sizes 1000,10000 [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from itertools import count
from typing import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from floor import floor  # noqa: E402
from generate import compile_bytecode, generate  # noqa: E402

# Runs each measured command and reports its wall time and peak RSS.  A small process of
# its own, started before the benchmark holds any data: a child's peak RSS counts the
# memory of the process it was forked from, so forking from this (large) one would not do.
_LAUNCHER = """
import json, os, subprocess, sys, time
for line in sys.stdin:
    command, out_path = json.loads(line)
    with open(out_path, "wb") as out:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
    print(json.dumps([elapsed, usage.ru_maxrss, os.waitstatus_to_exitcode(status)]), flush=True)
"""
_launcher = subprocess.Popen([sys.executable, "-c", _LAUNCHER], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)


def cli(*args: str, cache: Path) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (MB) and stdout of one real `vaultgraph` process."""
    command = [sys.executable, "-m", "vaultgraph", "--cache-dir", str(cache), *args]
    with tempfile.NamedTemporaryFile(suffix=".out") as out:
        _launcher.stdin.write(json.dumps([command, out.name]) + "\n")
        _launcher.stdin.flush()
        elapsed, rss_kb, returncode = json.loads(_launcher.stdout.readline())
        text = Path(out.name).read_text(encoding="utf-8")
    if returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed with exit code {returncode}")
    return elapsed, rss_kb // 1024, text


REPEATS = 3  # a warm or after-edit figure is the median of this many runs


def median_run(run: Callable[[], tuple[float, int, str]]) -> tuple[float, int, str]:
    """The run of median wall time among REPEATS runs of ``run``."""
    runs = sorted((run() for _ in range(REPEATS)), key=lambda r: r[0])
    return runs[len(runs) // 2]


def bench(size: int, work: Path) -> list[tuple[str, float, int]]:
    vault = work / f"vault-{size}"
    truth = generate(size, 1, vault)  # afresh each run: the run edits a note
    read, scan = floor(vault)
    rows = [("floor: read every file", read, 0), ("floor: regex scan", scan, 0)]
    v = ["--vault", str(vault)]
    cache = Path(tempfile.mkdtemp(prefix="vaultgraph-bench-"))
    elapsed, rss, _ = cli(*v, "index", cache=cache)
    rows.append(("cold: index", elapsed, rss))
    shutil.rmtree(cache)

    cache = Path(tempfile.mkdtemp(prefix="vaultgraph-bench-"))
    elapsed, rss, out = cli(*v, "check", "--format", "json", cache=cache)
    rows.append(("cold: index + check", elapsed, rss))
    report = json.loads(out)
    broken = Counter(d["code"] for d in report["diagnostics"])["unresolved-link"]
    assert broken == truth["broken"], f"broken links: {broken}, truth says {truth['broken']}"

    elapsed, rss, _ = median_run(lambda: cli(*v, "index", cache=cache))
    rows.append(("warm: no change", elapsed, rss))

    counts = Counter(target for source, target in truth["links"] if target and target != source)
    hub, expected = counts.most_common(1)[0]
    elapsed, rss, out = median_run(lambda: cli(*v, "backlinks", hub, "--json", cache=cache))
    rows.append(("warm: backlinks of the hub", elapsed, rss))
    sources = json.loads(out)["backlinks"]
    assert len(sources) == expected, f"backlinks: {len(sources)}, truth says {expected}"

    edited = vault / truth["links"][0][0]
    edits = count()

    def after_edit(command: list[str]) -> tuple[float, int, str]:
        edited.write_text(edited.read_text() + f"\nOne more line. [[Missing after edit {next(edits)}]]\n")
        return cli(*v, *command, cache=cache)

    for command in (["index"], ["backlinks", hub, "--json"], ["check", "--format", "json"]):
        elapsed, rss, _ = median_run(lambda: after_edit(command))
        rows.append((f"after editing one note: {command[0]}", elapsed, rss))

    def after_adding() -> tuple[float, int, str]:  # names change: did-you-mean may too
        added = vault / f"Added note {next(edits)}.md"
        added.write_text(f"A new note. [[{Path(hub).stem}]]\n")
        return cli(*v, "check", "--format", "json", cache=cache)

    elapsed, rss, _ = median_run(after_adding)
    rows.append(("after adding a note: check", elapsed, rss))

    # Once the edited file's mtime is old enough to be trusted (index.RACY_NS), `check`
    # keeps its findings for this state of the files; the next run answers from them.
    time.sleep(2.5)
    elapsed, rss, _ = cli(*v, "check", "--format", "json", cache=cache)
    rows.append(("files settled: check", elapsed, rss))
    elapsed, rss, _ = median_run(lambda: cli(*v, "check", "--format", "json", cache=cache))
    rows.append(("warm: check", elapsed, rss))
    shutil.rmtree(cache, ignore_errors=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "vaultgraph-bench")
    args = parser.parse_args()
    compile_bytecode(sys.executable)
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"# vaultgraph benchmark -- {time.strftime('%Y-%m-%d')}, {platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")
    for size in (int(s) for s in args.sizes.split(",")):
        rows = bench(size, args.work)
        read = rows[0][1]
        print(f"\n## {size:,} notes ({sum(p.stat().st_size for p in (args.work / f'vault-{size}').rglob('*.md')) / 1e6:.1f} MB)")
        print(f"| {'measure':<34} | {'wall s':>8} | {'x read floor':>12} | {'peak RSS MB':>11} |")
        print(f"|{'-' * 36}|{'-' * 10}|{'-' * 14}|{'-' * 13}|")
        for name, seconds, rss in rows:
            print(f"| {name:<34} | {seconds:>8.3f} | {seconds / read:>12.1f} | {rss or '':>11} |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
