"""Hostile input: every file gets its diagnostic, every command finishes, nothing is written."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import unquote

import networkx as nx
import pytest
from click.testing import CliRunner

import vaultgraph
from vaultgraph.findings import check_vault
from vaultgraph.cli import cli
from vaultgraph.export import export_graph
from vaultgraph.parse import read_note

from . import hostile


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return hostile.build(tmp_path_factory.mktemp("hostile") / "vault")


@pytest.fixture(scope="module")
def codes(root):
    found = defaultdict(set)
    for d in check_vault(vaultgraph.load(root)).diagnostics:
        found[d.path].add(d.code)
    return found


@pytest.mark.slow
@pytest.mark.parametrize("path", sorted(hostile.FILES))
def test_each_hostile_file_gets_its_diagnostic(codes, path):
    expected = hostile.FILES[path][1]
    got = codes.get(path, set())
    assert expected <= got, (path, got)
    assert not (got - expected - {"unresolved-link", "missing-attachment"}), (path, got)


@pytest.mark.slow
def test_big_note_and_symlinks(codes):
    path, _, expected = hostile.BIG_NOTE
    assert codes[path] == expected
    if hasattr(os, "symlink"):
        assert codes["links-loop"] == {"ignored-symlink"}
        assert codes["dangling.md"] == {"ignored-symlink"}


@pytest.mark.slow
def test_hostile_notes_keep_their_links_and_tags(root):
    vault = vaultgraph.load(root)
    for path in ("encoding/latin1.md", "encoding/mixed.md", "encoding/bom.md", "encoding/crlf.md",
                 "encoding/lone cr.md", "binary/nul padded.md", "yaml/bomb.md",
                 "yaml/never closed.md", "huge/one long line.md"):
        assert [e.target for e in vault.outgoing(path)][:1] == ["Target.md"], path
    assert {t.name for t in vault.notes["encoding/bom.md"].tags} == {"bom"}
    assert [(t.name, t.line) for t in vault.notes["encoding/crlf.md"].tags] == [("crlf", 2), ("t", 5)]
    assert len(vault.outgoing("huge/ten thousand links.md")) == 10_000
    # Past the nesting limit content is dropped, and said so; what follows is read.
    assert [e.link.line for e in vault.outgoing("deep/quotes.md")] == [3]
    assert len(vault.outgoing("deep/lists.md")) >= 45  # two nesting levels per list
    assert vault.notes["names/links.md"].links[0].path == "Café"
    assert [e.target for e in vault.outgoing("names/links.md")][:2] == [
        next(p for p in vault.files if p.startswith("names/Cafe")), "names/🔴 emoji.md"]


def _hash_tree(root: Path) -> dict[str, str]:
    digests = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in dirs + files:
            path = Path(folder) / name
            rel = str(path.relative_to(root))
            if path.is_symlink():
                digests[rel] = "link:" + os.readlink(path)
            elif path.is_file():
                digests[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                digests[rel] = "dir"
    return digests


COMMANDS = [
    ["check", "--format", "json"], ["check", "--format", "github"], ["check"],
    ["check", "--include-excluded", "--unresolved", "ignore"],
    ["tags", "--json"], ["tags"], ["tags", "🔴", "--json"],
    ["links", "Target", "--json"], ["backlinks", "Target"], ["backlinks", "Target", "--json"],
    ["links", "<img src=x onerror=alert(1)>"],
    ["provenance", "Target", "--json"], ["provenance", "--dependents", "Target"],
    ["explain", "names/links:1", "--json"], ["orphans", "--json"], ["deadends"],
    ["wanted", "--json"], ["neighbors", "Target", "--depth", "2", "--json"],
    ["path", "Target", "names/links", "--json"], ["hubs", "--json"], ["related", "Target"],
    ["mentions", "Target", "--json"], ["stats", "--json"],
]


@pytest.mark.slow
def test_every_command_finishes_and_writes_nothing(root):
    before = _hash_tree(root)
    for args in COMMANDS:
        result = CliRunner().invoke(cli, ["--vault", str(root), *args])
        assert result.exit_code in (0, 1), (args, result.output[-500:])
        assert "Traceback" not in result.output
        if "--json" in args or "json" in args:
            json.loads(result.stdout)
    assert _hash_tree(root) == before


@pytest.mark.slow
def test_real_process_reports_and_exits_1_without_traceback(root):
    proc = subprocess.run([sys.executable, "-m", "vaultgraph", "--vault", str(root), "check",
                           "--format", "json"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert json.loads(proc.stdout)["summary"]["errors"] > 0


def test_slow_parse_is_cut_off_by_the_time_guard(tmp_path):
    (tmp_path / "slow.md").write_text("[[a]] [[b " * 50_000)
    note = read_note(tmp_path, "slow.md", seconds=0.05)
    assert [d.code for d in note.diagnostics] == ["parse-timeout"] and note.links == []


def test_an_alarm_inside_the_time_limits_exit_leaves_no_timer_armed(tmp_path, monkeypatch):
    """The timeout's alarm may come while time_limit is leaving, before it disarms the
    timer (its handler re-arms it to keep raising): the timeout is reported and no timer
    is left to fire inside the next note, or after the handler is put back."""
    import signal

    from vaultgraph import parse

    def late_alarm(self, *exc_info):
        signal.setitimer(signal.ITIMER_REAL, 0.05)  # as _on_alarm leaves it
        raise parse.ParseTimeout

    (tmp_path / "n.md").write_text("[[a]]")
    monkeypatch.setattr(parse.time_limit, "__exit__", late_alarm)
    try:
        with parse.alarm_handler():
            note = read_note(tmp_path, "n.md", seconds=5)
        assert [d.code for d in note.diagnostics] == ["parse-timeout"]
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    finally:  # (a timer left armed would end pytest itself)
        signal.setitimer(signal.ITIMER_REAL, 0)


def test_a_worker_batch_sets_the_alarm_handler_once_and_still_cuts_a_slow_parse(
        tmp_path, monkeypatch):
    """index._parse_batch puts the timeout's SIGALRM handler in place once for its notes
    (parse.alarm_handler); each note's time_limit then only arms its timer: a slow note
    is still cut off, the next one is read, and the handler before is back after."""
    import signal

    from vaultgraph import parse
    from vaultgraph.index import _parse_batch

    (tmp_path / "slow.md").write_text("[[a]] [[b " * 50_000)
    (tmp_path / "ok.md").write_text("[[A]]")
    before = signal.getsignal(signal.SIGALRM)
    monkeypatch.setattr(parse.note_from_bytes, "__defaults__", (0.05,))  # its `seconds`
    rows = _parse_batch(str(tmp_path), ["slow.md", "ok.md", "slow.md"], False)
    assert [b"parse-timeout" in row[2] for row in rows] == [True, False, True]
    assert b'"A"' in rows[1][2]
    assert signal.getsignal(signal.SIGALRM) == before
    with parse.time_limit(5):  # alone, it sets the handler and puts the one before back
        assert signal.getsignal(signal.SIGALRM) != before
    assert signal.getsignal(signal.SIGALRM) == before


def test_unreadable_file_and_folder(make_vault, monkeypatch):
    root = make_vault({"ok.md": "[[locked]]", "locked.md": "x", "sealed/n.md": "x"})
    real_open, real_scandir = os.open, os.scandir

    def os_open(path, *args, **kwargs):  # (as root, a mode of 000 does not stop reading)
        if str(path).endswith("locked.md"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    def scandir(path):
        if str(path).endswith("sealed"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(os, "scandir", scandir)
    result = CliRunner().invoke(cli, ["--vault", str(root), "check", "--format", "json"])
    found = {(d["path"], d["code"]) for d in json.loads(result.stdout)["diagnostics"]}
    assert found == {("locked.md", "unreadable-file"), ("sealed", "unreadable-file")}
    assert result.exit_code == 1


def test_empty_vault(tmp_path):
    result = CliRunner().invoke(cli, ["--vault", str(tmp_path), "check", "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["summary"] == {"notes": 0, "errors": 0, "warnings": 0}
    for args in (["tags", "--json"], ["orphans"], ["hubs"], ["stats"], ["wanted"]):
        assert CliRunner().invoke(cli, ["--vault", str(tmp_path), *args]).exit_code == 0


def test_undecodable_file_name_is_reported(tmp_path):
    if sys.platform != "linux":
        pytest.skip("needs a file system that stores raw bytes")
    os.makedirs(tmp_path / "v")
    with open(os.path.join(os.fsencode(tmp_path / "v"), b"bad\xff.md"), "w") as handle:
        handle.write("x")
    result = CliRunner().invoke(cli, ["--vault", str(tmp_path / "v"), "check", "--format", "json"])
    data = json.loads(result.stdout)
    assert [d["code"] for d in data["diagnostics"]] == ["invalid-filename"]


# --- Bounded input: the vault's configuration, the walk, what is read -------------------

needs_posix = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and symlinks")


def _limit_memory():  # a child that reads without end fails, instead of the machine
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def _run(args: list[str], timeout: float = 60) -> tuple[subprocess.CompletedProcess, dict]:
    """A real process (a hang is a failed test, not a stuck suite) and its JSON output."""
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True,
                          timeout=timeout, preexec_fn=_limit_memory)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    return proc, json.loads(proc.stdout)


def _check(root: Path, timeout: float = 60) -> tuple[int, set[tuple[str, str]], dict]:
    """``check --format json`` of the vault: exit code, (path, code) pairs, summary."""
    proc, data = _run(["-m", "vaultgraph", "--vault", str(root), "check", "--format", "json"],
                      timeout)
    return (proc.returncode, {(d["path"], d["code"]) for d in data["diagnostics"]},
            data["summary"])


@pytest.mark.slow
@needs_posix
def test_special_entries_of_the_hostile_vault(root, codes):
    for path, expected in hostile.SPECIAL.items():
        assert codes[path] == expected, path
    assert codes[".obsidian/app.json"] == {"invalid-config"}  # the lookbehind filter
    vault = vaultgraph.load(root)
    assert hostile.DEEP_ENOUGH in vault.notes and not vault.is_excluded(hostile.SLOW_NAME)
    assert not [p for p in vault.files if p.startswith(("links-root/", "special/"))]
    assert not [p for p in vault.files if p.endswith("too deep.md")]


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _dev_zero(path: Path) -> None:
    os.symlink("/dev/zero", path)


APP_JSON_FAULTS = {
    "nested 100k deep": lambda path: path.write_text("[" * 100_000),
    "a FIFO": _fifo,
    "a symlink to /dev/zero": _dev_zero,
    "over 1 MB": lambda path: path.write_text('{"userIgnoreFilters": ["b"]}' + " " * 2_000_000),
    "a folder": lambda path: path.mkdir(),
}


@needs_posix
@pytest.mark.parametrize("fault", sorted(APP_JSON_FAULTS))
def test_a_bad_app_json_is_a_warning_and_the_run_goes_on(make_vault, fault):
    root = make_vault({"a.md": "[[b]]", "b.md": ""})
    (root / ".obsidian").mkdir()
    APP_JSON_FAULTS[fault](root / ".obsidian" / "app.json")
    code, found, summary = _check(root)
    assert (code, found) == (0, {(".obsidian/app.json", "invalid-config")})
    assert summary["notes"] == 2  # the defaults: nothing excluded


def test_regex_filters_match_in_linear_time_and_without_case(make_vault):
    root = make_vault({hostile.SLOW_NAME: "[[missing]]", "Archive/old.md": "[[missing]]",
                       "keep.md": ""},
                      obsidian={"userIgnoreFilters": [hostile.SLOW_FILTER, "/^archive\\//"]})
    code, found, summary = _check(root, timeout=30)
    assert (code, found) == (1, {(hostile.SLOW_NAME, "unresolved-link")})
    assert summary["notes"] == 2  # Archive/old.md is excluded


def test_compiling_regex_filters_is_bounded_too(make_vault):
    """RE2 matches in linear time, but compiling `\\pL{300}` took a quarter of a second:
    an app.json of such filters held every command for minutes before it began."""
    costly = [f"/\\pL{{300}}{i}/" for i in range(1_000)]
    root = make_vault({"a.md": "[[missing]]", "old/b.md": "[[missing]]"},
                      obsidian={"userIgnoreFilters": ["/^old\\//", *costly, "/^a/"]})
    started = time.monotonic()
    code, found, summary = _check(root, timeout=60)
    assert time.monotonic() - started < 15
    assert summary["notes"] == 1  # /^old\// is applied; /^a/ comes after the first 100
    assert found == {(".obsidian/app.json", "invalid-config"), ("a.md", "unresolved-link")}


def test_links_into_a_note_of_many_headings_and_blocks_take_time_linear_in_them(make_vault):
    """Each link looked through every heading (or block) of its target: 20,000 links into
    a note of 40,000 headings took about a minute; 100,000 into 200,000, hours."""
    headings = "".join(f"# h{i}\n\npara {i} ^b{i}\n\n" for i in range(40_000))
    links = "".join(f"[[H#h{i}]] [[H#^b{i}]]\n" for i in range(0, 40_000, 2))
    root = make_vault({"H.md": headings, "L.md": links + "[[H#nope]] [[H#^nope]]\n"})
    started = time.monotonic()
    code, found, _ = _check(root, timeout=120)
    assert time.monotonic() - started < 30
    assert found == {("L.md", "missing-heading"), ("L.md", "missing-block")}


def test_indexed_heading_and_block_lookup_answers_as_the_scan_does():
    import random

    from vaultgraph import resolve
    from vaultgraph.model import Block, Heading

    rng = random.Random(17)
    for _ in range(300):
        headings = [Heading(rng.choice(["A", "b", "B ", "c#", "D"]), rng.randint(1, 6), i)
                    for i in range(rng.randint(0, 80))]
        blocks = [Block(rng.choice(["x", "X", "y", "z1"]), i, 1) for i in range(rng.randint(0, 80))]
        parts = [rng.choice(["a", "B", "c", "d", "e"]) for _ in range(rng.randint(1, 3))]
        scanned, resolve._SCANNED = resolve._SCANNED, 10**9
        try:
            expected = (resolve.find_heading(headings, parts), resolve.find_block(blocks, "x"))
        finally:
            resolve._SCANNED = scanned
        assert (resolve.find_heading(headings, parts), resolve.find_block(blocks, "x")) == expected


@needs_posix
def test_a_symlink_to_the_root_folder_is_not_followed(make_vault):
    root = make_vault({"a.md": ""})
    os.symlink("/", root / "everything")
    os.symlink(root.parent, root / "parent")
    code, found, summary = _check(root)
    assert found == {("everything", "ignored-symlink"), ("parent", "ignored-symlink")}
    assert (code, summary["notes"]) == (0, 1)


@needs_posix
def test_folders_1000_deep_are_cut_at_the_bound(make_vault):
    from vaultgraph.files import MAX_FOLDER_DEPTH

    root = make_vault({"a/b/near.md": "[[far]]"})
    deep = str(root)
    for _ in range(1000):  # (mkdir(parents=True) recurses once per level)
        deep += "/d"
        os.mkdir(deep)
    Path(deep, "far.md").write_text("")
    try:
        code, found, summary = _check(root, timeout=30)
    finally:  # (pytest's clean-up, shutil.rmtree, recurses once per level too)
        subprocess.run(["rm", "-rf", str(root / "d")], check=True)
    assert found == {("/".join(["d"] * (MAX_FOLDER_DEPTH + 1)), "too-deep"),
                     ("a/b/near.md", "unresolved-link")}
    assert summary["notes"] == 1 and code == 1


SWAP = """
import os, sys
from vaultgraph import files
from vaultgraph.cli import main

stat_all, vault, target = files.stat_all, sys.argv[1], sys.argv[2]

def swap_after_stat(found):  # the note is regular when listed and stated, then swapped
    numbers = stat_all(found)
    for path in found:
        if path.endswith("swapped.md"):
            os.remove(path)
            os.symlink(target, path)
    return numbers

files.stat_all = swap_after_stat
sys.argv = ["vaultgraph", "--vault", vault, "check", "--format", "json"]
main()
"""


@needs_posix
@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_a_note_swapped_for_a_device_or_fifo_after_discovery(make_vault, tmp_path, target):
    root = make_vault({"a.md": "[[swapped]]", "swapped.md": "text"})
    if target == "fifo":
        target = str(tmp_path / "fifo")
        os.mkfifo(target)
    proc, data = _run(["-c", SWAP, str(root), target])
    found = [(d["path"], d["code"], d["message"]) for d in data["diagnostics"]]
    assert found == [("swapped.md", "unreadable-file", "cannot read: not a regular file")]
    assert proc.returncode == 1 and data["summary"]["notes"] == 2


@needs_posix
def test_read_bounded(tmp_path):
    from vaultgraph.files import NotRegularFile, TooLarge, is_within, read_bounded

    path = tmp_path / "note.md"
    path.write_bytes(b"x" * 100)
    assert read_bounded(path, 100) == b"x" * 100
    with pytest.raises(TooLarge) as raised:
        read_bounded(path, 99)
    assert (raised.value.size, raised.value.limit) == (100, 99)
    assert read_bounded(path, 10, cut=True) == b"x" * 11
    os.mkfifo(tmp_path / "fifo")
    for special in (tmp_path / "fifo", "/dev/zero", tmp_path):
        with pytest.raises(NotRegularFile):
            read_bounded(special, 10)
    if os.path.exists("/proc/self/status"):  # says 0 bytes: not read
        assert read_bounded("/proc/self/status", 10) == b""
    assert is_within("/home/v/x", "/") and is_within("/v", "/v") and is_within("/v/x", "/v")
    assert not is_within("/v2", "/v") and not is_within("/", "/v")


# -- output encoding: vault text is data in every format (issue 17) -------------------
# What must never reach a terminal from the vault: C0 controls but tab and the line break
# (ESC, BEL, CR...), DEL, C1 controls (U+009B is a CSI), line separators, bidi overrides.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
OUR_ANNOTATION = re.compile(r"::(error|warning) file=[^:,]*,line=\d+,col=\d+,title=[a-z-]+::")

# Each prints vault text: paths, names, link text, lines of notes.
HUMAN_COMMANDS = [
    ["check"], ["--no-cache", "check"], ["check", "--format", "github"], ["tags", "🔴"],
    ["links", "escapes/terminal"], ["backlinks", "Target"], ["--no-cache", "backlinks", "Target"],
    ["explain", "escapes/terminal:2"], ["provenance", "names/new\n::error file=forged.md,line=1::forged"],
    ["orphans"], ["deadends"], ["wanted"], ["neighbors", "Target"],
    ["path", "Target", "escapes/terminal"], ["hubs", "--top", "100"], ["mentions", "Target"],
    ["backlinks", "\x1b]52;c;eA==\x07nothing"],  # an error message quoting the argument
    # click's usage errors quote what they reject, not always with repr
    ["tags", "a", "b\n::error file=forged.md::x \x1b[2J"], ["check", "\n::error::x"],
    ["--vault", "\n::error::x"], ["neighbors", "Target", "--depth", "\n##[error]x"],
]


def _lines_are_ours(args, output):
    """No raw control character, and no line a GitHub Actions runner would run as a
    workflow command (`::cmd` at a line's start, `##[cmd]` anywhere) unless it is one of
    the github format's own annotations."""
    assert not RAW_CONTROL.search(output), (args, RAW_CONTROL.search(output))
    assert "##[" not in output, args
    for line in output.splitlines():
        if line.lstrip().startswith("::"):
            assert "github" in args and OUR_ANNOTATION.match(line), (args, line)


@pytest.mark.slow
@pytest.mark.parametrize("args", HUMAN_COMMANDS, ids=" ".join)
def test_human_output_shows_control_characters_and_forges_no_line(root, args):
    result = CliRunner().invoke(cli, ["--vault", str(root), *args])
    assert result.exit_code in (0, 1, 2) and result.exception is None or isinstance(
        result.exception, SystemExit), (args, result.output[-500:])
    _lines_are_ours(args, result.stdout)
    _lines_are_ours(args, result.stderr)
    if args[-1] in ("check", "github", "wanted") or args[-2:] == ["backlinks", "Target"]:
        assert "\\x1b" in result.stdout  # shown, not dropped
    if "github" in args:  # the annotation names the file as GitHub decodes it (actions/runner)
        files = {re.sub("%(0A|0D|3A|2C|25)", lambda m: chr(int(m.group(1), 16)), m.group(1))
                 for m in re.finditer(r"^::\w+ file=([^,]*),", result.stdout, re.M)}
        assert any(f.endswith("/names/new\n::error file=forged.md,line=1::forged.md") for f in files)
    if args[-2:] == ["backlinks", "Target"]:
        assert "new\\n::error file=forged.md" in result.stdout
        assert "\\x1b]52;c;cHduZWQ=\\x07 clear \\x1b[2J" in result.stdout  # (a tab: rich's path)


@pytest.mark.slow
@pytest.mark.parametrize("args", [["check"], ["backlinks", "Target"], ["orphans"],
                                  ["mentions", "Target"]], ids=" ".join)
def test_coloured_output_sends_no_escape_sequence_of_the_vault(root, args, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich's styles on: its own escapes, only SGR
    result = CliRunner().invoke(cli, ["--vault", str(root), *args])
    assert "\x1b[" in result.stdout  # (coloured indeed)
    without_styles = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)
    assert not RAW_CONTROL.search(without_styles), RAW_CONTROL.search(without_styles)


@pytest.mark.slow
def test_markdown_report_is_data_not_markup(root):
    from markdown_it import MarkdownIt
    from mdit_py_plugins.front_matter import front_matter_plugin

    from vaultgraph.escape import visible

    result = CliRunner().invoke(cli, ["--vault", str(root), "report", "backlinks",
                                      "--include-unresolved"])
    assert result.exit_code == 0
    text = result.stdout
    tokens = MarkdownIt("commonmark").enable("table").use(front_matter_plugin).parse(text)
    inline = [child for token in tokens for child in (token.children or [])]
    assert not [t for t in tokens + inline if t.type.startswith("html")]  # no raw HTML
    assert not RAW_CONTROL.search(text)
    codes = {t.content for t in inline if t.type == "code_inline"}
    # Paths and link text in code spans come out exactly as written (line breaks shown).
    for path in ('"><img src=x onerror=alert(1)>.md', "names/new\n::error file=forged.md,line=1::forged.md",
                 "escapes/terminal.md"):
        assert visible(path) in codes, path
    assert "B`tick" in codes and "\\x1bc reset" in codes
    # One heading per note, and the contents link to each as written.
    headings = [tokens[i + 1].content for i, t in enumerate(tokens)
                if t.type == "heading_open" and t.tag == "h2"]
    report = json.loads(CliRunner().invoke(cli, ["--vault", str(root), "report", "backlinks",
                                                 "--include-unresolved", "--format", "json"]).stdout)
    entries = headings[1:1 + len(report["notes"])]
    assert len(entries) == len(report["notes"])
    assert re.findall(r"^- \[\[#(.*)\]\] \(\d+\)$", text, re.M) == entries
    # A Markdown link (for names holding markup) leads to the note it names.
    hrefs = {unquote(t.attrGet("href")) for t in inline if t.type == "link_open"}
    assert '"><img src=x onerror=alert(1)>.md' in hrefs


def test_html_report_shows_control_characters_and_bidi_overrides(root):
    """Raw in HTML, a bidi override reorders what the page shows, and the report printed
    to a terminal would run ESC sequences: shown as in every document people read."""
    result = CliRunner().invoke(cli, ["--vault", str(root), "report", "backlinks",
                                      "--format", "html", "--include-unresolved"])
    assert result.exit_code == 0
    assert not RAW_CONTROL.search(result.stdout), RAW_CONTROL.search(result.stdout)
    # Names reach the page as data for its script (textContent): shown, never markup.
    data = json.loads(result.stdout.split('id="report-data">')[1].split("</script>")[0])
    assert "orphan \\x1bc\\u202e" in data["title"]
    assert "<img src=x onerror=alert(1)>" in data["title"] and "<img" not in result.stdout


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠"])
def test_no_csv_cell_starts_a_formula(make_vault, start):
    root = make_vault({f"{start}cmd.md": "[[Target]]\n", "Target.md": "",
                       "L.md": f"[[{start}HYPERLINK x]]\n"})
    for args in (["report", "backlinks", "--format", "csv"], ["export", "--format", "csv"]):
        result = CliRunner().invoke(cli, ["--vault", str(root), *args])
        rows = list(csv.reader(io.StringIO(result.stdout)))
        cells = [cell for row in rows for cell in row]
        assert any(cell.startswith("'" + start) for cell in cells), (args, rows)
        assert not [c for c in cells if c[:1] in {"=", "+", "-", "@", "\t", "\r", "\n", "＝",
                                                  "＋", "－", "＠"}], (args, rows)


@pytest.mark.slow
@pytest.mark.parametrize("fmt, read", [
    ("graphml", lambda text: nx.read_graphml(io.BytesIO(text.encode()), force_multigraph=True)),
    ("gexf", lambda text: nx.read_gexf(io.BytesIO(text.encode()))),
])
def test_xml_exports_read_back_with_forbidden_characters_shown(root, fmt, read):
    result = CliRunner().invoke(cli, ["--vault", str(root), "export", "--format", fmt])
    assert result.exit_code == 0
    back = read(result.stdout)
    exported = export_graph(vaultgraph.load(root))
    assert back.number_of_nodes() == exported.number_of_nodes()
    assert back.number_of_edges() == exported.number_of_edges()
    # (ESC is forbidden in XML 1.0 too; the bidi override is not)
    assert {"\\x01ctl", "\\x1bc reset", "escapes/orphan \\x1bc\u202e.md"} <= set(back.nodes)


@pytest.mark.slow
def test_mermaid_export_is_one_line_per_node_and_edge_with_control_characters_shown(root):
    result = CliRunner().invoke(cli, ["--vault", str(root), "export", "--format", "mermaid"])
    graph = export_graph(vaultgraph.load(root))
    assert len(result.stdout.splitlines()) == 1 + graph.number_of_nodes() + graph.number_of_edges()
    assert not RAW_CONTROL.search(result.stdout) and "orphan \\x1bc\\u202e" in result.stdout


def test_dot_export_is_one_line_per_node_and_edge_with_control_characters_shown(root):
    result = CliRunner().invoke(cli, ["--vault", str(root), "export", "--format", "dot"])
    graph = export_graph(vaultgraph.load(root))
    assert len(result.stdout.splitlines()) == 3 + graph.number_of_nodes() + graph.number_of_edges()
    assert not RAW_CONTROL.search(result.stdout)
    assert '"escapes/orphan \\\\x1bc\\\\u202e.md"' in result.stdout  # (backslashes doubled)


# -- never write inside the vault; never replace what is not ours ----------------------
@pytest.mark.slow
def test_output_inside_the_vault_is_refused(root, tmp_path):
    before = _hash_tree(root)
    outside = tmp_path / "into-the-vault"
    outside.symlink_to(root / "Target.md")
    for args in (["report", "backlinks", "-o", str(root / "Target.md")],
                 ["report", "backlinks", "--format", "html", "-o", str(root / "new" / "r.html")],
                 ["export", "-o", str(root / "graph.graphml")],
                 ["report", "backlinks", "-o", str(outside)],  # a symlink into the vault
                 ["report", "backlinks", "-o", str(root / "names" / ".." / "x.md")]):
        result = CliRunner().invoke(cli, ["--vault", str(root), *args])
        assert result.exit_code == 2, args
        assert "inside the vault" in result.stderr and "Traceback" not in result.output
    assert _hash_tree(root) == before


def test_index_inside_the_vault_is_refused(make_vault, tmp_path, monkeypatch):
    root = make_vault({"A.md": "[[B]]", "B.md": ""})
    before = _hash_tree(root)
    for cache in (root / ".cache", root / "sub" / "deeper"):
        for command in (["index"], ["backlinks", "B"], ["check"], ["links", "A"], ["stats"]):
            result = CliRunner().invoke(cli, ["--vault", str(root), "--cache-dir", str(cache),
                                              *command])
            assert result.exit_code == 2 and "inside the vault" in result.stderr, command
    monkeypatch.delenv("VAULTGRAPH_CACHE_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(root / "xdg"))  # absolute, in the vault: refused
    assert CliRunner().invoke(cli, ["--vault", str(root), "index"]).exit_code == 2
    monkeypatch.chdir(root)
    monkeypatch.setenv("XDG_CACHE_HOME", "cache")  # relative: ignored (XDG spec), ~/.cache used
    result = CliRunner().invoke(cli, ["index", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["location"].startswith(str(tmp_path / "home" / ".cache"))
    assert _hash_tree(root) == before



@pytest.mark.skipif(not hasattr(os, "link"), reason="needs hard links")
@pytest.mark.parametrize("command", [["report", "backlinks"], ["export", "--format", "csv"]])
def test_output_to_a_hard_link_of_a_note_leaves_the_note(make_vault, tmp_path, command):
    """A hard link's path says nothing of the vault: the file is replaced, not written into."""
    root = make_vault({"A.md": "[[B]]\n", "B.md": "# B\n"})
    before = _hash_tree(root)
    link = tmp_path / "out.md"
    os.link(root / "A.md", link)
    result = CliRunner().invoke(cli, ["--vault", str(root), *command, "-o", str(link)])
    assert result.exit_code == 0, result.output
    assert (root / "A.md").read_text() == "[[B]]\n" and _hash_tree(root) == before
    assert link.read_text() != "[[B]]\n" and link.stat().st_nlink == 1

@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and symlinks")
def test_output_writes_through_what_is_not_a_regular_file(root, tmp_path):
    args = ["--vault", str(root), "export", "--format", "csv", "-o"]
    target = tmp_path / "kept.csv"
    target.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    assert CliRunner().invoke(cli, [*args, str(link)]).exit_code == 0
    assert link.is_symlink() and target.read_text().startswith("source,target")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    assert CliRunner().invoke(cli, [*args, str(fifo)]).exit_code == 0
    reader.join(30)
    assert received[0].startswith("source,target") and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    if os.path.exists("/dev/full"):
        result = CliRunner().invoke(cli, [*args, "/dev/full"])
        assert result.exit_code == 2 and "cannot write" in result.stderr
        assert stat.S_ISCHR(os.lstat("/dev/full").st_mode)
    long = tmp_path / ("x" * 245)  # the temporary file's name must fit too
    assert CliRunner().invoke(cli, [*args, str(long)]).exit_code == 0 and long.stat().st_size
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["kept.csv", "link.csv", "fifo", "x" * 245])  # no temporary file left


# -- the cache is private --------------------------------------------------------------
def _modes(folder: Path) -> dict[str, int]:
    return {p.name: stat.S_IMODE(p.lstat().st_mode) for p in folder.iterdir()}


def test_index_is_private(make_vault, tmp_path):
    root = make_vault({"A.md": "[[B]]", "B.md": ""})
    cache = tmp_path / "new" / "cache"
    previous = os.umask(0o022)
    try:
        assert CliRunner().invoke(cli, ["--vault", str(root), "--cache-dir", str(cache),
                                        "index"]).exit_code == 0
        (folder,) = cache.iterdir()
        assert stat.S_IMODE(cache.stat().st_mode) == 0o700  # created by us: private
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        reader = sqlite3.connect(folder / "index.sqlite")  # keeps the -wal and -shm files
        try:
            reader.execute("SELECT count(*) FROM files").fetchone()
            (root / "C.md").write_text("[[A]]")
            assert CliRunner().invoke(cli, ["--vault", str(root), "--cache-dir", str(cache),
                                            "backlinks", "A"]).exit_code == 0
            modes = _modes(folder)
            assert {"index.sqlite", "index.sqlite-wal", "index.sqlite-shm"} <= set(modes)
            assert set(modes.values()) == {0o600}, modes
        finally:
            reader.close()
        # An index left readable (an older version, a copy): ours, so tightened.
        os.chmod(folder, 0o755)
        for name in os.listdir(folder):
            os.chmod(folder / name, 0o644)
        assert CliRunner().invoke(cli, ["--vault", str(root), "--cache-dir", str(cache),
                                        "tags"]).exit_code == 0
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert set(_modes(folder).values()) == {0o600}
    finally:
        os.umask(previous)


def test_index_folder_that_is_not_ours_is_not_used(make_vault, tmp_path):
    from vaultgraph.index import index_file

    root = make_vault({"A.md": "[[B]] [[Bx]]", "B.md": ""})  # (Bx: did-you-mean answers to keep)
    cache, elsewhere = tmp_path / "cache", tmp_path / "elsewhere"
    elsewhere.mkdir()
    folder = index_file(root, cache).parent
    folder.parent.mkdir(parents=True)
    folder.symlink_to(elsewhere)  # planted: the index would land in someone else's folder
    run = lambda *a: CliRunner().invoke(cli, ["--vault", str(root), "--cache-dir", str(cache), *a])
    assert run("index").exit_code == 2
    assert json.loads(run("backlinks", "B", "--json").stdout)["backlinks"][0]["source"] == "A.md"
    assert run("check").exit_code == 1 and run("--no-cache", "check").exit_code == 1
    assert list(elsewhere.iterdir()) == []


def test_the_index_grows_with_the_text_not_with_links_times_context(tmp_path):
    """Links on one line share its context: the index keeps the line once, not a
    240-character window per link (a 1 MB line of 150,000 links made a 96 MB index)."""
    rel = "huge/many links on a line.md"
    root = tmp_path / "vault"
    (root / "huge").mkdir(parents=True)
    (root / "Target.md").write_text("# Target\n")
    (root / rel).write_text(hostile.FILES[rel][0])
    cache = tmp_path / "cache"
    result = CliRunner().invoke(cli, ["--vault", str(root), "--cache-dir", str(cache),
                                      "backlinks", "Target", "--json"])
    rows = json.loads(result.stdout)["backlinks"]
    line = hostile.FILES[rel][0].split("\n")[0]
    assert len(rows) == 3_003 and rows[-1]["context"] == "[[Target]] x [[Target]] x [[Target]] x"
    assert rows[100]["context"] == "..." + line[rows[100]["column"] - 81:][:240].strip() + "..."
    size = sum(f.stat().st_size for f in cache.rglob("index.sqlite*"))
    assert size < 40 * len(hostile.FILES[rel][0])  # 71 times when each link kept its context


def test_a_read_that_gives_part_of_what_was_asked_reads_on():
    """files._read_up_to reads until it has the bytes asked for or the file ends: a read
    may give fewer bytes than asked (here, a pipe written in two parts)."""
    import threading
    import time

    from vaultgraph.files import _read_up_to

    read_end, write_end = os.pipe()
    os.write(write_end, b"abc")

    def rest():
        time.sleep(0.2)
        os.write(write_end, b"defgh")
        os.close(write_end)

    writer = threading.Thread(target=rest)
    writer.start()
    try:
        assert _read_up_to(read_end, 6) == b"abcdef"
        assert _read_up_to(read_end, 6) == b"gh"
        assert _read_up_to(read_end, 6) == b""
    finally:
        writer.join()
        os.close(read_end)
