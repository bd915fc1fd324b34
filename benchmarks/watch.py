"""`vaultgraph watch`'s figures: whole CLI processes answered by a watcher, against the
CLI's own start-up (`--version`, the floor of any answer) measured in the same run.

For each size: generate a vault (benchmarks/generate.py; or take --vault), start a
watcher on it (its start-up: a cold index build when the cache is new), then time, as
whole processes (wall time and the client's CPU): `--version`; `backlinks` of a note
with few backlinks and of the hub (the most linked note), first asked (the command
runs) and asked again (the watcher gives the answer it kept until the vault changes);
each of the two right after appending a link to it in another note (the edit visible:
the count checked; the answer made anew); the watcher's resident memory (VmRSS) idle
after those; then the watcher is stopped
(Ctrl-C) and the warm runs without it are timed.  Medians of --repeat runs.

    python benchmarks/watch.py --sizes 10000,100000 [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import generate  # noqa: E402


def _run(args: list[str], env: dict) -> tuple[float, float, str]:
    start = time.perf_counter()
    before = os.times()
    proc = subprocess.run([sys.executable, "-m", "vaultgraph", *args], env=env,
                          capture_output=True)
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system
                                                         - before.children_system)
    return time.perf_counter() - start, cpu, proc.stdout.decode()


def median(args: list[str], env: dict, repeat: int) -> tuple[float, float, str]:
    runs = [_run(args, env) for _ in range(repeat)]
    return (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs),
            runs[-1][2])


def rss_mb(pid: int) -> tuple[float, float]:
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                  if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def _inside(log: Path, last: int) -> float:
    """The median time the watcher took for its ``last`` answers (its log's lines)."""
    return statistics.median([float(line.rsplit(" in ", 1)[1].split()[0]) for line in
                              log.read_text().splitlines() if ": answered `" in line][-last:])


def bench(vault: Path, cache: Path, repeat: int) -> list[tuple[str, float, float]]:
    truth = vault.parent / f"{vault.name}.truth.json"
    links = json.loads(truth.read_text())["links"]
    counts = Counter(target for _, target in links if target)
    hub = counts.most_common(1)[0][0]
    small = next(t for t, n in sorted(counts.items()) if n == 2 and t.endswith(".md"))
    env = {**os.environ, "VAULTGRAPH_CACHE_DIR": str(cache)}
    env.pop("VAULTGRAPH_NO_CACHE", None)
    base = ["--vault", str(vault)]
    rows = []
    log = cache.parent / f"watch-{vault.name}.log"
    cache.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    watcher = subprocess.Popen([sys.executable, "-m", "vaultgraph", *base, "watch"], env=env,
                               stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    while "answering on" not in log.read_text():
        if watcher.poll() is not None:
            raise SystemExit(log.read_text())
        time.sleep(0.05)
    rows.append(("watcher start (listing + index up to date)", time.perf_counter() - start, 0.0))
    try:
        wall, cpu, _ = median(["--version"], env, repeat)
        rows.append(("floor: `--version`", wall, cpu))
        for name, note in (("small note", small), ("hub", hub)):
            # the first time, the command runs; asked again, the answer kept is given
            # (watch.AnswerCache) until the vault changes
            wall, cpu, out = _run([*base, "backlinks", note, "--json"], env)
            assert json.loads(out)["backlinks"], note
            rows.append((f"watcher: `backlinks` of the {name} ({len(out) / 1e6:.1f} MB), "
                         "first asked", wall, cpu))
            rows.append(("  of which in the watcher (events applied, command run)",
                         _inside(log, 1), float("nan")))
            wall, cpu, out = median([*base, "backlinks", note, "--json"], env, repeat)
            rows.append((f"watcher: `backlinks` of the {name} asked again (the answer kept)",
                         wall, cpu))
            rows.append(("  of which in the watcher", _inside(log, repeat), float("nan")))
        editing = vault / sorted(p for p in counts if p not in (small, hub))[0]
        for name, note in (("", small), ("of the hub ", hub)):  # (the answer made anew)
            edits, inside = [], []
            for i in range(repeat):
                before = len(json.loads(_run([*base, "backlinks", note, "--json"], env)[2])["backlinks"])
                with editing.open("a", encoding="utf-8") as f:
                    f.write(f"\n[[{Path(note).stem}]] edit {i}\n")
                wall, cpu, out = _run([*base, "backlinks", note, "--json"], env)
                assert len(json.loads(out)["backlinks"]) == before + 1, "edit not seen"
                edits.append((wall, cpu))
                inside.append(_inside(log, 1))
            rows.append((f"watcher: `backlinks` {name}right after an edit linking to it",
                         statistics.median(e[0] for e in edits),
                         statistics.median(e[1] for e in edits)))
            rows.append(("  of which in the watcher", statistics.median(inside), float("nan")))
        served = log.read_text().count(": answered `")
        idle, peak = rss_mb(watcher.pid)
        rows.append((f"watcher RSS idle, MB (peak {peak:.0f}; {served} answers served)", idle, 0.0))
    finally:
        watcher.send_signal(signal.SIGINT)
        watcher.wait()
    for name, note in (("small note", small), ("hub", hub)):
        wall, cpu, _ = median([*base, "backlinks", note, "--json"], env, repeat)
        rows.append((f"no watcher, warm: `backlinks` of the {name}", wall, cpu))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000")
    parser.add_argument("--work", default=None, help="where vaults and caches are kept")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    work = Path(args.work or "/tmp/vaultgraph-watch-bench")
    work.mkdir(parents=True, exist_ok=True)
    print(f"# {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()},"
          f" load {os.getloadavg()[0]:.1f}")
    for size in (int(s) for s in args.sizes.split(",")):
        vault = work / f"v{size // 1000}k"
        if not vault.exists():
            generate(size, 1, vault)
        print(f"\n## {size:,} notes (medians of {args.repeat}; wall s, client CPU s)")
        for name, wall, cpu in bench(vault, work / "cache", args.repeat):
            print(f"| {name} | {wall:.3f} | {cpu:.3f} |")


if __name__ == "__main__":
    main()
