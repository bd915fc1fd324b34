"""Old against new: the rows of `make bench` timed ALTERNATING between two checkouts
(old, new, new, old, ...) on one generated vault, medians of REPS runs each, with the
user + system CPU and peak RSS from /usr/bin/time -- for a machine too busy for the
absolute figures of `make bench` to compare across runs.  Each checkout needs its own
`.venv` (make install).  Prints one Markdown table row per measure.

    python benchmarks/compare.py OLD_CHECKOUT NEW_CHECKOUT SIZE [REPS] [ROW,...]

Before the rows, the regex floor of benchmarks/floor.py is measured on the same vault (median
of three, warm page cache); each row then also prints new/floor, the ratio issue 22 tracks.
"""
import json, os, shutil, subprocess, sys, tempfile, time, statistics
from collections import Counter
from pathlib import Path

TREES = {"old": sys.argv[1], "new": sys.argv[2]}
size = int(sys.argv[3]); reps = int(sys.argv[4]) if len(sys.argv) > 4 else 3
only = sys.argv[5].split(",") if len(sys.argv) > 5 else None
for _tree in TREES.values():  # .pyc as an install keeps them (benchmarks/generate.py)
    subprocess.run([f"{_tree}/.venv/bin/python", "-c", "import compileall, os, vaultgraph; "
                    "compileall.compile_dir(os.path.dirname(vaultgraph.__file__), quiet=1)"], check=True)
WORK = Path(tempfile.gettempdir()) / "vaultgraph-compare"
work = WORK / f"w{size}"
work.mkdir(parents=True, exist_ok=True)
vault = work / "vault"
if not (work / "truth.json").exists():
    subprocess.run([f"{TREES['new']}/.venv/bin/python", "-c",
        f"import sys,json; sys.path.insert(0,'{TREES['new']}/benchmarks'); from generate import generate; "
        f"from pathlib import Path; t=generate({size},1,Path('{vault}')); Path('{work}/truth.json').write_text(json.dumps(t))"], check=True)
truth = json.loads((work / "truth.json").read_text())
sys.path.insert(0, str(Path(__file__).parent))
from floor import floor  # noqa: E402
floor(vault)  # the page cache warmed, as for the runs
scan = statistics.median(floor(vault)[1] for _ in range(3))
print(f"regex floor (read + scan every note, in this process): {scan:.3f} s", flush=True)
counts = Counter(t for s, t in truth["links"] if t and t != s)
hub = counts.most_common(1)[0][0]
edited = vault / truth["links"][0][0]

def run(tree, args, cache):
    cmd = ["/usr/bin/time", "-f", "%M %U %S", "-o", str(WORK / "rss.txt"), f"{TREES[tree]}/.venv/bin/python", "-m", "vaultgraph", "--cache-dir", str(cache), "--vault", str(vault), *args]
    with open(WORK / "out.txt", "wb") as out:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL)
        _, st, ru = os.wait4(p.pid, 0)
        el = time.perf_counter() - t
    rc = os.waitstatus_to_exitcode(st)
    assert rc in (0, 1), (tree, args, rc)
    m, u, sy = open(str(WORK / "rss.txt")).read().split()[-3:]
    return el, int(m) // 1024, float(u) + float(sy)

res = {}
def rec(row, tree, r):
    res.setdefault(row, {}).setdefault(tree, []).append(r)

caches = {}
def fresh(tree):
    if tree in caches: shutil.rmtree(caches[tree], ignore_errors=True)
    caches[tree] = Path(tempfile.mkdtemp(prefix=f"vgb-{tree}-"))
    return caches[tree]

edits = iter(range(10**6))
def edit():
    edited.write_text(edited.read_text() + f"\nOne more line. [[Missing after edit {next(edits)}]]\n")

print("| row | old wall s | new wall s | change | new/old | old/floor | new/floor | old CPU s | new CPU s | CPU change | old RSS MB | new RSS MB | runs |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
rows = [
 ("start-up: --help", lambda tr: run(tr, ["--help"], caches.get(tr) or fresh(tr))),
 ("cold: index", lambda tr: run(tr, ["index"], fresh(tr))),
 ("cold: index + check", lambda tr: run(tr, ["check", "--format", "json"], fresh(tr))),
 ("cold: check --no-cache", lambda tr: run(tr, ["--no-cache", "check", "--format", "json"], fresh(tr))),
 ("warm: no change", lambda tr: run(tr, ["index"], caches[tr])),
 ("warm: backlinks of the hub", lambda tr: run(tr, ["backlinks", hub, "--json"], caches[tr])),
 ("after editing one note: index", lambda tr: (edit(), run(tr, ["index"], caches[tr]))[1]),
 ("after editing one note: backlinks", lambda tr: (edit(), run(tr, ["backlinks", hub, "--json"], caches[tr]))[1]),
 ("after editing one note: check", lambda tr: (edit(), run(tr, ["check", "--format", "json"], caches[tr]))[1]),
 ("warm: check", None),
]
for name, fn in rows:
    if only and not any(o in name for o in only) and not name.startswith("cold: index + check"):
        continue
    if fn is None:
        time.sleep(2.5)
        for tr in TREES: run(tr, ["check", "--format", "json"], caches[tr])  # settle
        fn = lambda tr: run(tr, ["check", "--format", "json"], caches[tr])
    for i in range(reps):
        for tr in (("old", "new") if i % 2 == 0 else ("new", "old")):
            rec(name, tr, fn(tr))
    o = statistics.median(x[0] for x in res[name]["old"]); n = statistics.median(x[0] for x in res[name]["new"])
    ro = max(x[1] for x in res[name]["old"]); rn = max(x[1] for x in res[name]["new"])
    co = statistics.median(x[2] for x in res[name]["old"]); cn = statistics.median(x[2] for x in res[name]["new"])
    print(f"| {name:<34} | {o:8.3f} | {n:8.3f} | {100*(n/o-1):+6.1f}% | {n/o:5.2f}x | {o/scan:5.1f}x | {n/scan:5.1f}x | {co:6.2f} | {cn:6.2f} | {100*(cn/co-1) if co else 0:+6.1f}% | {ro:5d} | {rn:5d} |  old={[round(x[0],3) for x in res[name]['old']]} new={[round(x[0],3) for x in res[name]['new']]}", flush=True)
for c in caches.values(): shutil.rmtree(c, ignore_errors=True)
