"""Old against new: is `check --format json` byte for byte the same?  For a change meant
to make check faster and nothing else.  Each vault is copied to a scratch folder (the
edits below never touch the original); then, for each checkout (its own `.venv`, made by
`make install`): a cold check (new index), a warm one, one after an edit (a note gains a
broken link near an existing name, and a new note takes the name of a broken link: the
incremental paths of findings.py and the did-you-mean store), and one with --no-cache.
Prints one line per vault and run, and exits 1 when any output or exit code differs.

    python benchmarks/same_output.py OLD_CHECKOUT NEW_CHECKOUT VAULT... [--keep DIR]
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def run(tree: str, vault: Path, cache: Path, *extra: str) -> tuple[int, bytes]:
    done = subprocess.run([f"{tree}/.venv/bin/python", "-m", "vaultgraph", "--cache-dir",
                           str(cache), "--vault", str(vault), *extra, "check", "--format",
                           "json"], capture_output=True)
    return done.returncode, done.stdout


def edit(vault: Path, report: bytes) -> None:
    """A broken link near a name in one note, and a note named as a broken link was."""
    diagnostics = json.loads(report)["diagnostics"]
    notes = sorted(vault.rglob("*.md"))
    first = notes[0]
    name = notes[len(notes) // 2].stem
    first.write_text(first.read_text(encoding="utf-8", errors="replace")
                     + f"\n\nSee [[{name[:-1] or name}x]].\n", encoding="utf-8")
    broken = [d for d in diagnostics if d["code"] == "unresolved-link" and d.get("target")]
    if broken:
        target = broken[0]["target"].split("|")[0].split("#")[0].strip().rsplit("/", 1)[-1]
        if target and not any(ch in target for ch in '\\:*?"<>'):
            (vault / f"{target}.md").write_text("# A new note\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    old, new, *vaults = argv
    scratch = Path(tempfile.mkdtemp(prefix="vaultgraph-same-"))
    differ = 0
    try:
        for source in map(Path, vaults):
            vault = scratch / "vault"
            shutil.rmtree(vault, ignore_errors=True)
            shutil.copytree(source, vault, symlinks=True)
            caches = {tree: scratch / f"cache-{i}" for i, tree in enumerate((old, new))}
            for cache in caches.values():
                shutil.rmtree(cache, ignore_errors=True)
            results: dict[str, dict[str, tuple[int, bytes]]] = {}
            for step in ("cold", "warm", "after an edit", "--no-cache"):
                if step == "after an edit":
                    edit(vault, results["warm"][old][1])
                extra = ("--no-cache",) if step == "--no-cache" else ()
                results[step] = {tree: run(tree, vault, caches[tree], *extra)
                                 for tree in (old, new)}
                (rc_old, out_old), (rc_new, out_new) = results[step][old], results[step][new]
                same = rc_old == rc_new and out_old == out_new
                differ += not same
                print(f"{'same' if same else 'DIFFERENT':9} {source} {step}: exit {rc_old}/{rc_new},"
                      f" {len(out_old)}/{len(out_new)} bytes", flush=True)
                if not same:
                    for name, out in (("old", out_old), ("new", out_new)):
                        (scratch / f"{source.name}-{step.strip('-')}-{name}.json").write_bytes(out)
    finally:
        if differ:
            print(f"outputs kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
