"""Property: in generated vaults, renaming a random note leaves every link leading where
it did -- to the moved file exactly when it led to the file before the move."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import vaultgraph
from vaultgraph.edits import apply, plan_move

FOLDERS = ["", "a", "b", "a/c"]
NAMES = ["Note", "note", "Other", "Zed one", "Café"]


def _path(folder: str, name: str) -> str:
    return f"{folder}/{name}.md" if folder else f"{name}.md"


@st.composite
def vaults(draw):
    paths = draw(st.lists(st.builds(_path, st.sampled_from(FOLDERS), st.sampled_from(NAMES)),
                          min_size=2, max_size=7, unique_by=str.lower))
    texts = {}
    for path in paths:
        links = []
        for _ in range(draw(st.integers(0, 5))):
            target = draw(st.sampled_from(paths))
            stem = target[:-3]
            form = draw(st.sampled_from(["bare", "full", "suffix", "md", "markdown", "angle",
                                         "relative", "alias", "embed"]))
            name = stem.rsplit("/", 1)[-1]
            written = {"bare": name, "full": stem, "suffix": "/".join(stem.split("/")[-2:]),
                       "md": name + ".md"}.get(form, stem)
            if form == "markdown":
                links.append(f"[x]({target.replace(' ', '%20')}#H)")
            elif form == "angle":
                links.append(f"[x](<{target}>)")
            elif form == "relative":
                links.append(f"[x](./{name.replace(' ', '%20')}.md)")
            elif form == "alias":
                links.append(f"[[{written}#H|shown]]")
            elif form == "embed":
                links.append(f"![[{written}]]")
            else:
                links.append(f"[[{written}]]")
        texts[path] = "# t\n" + " and ".join(links) + "\n"
    source = draw(st.sampled_from(paths))
    dest = _path(draw(st.sampled_from(FOLDERS + ["d/e"])), draw(st.sampled_from(
        ["Moved", "Note", "Other", "New one"])))
    return texts, source, dest


def _targets(root: Path) -> dict[str, list[tuple[int, int, str | None]]]:
    """note -> (line, column, target) of each of its links, in order."""
    with vaultgraph.load(root) as vault:
        return {path: [(edge.link.line, edge.link.column, edge.target)
                       for edge in vault.outgoing(path)] for path in vault.notes}


@settings(max_examples=80, deadline=None)
@given(vaults())
def test_a_moved_note_is_the_target_exactly_where_it_was(case):
    texts, source, dest = case
    if dest.lower() in {p.lower() for p in texts}:
        return
    root = Path(tempfile.mkdtemp(prefix="vg-mv-"))
    try:
        for path, text in texts.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text, encoding="utf-8")
        before = _targets(root)
        with vaultgraph.load(root) as vault:
            plan = plan_move(vault, {source: dest}, keep_resolution=True)
        if plan.problems:
            assert all("cannot be written" in p or "no link text" in p for p in plan.problems)
            return
        apply(root, plan)
        after = _targets(root)
        captured = {(c.source, c.line, c.column) for c in plan.changes if c.before is None}
        checked = 0
        for path, targets in before.items():
            new_path = dest if path == source else path
            assert len(after[new_path]) == len(targets)
            for (line, column, was), (_, _, now) in zip(targets, after[new_path]):
                if (path, line, column) in captured:
                    continue  # a broken link the new name now answers: reported
                assert (now == dest) == (was == source), (path, line, column, was, now)
                assert now == (dest if was == source else was), (path, line, column)
                checked += 1
    finally:
        shutil.rmtree(root, ignore_errors=True)
