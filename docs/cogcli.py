"""The examples of docs/cli.md, made by running them: cog (https://cog.readthedocs.io)
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

import cog
from click.testing import CliRunner

from vaultgraph.cli import cli

ROOT = Path(__file__).resolve().parent.parent  # the repository: paths print relative to it
_CACHE: list[str] = []  # one cache folder for the run (made on first use)
# The index's location depends on the cache folder and the checkout's real path: shown
# as a user's would be.
_LOCATION = re.compile(r"(index: |\"location\": \")[^\n\"]*index\.sqlite")
SHOWN_LOCATION = "/home/me/.cache/vaultgraph/6a0c2a1f3d9e8b47/index.sqlite"


def _cache() -> str:
    if not _CACHE:
        folder = tempfile.mkdtemp(prefix="vaultgraph-docs-")
        atexit.register(shutil.rmtree, folder, True)
        _CACHE.append(folder)
        _invoke(["--vault", "notes", "index"])  # so that `index` shows a vault indexed before
    return _CACHE[0]


def _invoke(args: list[str]) -> tuple[str, int]:
    """What ``vaultgraph ARGS`` prints (stdout, then stderr) and its exit code."""
    where = os.getcwd()
    os.chdir(ROOT)
    try:
        result = CliRunner().invoke(
            cli, ["--cache-dir", _CACHE[0], *args] if _CACHE else args,
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


def console(command: str, code: int | None = None) -> None:
    """A ``console`` block: the command as typed, then what it prints."""
    cog.outl("```console")
    cog.outl(f"$ vaultgraph {command}")
    cog.outl(run(command, code))
    cog.outl("```")


def output(command: str, code: int | None = None) -> None:
    """A plain block of what ``command`` prints (the command itself not shown)."""
    cog.outl("```")
    cog.outl(run(command, code))
    cog.outl("```")


def json_block(command: str, items: int = 2, pick: Callable[[Any], Any] | None = None,
               code: int | None = None) -> None:
    """A ``json`` block of what ``command --json`` prints (``pick``: the part to show),
    each object of a list on one line, and lists cut after ``items`` objects (``...``
    says how many more there were)."""
    data = json.loads(run(command, code))
    cog.outl("```json")
    cog.outl(_compact(pick(data) if pick else data, items))
    cog.outl("```")


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
