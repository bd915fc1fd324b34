"""The examples of docs/cli.md and README.md, made by running them: cog (https://cog.readthedocs.io)
calls these functions between the ``[[[cog`` and ``[[[end]]]`` markers of the page, and
writes what they print there.

    make docs                       # write every example again (cog -r)
    make docs-check                 # fail when an example differs from what vaultgraph prints

Each example runs the CLI in this process (click's CliRunner) from the repository's root, on
the sample vault ``notes/``, with one throwaway cache folder for the whole run, so the
page shows exactly what a user typing the command sees (on a pipe: no colours, no line
wrapping).  tests/test_docs.py fails when the page and the runs differ.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import shlex
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable

from click.testing import CliRunner

from vaultgraph.cli import cli

ROOT = Path(__file__).resolve().parent.parent  # the repository: paths print relative to it
_CACHE: list[str] = []  # one cache folder for the run (made on first use)
# The index's location depends on the cache folder and the checkout's real path: shown
# as a user's would be.
_LOCATION = re.compile(r"(index: |\"location\": \")[^\n\"]*index\.sqlite")
SHOWN_LOCATION = "/home/me/.cache/vaultgraph/6a0c2a1f3d9e8b47/index.sqlite"


def _outl(text: str) -> None:
    """``cog.outl`` of the cog run now going: cog puts a new ``cog`` module in
    ``sys.modules`` for each run, so one imported earlier would write to a past run
    (the second page of one pytest process came out empty)."""
    import cog

    cog.outl(text)


def _cache() -> str:
    if not _CACHE:
        folder = tempfile.mkdtemp(prefix="vaultgraph-docs-")
        atexit.register(shutil.rmtree, folder, True)
        _CACHE.append(folder)
        _invoke(["--vault", "notes", "index"])  # so that `index` shows a vault indexed before
    return _CACHE[0]


def _invoke(args: list[str], root: Path = ROOT, cache: str | None = None) -> tuple[str, int]:
    """What ``vaultgraph ARGS`` prints (stdout, then stderr) and its exit code, run from
    ``root`` with the index in ``cache`` (default: the run's)."""
    where = os.getcwd()
    os.chdir(root)
    cache = cache or (_CACHE[0] if _CACHE else None)
    try:
        result = CliRunner().invoke(
            cli, ["--cache-dir", cache, *args] if cache else args,
            env={"VAULTGRAPH_VAULT": None, "VAULTGRAPH_NO_CACHE": None,
                 "VAULTGRAPH_CACHE_DIR": None, "COLUMNS": None},
            catch_exceptions=False)
    finally:
        os.chdir(where)
    text = result.stdout + result.stderr
    return _LOCATION.sub(lambda m: m.group(1) + SHOWN_LOCATION, text), result.exit_code


def run(command: str, code: int | None = None) -> str:
    """The output of ``command`` (as typed after ``vaultgraph``), trailing blank lines
    dropped; ``code``: the exit code it must end with (default: any)."""
    _cache()
    text, status = _invoke(shlex.split(command))
    if code is not None and status != code:
        raise AssertionError(f"vaultgraph {command} exited {status}, not {code}:\n{text}")
    return text.rstrip("\n")


def on_a_copy(command: str, code: int | None = None,
              append: tuple[tuple[str, str], ...] = ()) -> str:
    """:func:`run` for a command that writes into the vault (``mv``, ``check --fix``) or
    that needs the vault edited first (``append``: (path in ``notes/``, line) pairs, each
    line added at the end of that note): run on a copy of ``notes/`` in a temporary
    folder, with an index of its own, so the sample vault is never changed."""
    with tempfile.TemporaryDirectory(prefix="vaultgraph-docs-") as folder:
        shutil.copytree(ROOT / "notes", Path(folder) / "notes")
        for path, line in append:
            with open(Path(folder) / "notes" / path, "a", encoding="utf-8") as note:
                note.write(line + "\n")
        text, status = _invoke(shlex.split(command), Path(folder), str(Path(folder) / "cache"))
    if code is not None and status != code:
        raise AssertionError(f"vaultgraph {command} exited {status}, not {code}:\n{text}")
    return text.rstrip("\n")


def console(command: str, code: int | None = None, writes: bool = False,
            append: tuple[tuple[str, str], ...] = (), head: int | None = None) -> None:
    """A ``console`` block: the command as typed, then what it prints (``writes``: a
    command that changes the vault, run on a copy of it: :func:`on_a_copy`; ``append``:
    lines added to notes of that copy first, shown as the ``echo`` that adds them;
    ``head``: only the first lines of the output, then ``...``)."""
    _outl("```console")
    for path, line in append:
        _outl(f"$ echo {shlex.quote(line)} >> {shlex.quote('notes/' + path)}")
    _outl(f"$ vaultgraph {command}")
    text = (on_a_copy(command, code, append) if writes or append else run(command, code))
    lines = text.split("\n")
    if head is not None and len(lines) > head:
        text = "\n".join(lines[:head] + ["..."])
    _outl(text)
    _outl("```")


def output(command: str, code: int | None = None) -> None:
    """A plain block of what ``command`` prints (the command itself not shown)."""
    _outl("```")
    _outl(run(command, code))
    _outl("```")


def json_block(command: str, items: int = 2, pick: Callable[[Any], Any] | None = None,
               code: int | None = None) -> None:
    """A ``json`` block of what ``command --json`` prints (``pick``: the part to show),
    each object of a list on one line, and lists cut after ``items`` objects (``...``
    says how many more there were)."""
    data = json.loads(run(command, code))
    _outl("```json")
    _outl(_compact(pick(data) if pick else data, items))
    _outl("```")


def _deep(value: Any) -> bool:
    """Whether ``value`` is printed over several lines: a list holding objects or lists,
    or an object holding such a list or an object."""
    if isinstance(value, list):
        return any(isinstance(v, (dict, list)) for v in value)
    return isinstance(value, dict) and any(isinstance(v, dict) or _deep(v) for v in value.values())


def _compact(value: Any, items: int, indent: str = "") -> str:
    inner = indent + "  "
    if isinstance(value, dict) and _deep(value):
        rows = [f"{inner}{json.dumps(k)}: {_compact(v, items, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(rows) + "\n" + indent + "}"
    if isinstance(value, list) and _deep(value):
        rows = [inner + _compact(v, items, inner) for v in value[:items]]
        if len(value) > items:
            rows.append(f"{inner}... ({len(value) - items} more)")
        return "[\n" + ",\n".join(rows) + "\n" + indent + "]"
    return json.dumps(value, ensure_ascii=False)
