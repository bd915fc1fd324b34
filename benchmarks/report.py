"""The HTML report at scale: its size, how long it takes to make, and how soon a
headless Chromium can use it -- each against a floor measured in the same run.

    python benchmarks/report.py --sizes 1000,10000 [--vault PATH ...] [--work DIR]

For each generated vault (benchmarks/generate.py) and each ``--vault``: the index
is brought up to date, then

- *generation*: `vaultgraph report backlinks --format html -o FILE` from a warm
  index (median of three), wall and CPU (user + system) seconds, against the floor of
  a warm `vaultgraph index` (start-up and the index check that every command pays);
  on a shared machine the wall time grows with the load average (printed), the CPU
  time does not;
- *size* of the file, and bytes per note;
- in headless Chromium (Debian's ``chromium`` + ``chromium-driver``, selenium):
  *usable* -- DOMContentLoaded and the note list drawn, the later of the two --
  against the floor of a page of the same size whose script only parses the same
  JSON; *graph* -- the whole-vault graph drawn; *search* -- one query over every
  note; *open hub* -- the most linked note's section built (and its graph).

Targets (issue 20): a 6.5k-note vault's file <= 4 MB, usable <= 2 s, generation
<= 2 s warm.  Figures are printed as a table; docs/performance.md keeps them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import compile_bytecode, generate  # noqa: E402

CLI = [sys.executable, "-m", "vaultgraph"]


def _run(args: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one vaultgraph process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(CLI + args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _median(args: list[str], times: int = 3) -> tuple[float, float]:
    runs = [_run(args) for _ in range(times)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def _browser(work: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader",
                 "--no-first-run", "--disable-background-networking", "--window-size=1400,1000",
                 f"--user-data-dir={work / 'chromium'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.set_script_timeout(60)
    return driver


def _wait(driver, script: str, seconds: float = 60) -> object:
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.02)
    raise TimeoutError(script)


def _floor_page(report: Path, out: Path) -> None:
    """A page as big as the report whose script only parses its JSON."""
    text = report.read_text(encoding="utf-8")
    data = text.split('<script type="application/json" id="report-data">', 1)[1].split("</script>", 1)[0]
    out.write_text(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>"
        f'<script type="application/json" id="report-data">{data}</script>'
        "<script>JSON.parse(document.getElementById('report-data').textContent);"
        "document.body.setAttribute('data-ready', String(performance.now()));</script>"
        f"<!-- {'x' * max(0, len(text) - len(data) - 400)} --></body></html>", encoding="utf-8")


def _load(driver, url: str) -> float:
    """Milliseconds until the page is usable: the later of DOMContentLoaded and data-ready."""
    driver.get("about:blank")
    driver.get(url)
    return float(_wait(driver, "var n = performance.getEntriesByType('navigation')[0];"
                               "var r = document.body && document.body.getAttribute('data-ready');"
                               "return n && n.domContentLoadedEventEnd > 0 && r ? "
                               "Math.max(n.domContentLoadedEventEnd, +r) : 0"))


def measure(name: str, vault: Path, work: Path, driver) -> dict:
    _run(["--vault", str(vault), "index"])
    out = work / f"{name}.html"
    report = ["--vault", str(vault), "report", "backlinks", "--format", "html", "-o", str(out)]
    row = {"vault": name, "load": os.getloadavg()[0]}
    row["index_floor_s"], row["index_floor_cpu"] = _median(["--vault", str(vault), "index"])
    row["generation_s"], row["generation_cpu"] = _median(report)
    row["size_mb"] = out.stat().st_size / 1e6
    notes = json.loads(out.read_text(encoding="utf-8").split('id="report-data">', 1)[1]
                       .split("</script>", 1)[0])["title"]
    row["notes"] = len(notes)
    row["bytes_per_note"] = out.stat().st_size / max(1, len(notes))
    floor = work / f"{name}.floor.html"
    _floor_page(out, floor)
    row["load_floor_ms"] = statistics.median(_load(driver, floor.as_uri()) for _ in range(3))
    usable = []
    for _ in range(3):
        usable.append(_load(driver, out.as_uri()))
        row["graph_ms"] = float(_wait(driver, "return document.body.getAttribute('data-graph-ready')"))
    row["usable_ms"] = statistics.median(usable)
    row["search_ms"] = driver.execute_script(
        "var s = document.getElementById('search'), t = performance.now();"
        "s.value = 'plasticity'; s.dispatchEvent(new Event('input'));"
        "return performance.now() - t;")
    row["open_hub_ms"] = driver.execute_async_script(
        "var done = arguments[0], rows = document.querySelectorAll('#note-list .row');"
        "var D = JSON.parse(document.getElementById('report-data').textContent), counts = {};"
        "D.outgoing.forEach(function (out) { for (var k = 0; k < out.length; k += 6)"
        "  counts[out[k]] = (counts[out[k]] || 0) + 1; });"
        "var best = 0; for (var i in counts) if (+i >= 0 && +i < D.title.length && counts[i] > (counts[best] || 0)) best = +i;"
        "var before = document.body.getAttribute('data-graph-ready'), t = performance.now();"
        "window.addEventListener('hashchange', function () {"
        "  var built = performance.now() - t;"
        "  (function poll() { if (document.body.getAttribute('data-graph-ready') !== before)"
        "    done([built, performance.now() - t, +document.body.getAttribute('data-shown-ms')]);"
        "  else setTimeout(poll, 5); })();"
        "});"
        "var S = D.strings, f = S[D.folder[best]];"
        "var path = D.file[best] !== undefined ? S[D.file[best]] : (f ? f + '/' : '') + D.title[best] + '.md';"
        "t = performance.now(); location.hash = '#/' + encodeURIComponent(path);")
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--vault", action="append", default=[], type=Path)
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    compile_bytecode(sys.executable)
    work = args.work or Path(tempfile.mkdtemp(prefix="vg-report-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    vaults = []
    for size in [int(s) for s in args.sizes.split(",") if s]:
        root = work / f"gen{size}"
        if not root.exists():
            generate(size, 1, root)
        vaults.append((f"generated {size}", root))
    vaults += [(path.name, path) for path in args.vault]
    driver = _browser(work)
    try:
        rows = [measure(name, root, work, driver) for name, root in vaults]
    finally:
        driver.quit()
    header = ("vault", "notes", "size MB", "B/note", "generation wall s", "CPU s",
              "(index floor CPU s)", "ratio", "usable ms", "(load floor ms)", "ratio", "graph ms",
              "search ms", "open hub ms (its own work; graph)", "load avg")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print("| " + " | ".join([
            r["vault"], str(r["notes"]), f"{r['size_mb']:.2f}", f"{r['bytes_per_note']:.0f}",
            f"{r['generation_s']:.2f}", f"{r['generation_cpu']:.2f}", f"{r['index_floor_cpu']:.2f}",
            f"{r['generation_cpu'] / r['index_floor_cpu']:.1f}x", f"{r['usable_ms']:.0f}",
            f"{r['load_floor_ms']:.0f}", f"{r['usable_ms'] / max(1.0, r['load_floor_ms']):.1f}x",
            f"{r['graph_ms']:.0f}", f"{r['search_ms']:.0f}",
            f"{r['open_hub_ms'][0]:.0f} ({r['open_hub_ms'][2]:.0f}; {r['open_hub_ms'][1]:.0f})",
            f"{r['load']:.1f}"]) + " |")


if __name__ == "__main__":
    main()
