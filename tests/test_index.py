"""The persistent index: always the same answers as a fresh parse, whatever happened."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import sqlite3
import time

import pytest
from click.testing import CliRunner

import vaultgraph
from vaultgraph import answers as index_answers
from vaultgraph.answers import property_json
from vaultgraph.cli import cli
from vaultgraph.codec import note_to_json
from vaultgraph.findings import check_vault
from vaultgraph.index import _TABLES, Index, SuggestionStore, index_file, update_index
from vaultgraph.queries import wanted
from vaultgraph.suggest import Suggester
from vaultgraph.views import backlinks_view, links_view

NAMES = ["Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta", "Eta", "Theta"]
FOLDERS = ["", "a/", "b/", "a/c/"]


def _body(rng: random.Random) -> str:
    def link() -> str:  # to a note made at the start (Alpha3), or to one added later (Alpha)
        name = rng.choice(NAMES) + rng.choice(["", str(rng.randint(0, 24))])
        return f"[[{name}{rng.choice(['', '#H1', '#^b1', '|x'])}]]"

    links = " ".join(link() for _ in range(rng.randint(0, 5)))
    front = (f"tags: [{rng.choice(['t0', 't1', 't2', 't3', '🔴'])}]\n"
             + rng.choice(["", "", "", f"aliases: [{rng.choice(NAMES)}s]\n"])
             + rng.choice(["", "type: claim\n", "type: source\n", "doi: 10.1/x\n"])
             + rng.choice(["", f'sources: "{link()}"\n', f'supports: "{link()}"\n']))
    evidence = rng.choice(["", f"evidence:: {link()}\n", f"opposes:: {link()}\n",
                           "See doi:10.1234/abc.\n", f"## References\n- {link()}\n"])
    return (f"---\n{front}---\n# H{rng.randint(1, 2)}\n{links} #tag{rng.randint(0, 2)}\npara ^b{rng.randint(1, 2)}\n"
            f"{evidence}")


def answers(vault) -> dict:
    """Everything a query can see: parsed notes, resolved targets, backlinks, diagnostics."""
    return {
        "files": list(vault.files),
        "notes": {p: note_to_json(n) for p, n in vault.notes.items()},
        "canvases": {p: note_to_json(n) for p, n in vault.canvases.items()},
        "targets": {p: [(e.target, e.resolution.rule) for e in vault.outgoing(p)]
                    for p in [*vault.notes, *vault.canvases]},
        "backlinks": {p: [(e.source, e.link.line) for e in vault.backlinks(p)] for p in vault.files},
        "diagnostics": sorted((d.path, d.line, d.code) for d in vault.diagnostics),
        "tags": vault.tags(),
        "link ends": vault.link_ends(),
        "wanted": wanted(vault.broken_links()),
    }


def quick_answer(root, cache, config, query, outgoing=False) -> dict:
    """`backlinks` (``outgoing``: `links`) of ``query`` as the CLI answers it, from the
    index at ``cache`` brought up to date (``config``: unused, the vault's own is read)."""
    with vaultgraph.load(root, cache=True, cache_dir=cache) as vault:
        return (links_view if outgoing else backlinks_view)(vault, vault.note_path(query))


def stored_targets_agree(vault) -> bool:
    """Where the index says each link leads (edges.target, kept up to date as files
    come and go) is where resolving it again leads."""
    stored = vault.connection.execute(
        "SELECT source, target FROM edges ORDER BY source, seq").fetchall()
    return stored == sorted(((e.source, e.target) for e in vault.edges), key=lambda e: e[0])


_CONTENTS = {  # table -> (its columns, the same from a parsed note)
    "tags": ("name, line, col, source", lambda n: [(t.name, t.line, t.column, t.source) for t in n.tags]),
    "headings": ("text, level, line", lambda n: [(h.text, h.level, h.line) for h in n.headings]),
    "blocks": ("id, line, col", lambda n: [(b.id, b.line, b.column) for b in n.blocks]),
    "citations": ("kind, value, line, col",
                  lambda n: [(c.kind, c.value, c.line, c.column) for c in n.citations]),
    "lines": ("line, start, length, text",  # what contexts show, once a line
              lambda n: sorted({(r.line, r.where.start, r.where.length, r.where.text)
                                for r in n.links + n.citations
                                if r.where.__class__ is not str})),  # (a canvas's: text)
    "properties": ("key, value", lambda n: sorted((k, property_json(v))  # (its JSON's form)
                                                  for k, v in n.frontmatter.items())),
    "diagnostics": ("line, col, severity, code, message",
                    lambda n: [(d.line, d.column, d.severity, d.code, d.message)
                               for d in n.diagnostics]),
    "aliases": ("alias", lambda n: [(a,) for a in n.aliases]),
}


def stored_contents(root, cache) -> dict:
    """What the index's tables say each note contains."""
    found = {}
    with sqlite3.connect(index_file(root, cache)) as db:
        for table, (columns, _) in _CONTENTS.items():
            order = {"properties": "key", "lines": "line"}.get(table, "seq")
            for path, *row in db.execute(f"SELECT path, {columns} FROM {table} ORDER BY path, {order}"):
                found.setdefault((table, path), []).append(tuple(row))
    return found


def parsed_contents(vault) -> dict:
    return {(table, path): rows for table, (_, rows_of) in _CONTENTS.items()
            for path, note in [*vault.notes.items(), *vault.canvases.items()]
            if (rows := rows_of(note))}


def findings(result) -> list:
    return [(d.path, d.line, d.column, d.code, d.message, d.suggestions) for d in result.diagnostics]


def _write(root, rel, text, tick):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.utime(path, ns=(tick, tick))


@pytest.mark.slow
@pytest.mark.parametrize("resolver", ["sql", "memory"])
def test_incremental_index_answers_exactly_what_a_fresh_parse_answers(tmp_path, monkeypatch,
                                                                     resolver):
    # Links are resolved by SQL lookups when few notes changed, in memory when many.
    monkeypatch.setattr("vaultgraph.index.IN_MEMORY_RESOLVER", 0 if resolver == "memory" else 10**9)
    rng = random.Random(1234)
    root, cache = tmp_path / "vault", tmp_path / "cache"
    tick = 1_000_000_000_000_000_000  # fixed, old mtimes: no racy-mtime re-hashing
    for i in range(25):
        _write(root, f"{rng.choice(FOLDERS)}{rng.choice(NAMES)}{i}.md", _body(rng), tick)
    for round_ in range(30):
        tick += 1_000_000_000
        files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.md"))
        for _ in range(rng.choice([1, 1, 2, 4])):
            action, victim = rng.choice(["edit", "add", "delete", "rename", "touch", "same-size",
                                         "config", "symlink"]), rng.choice(files)
            if action == "edit":
                _write(root, victim, _body(rng), tick)
            elif action == "add":  # names differing by case: did-you-mean shows one of them
                name = rng.choice(NAMES + [name.lower() for name in NAMES[:3]])
                _write(root, f"{rng.choice(FOLDERS)}{name}.md", _body(rng), tick)
            elif action == "delete" and (root / victim).exists():
                (root / victim).unlink()
            elif action == "rename" and (root / victim).exists():
                target = root / f"{rng.choice(FOLDERS)}{rng.choice(NAMES)}-{round_}.md"
                target.parent.mkdir(parents=True, exist_ok=True)
                (root / victim).rename(target)
            elif action == "touch" and (root / victim).exists():
                os.utime(root / victim, ns=(tick, tick))
            elif action == "same-size" and (root / victim).exists():
                text = (root / victim).read_text()
                _write(root, victim, text.replace("para", "arap"), tick)
            elif action == "config":  # excluded files change what check reports
                _write(root, ".obsidian/app.json",
                       json.dumps({"userIgnoreFilters": [rng.choice(FOLDERS[1:])]}), tick)
            elif action == "symlink" and not (root / f"dangling-{round_}.md").is_symlink():
                # a broken symlink is no file, and is reported
                (root / f"dangling-{round_}.md").symlink_to(root / "nowhere")
        if round_ % 3 == 1:  # `vaultgraph index`: the answers alone are brought up to date
            update_index(root, cache)
        cached = vaultgraph.load(root, cache=True, cache_dir=cache)
        fresh = vaultgraph.load(root)
        assert answers(cached) == answers(fresh), f"round {round_}"
        # check's did-you-mean answers, kept in the index and updated as names come and go
        assert findings(check_vault(cached)) == findings(check_vault(fresh)), f"round {round_}"
        # check's findings, kept in the index for the same files, configuration and options
        for options in ([], ["--include-excluded"], ["--role", "a/=claim"],
                        ["--role", "#t1=claim"], ["--role", "#T2=source"]):
            for run in ("computed or kept", "kept"):
                kept = CliRunner().invoke(cli, ["--vault", str(root), "--cache-dir", str(cache),
                                                "check", "--format", "json", *options])
                computed = CliRunner().invoke(cli, ["--vault", str(root), "--no-cache",
                                                    "check", "--format", "json", *options])
                assert kept.output == computed.output, f"round {round_}, {options}, {run}"
        # The answers of the index brought up to date agree with those of a fresh one.
        for path in fresh.notes:
            assert backlinks_view(cached, path) == backlinks_view(fresh, path), f"round {round_}: {path}"
            assert links_view(cached, path) == links_view(fresh, path), f"round {round_}: {path}"
        assert stored_targets_agree(cached), f"round {round_}"
        assert stored_contents(root, cache) == parsed_contents(fresh), f"round {round_}"
        reused = cached._index.stats["reused"]
        cached.close()
        fresh.close()
    assert reused > 0  # the index was used, not rebuilt each time
    with sqlite3.connect(index_file(root, cache)) as db:
        assert db.execute("SELECT count(*) FROM suggestions").fetchone()[0] > 0


def test_stored_suggestions_are_scored_only_against_new_names(tmp_path):
    root = tmp_path / "vault"
    root.mkdir()
    vaultgraph.load(root, cache=True, cache_dir=tmp_path)  # creates the index
    store = SuggestionStore(index_file(root, tmp_path))
    asked = []

    def scores(queries, keys, limit):
        asked.append((list(queries), sorted(keys)))
        return Suggester.scores(queries, keys, limit)

    names = ["alpha note", "alpha notes", "beta note", "gamma"]
    first = store.answers(["alpha nite", "gamma ray"], lambda: names, 2, scores)
    assert first == {"alpha nite": [(90, "alpha note"), (86, "alpha notes")], "gamma ray": []}
    asked.clear()
    assert store.answers(["alpha nite", "gamma ray"], lambda: names, 2, scores) == first
    assert asked == [([], sorted(names))]  # nothing scored again
    asked.clear()
    grown = store.answers(["alpha nite"], lambda: names + ["alpha nit"], 2, scores)
    assert grown == {"alpha nite": [(95, "alpha nit"), (90, "alpha note")]}
    assert asked == [([], sorted(names + ["alpha nit"])), (["alpha nite"], ["alpha nit"])]
    asked.clear()
    shrunk = store.answers(["alpha nite"], lambda: ["alpha notes", "beta note", "gamma"], 2,
                           scores)
    assert shrunk == {"alpha nite": [(86, "alpha notes")]}
    assert asked[0][0] == ["alpha nite"]  # a listed name is gone: scored afresh
    # Names known to be those of a version of the index: stored answers are looked up
    # one by one, and the names are read only to score a new query.
    versioned = SuggestionStore(index_file(root, tmp_path), names_version="7")
    names = ["alpha notes", "beta note", "gamma"]
    assert versioned.answers(["alpha nite"], lambda: names, 2, scores) == shrunk  # stamps "7"
    read = []

    def names_read():
        read.append(True)
        return names

    asked.clear()
    assert versioned.answers(["alpha nite"], names_read, 2, scores) == shrunk
    assert (asked, read) == ([], [])
    assert versioned.answers(["beta nite"], names_read, 2, scores) == \
        {"beta nite": [(89, "beta note")]}
    assert (asked, read) == ([(["beta nite"], sorted(names))], [])  # the names stored
    other = SuggestionStore(index_file(root, tmp_path), names_version="8")  # names changed
    asked.clear()
    assert other.answers(["alpha nite"], lambda: names + ["alpha nit"], 2, scores) == \
        {"alpha nite": [(95, "alpha nit"), (86, "alpha notes")]}
    assert asked[-1] == (["alpha nite"], ["alpha nit"])
    with sqlite3.connect(index_file(root, tmp_path)) as db:  # a kept answer damaged
        assert db.execute("UPDATE suggestions SET answer = '[[95' ").rowcount
    assert other.answers(["alpha nite"], lambda: names, 2, scores) == shrunk  # scored afresh
    assert not index_file(root, tmp_path).exists()  # not to be trusted: discarded


def test_only_changed_notes_are_parsed(tmp_path):
    root, cache = tmp_path / "vault", tmp_path / "cache"
    old = 1_000_000_000_000_000_000
    for name in NAMES:
        _write(root, f"{name}.md", f"[[{NAMES[0]}]] {name}", old)
    first = vaultgraph.load(root, cache=True, cache_dir=cache)._index.stats
    assert (first["parsed"], first["reused"]) == (8, 0)
    again = vaultgraph.load(root, cache=True, cache_dir=cache)._index.stats
    assert (again["parsed"], again["reused"]) == (0, 8)
    _write(root, "Beta.md", "[[Gamma]] changed", old + 5)
    os.utime(root / "Gamma.md", ns=(old + 5, old + 5))  # touched only: hash says unchanged
    (root / "Eta.md").unlink()
    after = vaultgraph.load(root, cache=True, cache_dir=cache)
    assert (after._index.stats["parsed"], after._index.stats["reused"],
            after._index.stats["removed"]) == (1, 6, 1)
    assert [e.target for e in after.outgoing("Beta.md")] == ["Gamma.md"]


def test_change_times_are_kept_only_in_the_listing(tmp_path):
    """The `files` rows keep no change time (it was written and never read: the `listing`
    and the `fresh` fingerprint find the changed files); without a listing (an update
    stopped before its first whole one), the rows are compared by hash."""
    root, cache = tmp_path / "vault", tmp_path / "cache"
    old = 1_000_000_000_000_000_000
    for name in NAMES:
        _write(root, f"{name}.md", f"[[{NAMES[0]}]] {name}", old)
    vaultgraph.load(root, cache=True, cache_dir=cache)
    with sqlite3.connect(index_file(root, cache)) as db:
        assert [row[1] for row in db.execute("PRAGMA table_info(files)")] == [
            "path", "size", "sha1", "note"]
        db.execute("DELETE FROM listing")
        db.execute("DELETE FROM meta WHERE key = 'fresh'")
    db.close()
    _write(root, "Beta.md", "[[Gamma]] changed", old + 5)
    os.utime(root / "Gamma.md", ns=(old + 5, old + 5))  # touched only
    after = vaultgraph.load(root, cache=True, cache_dir=cache)
    assert (after._index.stats["parsed"], after._index.stats["reused"]) == (1, 7)
    assert [e.target for e in after.outgoing("Beta.md")] == ["Gamma.md"]


def test_a_hinted_update_compares_the_paths_named_while_the_index_is_at_its_generation(tmp_path):
    """index.Hint (the watcher's): the paths named are compared, not the whole listing --
    only while the index is at the hint's generation (else everything is compared);
    a listing left for later costs the next run a hash, not a wrong answer, and is stored
    later only while the index is still at the generation it is of."""
    from vaultgraph.files import list_vault
    from vaultgraph.index import Hint, generation, store_listing

    root, cache = tmp_path / "vault", tmp_path / "cache"
    old = 1_000_000_000_000_000_000
    for name in NAMES:
        _write(root, f"{name}.md", f"[[{NAMES[0]}]] {name}", old)
    with vaultgraph.load(root, cache=True, cache_dir=cache) as first:
        assert first.index_changes[2] is None  # (a first build: every note)
    _write(root, "Beta.md", "[[Gamma]] changed", old + 5)
    _write(root, "Delta.md", "[[Gamma]] changed too", old + 5)
    stale = Hint(frozenset({"Beta.md"}), "not its generation", listing=False)
    with vaultgraph.load(root, cache=True, cache_dir=cache, _listing=list_vault(root, ".obsidian"),
                         _hint=stale) as whole:
        assert whole._index.stats["parsed"] == 2
        assert whole.index_changes[2] == {"Beta.md", "Delta.md"}
        at = generation(whole.connection)
    _write(root, "Beta.md", "[[Alpha]] again", old + 9)
    listing = list_vault(root, ".obsidian")
    with vaultgraph.load(root, cache=True, cache_dir=cache, _listing=listing,
                         _hint=Hint(frozenset({"Beta.md"}), at, listing=False)) as hinted:
        assert hinted._index.stats["parsed"] == 1
        since, now, sources = hinted.index_changes
        assert since == at and now == generation(hinted.connection) and sources == {"Beta.md"}
    with vaultgraph.load(root, cache=True, cache_dir=cache) as plain:  # the listing left
        assert plain._index.stats["parsed"] == 0
        assert [e.target for e in plain.outgoing("Beta.md")] == ["Alpha.md"]
        now = generation(plain.connection)
    assert not store_listing(index_file(root, cache), listing.stats, "not its generation")
    assert store_listing(index_file(root, cache), listing.stats, now)


def test_recent_files_are_hash_checked(tmp_path):
    root, cache = tmp_path / "vault", tmp_path / "cache"
    (root).mkdir()
    (root / "A.md").write_text("[[B]]")  # mtime: now, so the index does not trust it alone
    vaultgraph.load(root, cache=True, cache_dir=cache)
    stat = (root / "A.md").stat()
    (root / "A.md").write_text("[[C]]")  # same size; mtime may be the same tick
    os.utime(root / "A.md", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    again = vaultgraph.load(root, cache=True, cache_dir=cache)
    assert [e.link.path for e in again.outgoing("A.md")] == ["C"]


@pytest.mark.parametrize("damage", ["garbage", "empty", "old-schema", "missing-table",
                                    "listing-garbage", "listing-gone", "note-row",
                                    "findings-row", "suggestion-row", "note-row-gone",
                                    "note-blob"])
def test_a_damaged_index_is_rebuilt_never_trusted(tmp_path, damage):
    root, cache = tmp_path / "vault", tmp_path / "cache"
    root.mkdir()
    old = 1_000_000_000_000_000_000  # mtimes trusted: an unchanged vault is not compared again
    _write(root, "A.md", "[[B]] [[Gone]] #t", old)
    _write(root, "B.md", "x", old)
    CliRunner().invoke(cli, ["--vault", str(root), "--cache-dir", str(cache), "check"])
    location = index_file(root, cache)
    if damage == "garbage":
        location.write_bytes(b"this is not a database" * 100)
        for suffix in ("-wal", "-shm"):
            (location.parent / (location.name + suffix)).unlink(missing_ok=True)
    elif damage == "empty":
        location.write_bytes(b"")
    else:
        with sqlite3.connect(location) as db:
            if damage == "old-schema":
                db.execute("UPDATE meta SET value = '0' WHERE key = 'schema'")
                db.execute("UPDATE files SET note = '[]'")  # would crash if trusted
            elif damage == "note-row-gone":  # answers naming a note the index does not hold
                # (as many rows as the listing says: the files are not all compared again)
                db.execute("UPDATE files SET path = 'Gone.md' WHERE path = 'A.md'")
                db.execute("DELETE FROM checked")
            elif damage == "note-blob":  # JSON bytes cut short
                assert db.execute("UPDATE files SET note = substr(note, 1, 9) "
                                  "WHERE path = 'B.md'").rowcount
                assert db.execute("SELECT typeof(note) FROM files").fetchall() == [("blob",)] * 2
                db.execute("DELETE FROM meta WHERE key = 'fresh'")
                (root / "A.md").write_text("[[B]] [[Gone]] [[Gone too]] #t")
            elif damage.endswith("-row"):  # a row that is not the JSON written
                table, column = {"note": ("files", "note"), "findings": ("checked", "findings"),
                                 "suggestion": ("suggestions", "answer")}[damage[:-4]]
                assert db.execute(f"UPDATE {table} SET {column} = '[{{bad'").rowcount
                db.execute("DELETE FROM meta WHERE key = 'fresh'")
                (root / "A.md").write_text("[[B]] [[Gone]] [[Gone too]] #t")
            elif damage.startswith("listing"):  # what says which files to look at
                db.execute("DELETE FROM meta WHERE key = 'fresh'")
                if damage == "listing-gone":
                    db.execute("DELETE FROM listing")
                else:
                    db.execute("UPDATE listing SET paths = x'ff00', numbers = x'010203'")
                (root / "A.md").write_text("[[B]] #t2")
            else:
                db.execute("DROP TABLE files")
    check = ["check", "--format", "json"]
    kept = CliRunner().invoke(cli, ["--vault", str(root), "--cache-dir", str(cache), *check])
    assert kept.output == CliRunner().invoke(cli, ["--vault", str(root), "--no-cache", *check]).output
    vault = vaultgraph.load(root, cache=True, cache_dir=cache)
    assert [e.target for e in vault.outgoing("A.md")][0] == "B.md"
    assert [t.name for t in vault.notes["A.md"].tags] == ["t2" if "listing" in damage else "t"]
    assert vaultgraph.load(root, cache=True, cache_dir=cache)._index.stats["reused"] == 2


def test_a_listing_that_disagrees_with_the_rows_is_not_trusted(tmp_path):
    """The listing says which files to look at; one listing fewer notes than the index
    holds (damaged, or written by something else) sends every row to be compared."""
    from vaultgraph.files import discover
    from vaultgraph.index import _listing

    root, cache = tmp_path / "vault", tmp_path / "cache"
    old = 1_000_000_000_000_000_000
    _write(root, "A.md", "[[B]]", old)
    _write(root, "B.md", "[[A]]", old)
    update_index(root, cache)
    (root / "B.md").unlink()
    stats, _ = discover(root)
    with sqlite3.connect(index_file(root, cache)) as db:  # as if B had never been listed
        db.execute("UPDATE listing SET paths = ?, numbers = ?", _listing(stats, stats.taken_at))
        db.execute("DELETE FROM meta WHERE key = 'fresh'")
    assert update_index(root, cache)["removed"] == 1
    with sqlite3.connect(index_file(root, cache)) as db:
        assert [p for (p,) in db.execute("SELECT path FROM names")] == ["A.md"]
        assert db.execute("SELECT target FROM edges").fetchall() == [(None,)]


def _load_in_child(args):
    root, cache = args
    vault = vaultgraph.load(root, cache=True, cache_dir=cache)
    return sorted((p, [e.target for e in vault.outgoing(p)]) for p in vault.notes)


@pytest.mark.slow
def test_concurrent_runs_do_not_corrupt_the_index(tmp_path):
    root, cache = tmp_path / "vault", tmp_path / "cache"
    root.mkdir()
    for i in range(60):
        (root / f"N{i}.md").write_text(f"[[N{(i + 1) % 60}]] [[N{(i * 7) % 60}]] #t{i % 5}")
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        results = pool.map(_load_in_child, [(root, cache)] * 8)
    assert all(result == results[0] for result in results)
    with sqlite3.connect(index_file(root, cache)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM files").fetchone() == (60,)


def _update_in_child(args):
    root, cache = args
    return update_index(root, cache)["written"]


@pytest.mark.slow
def test_concurrent_index_updates_all_succeed_and_agree(tmp_path):
    """Runs that parsed before another one wrote still write their answers cleanly."""
    root, cache = tmp_path / "vault", tmp_path / "cache"
    root.mkdir()
    for i in range(60):
        (root / f"N{i}.md").write_text(f"[[N{(i + 1) % 60}]] [[N{(i * 7) % 60}]] #t{i % 5}")
    for round_ in range(3):
        with multiprocessing.get_context("spawn").Pool(4) as pool:
            assert all(pool.map(_update_in_child, [(root, cache)] * 8)), f"round {round_}"
        fresh = vaultgraph.load(root)
        for path in fresh.notes:
            assert quick_answer(root, cache, fresh.config, path) == backlinks_view(fresh, path)
        (root / f"N{round_}.md").unlink()  # the next round's runs all remove it
        (root / f"M{round_}.md").write_text(f"[[N{round_ + 1}]]")


def test_properties_are_kept_as_the_json_of_their_values(make_vault, tmp_path):
    # docs/cli.md: `properties`, one row per property, the value as JSON -- compact JSON
    # (orjson's), the standard library's for what orjson refuses (lone surrogates,
    # integers past 64 bits), any of them read back as the property's value.
    root = make_vault({"A.md": '---\nbig: 123456789012345678901234567890\nlist: [a, "é", 1.5]\n'
                               "map: {k: [1, null, true]}\nname: Zoë\n---\n[[B]]\n", "B.md": ""})
    cache = tmp_path / "cache"
    result = CliRunner().invoke(cli, ["--vault", str(root), "--cache-dir", str(cache), "index"])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(index_file(root, cache)) as db:
        kept = dict(db.execute("SELECT key, value FROM properties WHERE path = 'A.md'"))
    assert {key: json.loads(value) for key, value in kept.items()} == {
        "big": 1.2345678901234568e+29, "list": ["a", "é", 1.5], "map": {"k": [1, None, True]},
        "name": "Zoë"}
    assert kept["name"] == '"Zoë"'  # (UTF-8 text, not \u escapes)
    for value in ("\udcff x", 2 ** 70, {"k": ["\udcff"]}):  # refused by orjson
        assert json.loads(property_json(value)) == value


@pytest.mark.parametrize("workers", [False, True])
def test_every_link_and_citation_row_is_what_the_parser_read(make_vault, tmp_path, monkeypatch,
                                                             workers):
    # The answers' rows are made from the note's JSON decoded to lists (not from a Note):
    # read back -- contexts worked out from their lines as every query does -- they are
    # the parser's links and citations, in the worker processes' path and in this one's.
    from vaultgraph.answers import EdgeContexts
    from vaultgraph.index import _parse_one

    monkeypatch.setattr("vaultgraph.index.PARALLEL_THRESHOLD", 1 if workers else 10**9)
    long = "word " * 80
    files = {
        "A.md": f"---\nup: \"[[B]]\"\naliases: [Ay]\n---\n# A\n[[B]] and [[C#Part|see]] "
                "![[pic.png]] [md](B.md) [@doe2020]\n"
                f"{long}[[B]] {long}[[C]] {long} [@roe2021, p. 3]\n- [[Missing]] ^blk\n"
                "`[[not a link]]` [[../B]] [[./C]] #tag\n",
        "B.md": "[[A]] [[A]] [[A#A]]\n\n> [[C]] [@doe2020]\n",
        "sub/C.md": "# Part\n[[A|x]] [[sub/C]]\n",
        "pic.png": b"\x89PNG",
        "Board.canvas": '{"nodes": [{"id": "n1", "type": "text", "text": "[[A]] and [[B]]",'
                        ' "x": 0, "y": 0, "width": 1, "height": 1},'
                        '{"id": "n2", "type": "file", "file": "sub/C.md",'
                        ' "x": 0, "y": 0, "width": 1, "height": 1}], "edges": []}',
    }
    root, cache = make_vault(files), tmp_path / "cache"
    result = CliRunner().invoke(cli, ["--vault", str(root), "--cache-dir", str(cache), "index"])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(index_file(root, cache)) as db:
        context = EdgeContexts(db)
        for path in ("A.md", "B.md", "sub/C.md", "Board.canvas"):
            note = _parse_one(root, path, False)[2]
            assert note.links and (path == "Board.canvas" or note.citations or path == "sub/C.md")
            links = [(linkpath, raw, line, col, kind, context(path, line, col, shown), embed, node)
                     for linkpath, raw, line, col, kind, shown, embed, node in db.execute(
                         "SELECT linkpath, raw, line, col, kind, context, embed, node FROM edges "
                         "WHERE source = ? ORDER BY seq", (path,))]
            assert links == [(l.path, l.raw, l.line, l.column, l.kind, l.context, l.embed, l.node)
                             for l in note.links]
            citations = [(kind, value, line, col, context(path, line, col, shown))
                         for kind, value, line, col, shown in db.execute(
                             "SELECT kind, value, line, col, context FROM citations "
                             "WHERE path = ? ORDER BY seq", (path,))]
            assert citations == [(c.kind, c.value, c.line, c.column, c.context)
                                 for c in note.citations]
    db.close()


def test_index_command_and_cache_options(make_vault, tmp_path):
    root = make_vault({"A.md": "[[B]]", "B.md": ""})
    cache = tmp_path / "elsewhere"
    run = lambda *a: CliRunner().invoke(cli, ["--vault", str(root), "--cache-dir", str(cache), *a])
    first = json.loads(run("index", "--json").stdout)
    assert (first["parsed"], first["reused"]) == (2, 0)
    assert first["location"].startswith(str(cache)) and not first["location"].startswith(str(root))
    assert json.loads(run("index", "--json").stdout)["reused"] == 2
    rebuilt = json.loads(run("index", "--rebuild", "--json").stdout)
    assert rebuilt["parsed"] == 2 and rebuilt["rebuilt"]
    no_cache = CliRunner().invoke(cli, ["--vault", str(root), "--no-cache", "index"])
    assert no_cache.exit_code == 2
    assert not any(p.name.endswith(".sqlite") for p in root.rglob("*"))
    # A cache folder that cannot be made: `index` says so; queries still answer, unindexed.
    (tmp_path / "a file").write_text("")  # (outside the vault: a cache inside is refused)
    blocked = ["--vault", str(root), "--cache-dir", str(tmp_path / "a file" / "cache")]
    failed = CliRunner().invoke(cli, [*blocked, "index", "--json"])
    assert failed.exit_code == 2 and "could not be written" in failed.stderr
    assert json.loads(failed.stdout)["written"] is False
    answer = CliRunner().invoke(cli, [*blocked, "backlinks", "B", "--json"])
    assert json.loads(answer.stdout)["backlinks"][0]["source"] == "A.md"


def test_quick_backlinks_bring_the_index_up_to_date_first(tmp_path):
    root, cache = tmp_path / "vault", tmp_path / "cache"
    old = 1_000_000_000_000_000_000
    _write(root, "A.md", "[[B]] [[B#H]]", old)
    _write(root, "B.md", "# H\n[[A]]", old)
    config = vaultgraph.load(root).config

    def lines(query="B"):
        return [(r["source"], r["line"]) for r in quick_answer(root, cache, config, query)["backlinks"]]

    assert lines() == [("A.md", 1), ("A.md", 1)]  # no index yet: built on the way
    _write(root, "C.md", "[[B]]", old)
    assert lines() == [("A.md", 1), ("A.md", 1), ("C.md", 1)]
    (root / "D.md").write_text("x\n[[B]]")  # too recent for its mtime to be trusted
    assert lines() == [("A.md", 1), ("A.md", 1), ("C.md", 1), ("D.md", 2)]
    (root / "D.md").write_text("[[B]]\n")  # same mtime tick, new content: the hash tells
    assert lines()[-1] == ("D.md", 1)
    (root / "C.md").unlink()
    _write(root, "sub/B.md", "", old)  # now two notes named B: the shortest path wins
    assert lines() == [("A.md", 1), ("A.md", 1), ("D.md", 1)]
    (root / "B.md").unlink()  # every link to B now leads to sub/B.md, none re-parsed
    stats = update_index(root, cache)
    assert (stats["parsed"], stats["removed"]) == (0, 1)
    assert lines("sub/B") == [("A.md", 1), ("A.md", 1), ("D.md", 1)]


def test_mtimes_are_trusted_only_when_well_before_the_files_were_listed():
    from vaultgraph.files import FileStats
    from vaultgraph.index import RACY_NS, Index

    mtime = 1_700_000_000_000_000_000
    # edited just before listing: may change again unseen
    assert Index.fingerprint(FileStats({"a.md": (10, mtime)}, mtime + RACY_NS // 2)) is None
    # however late the fingerprint is taken
    assert Index.fingerprint(FileStats({"a.md": (10, mtime)}, mtime + RACY_NS + 1)) is not None


@pytest.mark.slow
@pytest.mark.parametrize("resolver", ["sql", "memory"])
def test_answers_from_notes_parsed_by_worker_processes_equal_a_fresh_parse(tmp_path, monkeypatch,
                                                                           resolver):
    """Enough notes to be parsed in worker processes, resolved by SQL or in memory."""
    import sys

    from .conftest import ROOT

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import generate

    monkeypatch.setattr("vaultgraph.index.IN_MEMORY_RESOLVER", 0 if resolver == "memory" else 10**9)
    root, cache = tmp_path / "vault", tmp_path / "cache"
    generate(450, 3, root)
    for run in ("index", "load"):
        if run == "index":
            assert update_index(root, cache)["parsed"] == 450
        else:
            (root / sorted(p for p in root.rglob("*.md"))[0].relative_to(root)).unlink()
            vaultgraph.load(root, cache=True, cache_dir=cache, rebuild=True)
        fresh = vaultgraph.load(root)
        assert stored_contents(root, cache) == parsed_contents(fresh)
        with sqlite3.connect(index_file(root, cache)) as db:  # a first build makes them last
            made = {name for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}
        assert made == {"files_stats"} | {name for _, name in index_answers._INDEXES}
        for path in list(fresh.notes)[::7]:
            assert quick_answer(root, cache, fresh.config, path, outgoing=True) == \
                links_view(fresh, path)


def test_moved_notes_are_not_parsed_again(tmp_path):
    root, cache = tmp_path / "vault", tmp_path / "cache"
    old = 1_000_000_000_000_000_000
    _write(root, "a/One.md", "---\ntags: [x\n---\n[[Two]] #t", old)  # invalid front matter
    _write(root, "a/Two.md", "# Two\n[[One]]", old)
    _write(root, "Three.md", "[[a/One]] [[Two]]", old)
    assert update_index(root, cache)["parsed"] == 3
    (root / "a").rename(root / "b")  # Obsidian's folder rename: same bytes, new paths
    stats = update_index(root, cache)
    assert (stats["parsed"], stats["removed"]) == (0, 2)
    fresh = vaultgraph.load(root)
    assert stored_contents(root, cache) == parsed_contents(fresh)
    cached = vaultgraph.load(root, cache=True, cache_dir=cache)
    assert answers(cached) == answers(fresh)
    assert [d.path for d in cached.notes["b/One.md"].diagnostics] == ["b/One.md"]
    assert quick_answer(root, cache, fresh.config, "Two")["backlinks"][0]["source"] == "Three.md"


def test_wanted_from_the_index_leaves_out_missing_attachments(make_vault, tmp_path):
    root = make_vault({"A.md": "![diagram](figure.xyz) [t](Missing%20note.md) ![[Other]]\n"
                               "[[Ghost]] ![[scan.pdf]]"})
    vault = vaultgraph.load(root, cache=True, cache_dir=tmp_path)
    from_index = wanted(vault.broken_links())
    assert [row.name for row in from_index] == ["Ghost", "Missing note.md", "Other"]


def test_check_after_a_change_checks_again_only_the_notes_it_can_change(tmp_path, monkeypatch):
    from vaultgraph import check

    root, cache = tmp_path / "vault", tmp_path / "cache"
    tick = 1_000_000_000_000_000_000
    notes = {
        "Links.md": "[[Target#Intro]] [[Target#^blk]] [[Target]]",
        "Target.md": "# Intro\npara ^blk\n",
        "Broken.md": "[[Missign]]",
        "Claim.md": '---\ntype: claim\nsources: "[[Source]]"\n---\nA claim.',
        "Source.md": "---\ntype: source\n---\n",
        "Other.md": "[[Source]] [[Claim]]",
        "Far.md": "[[Zebra crossing]]",  # broken, and like no name that comes or goes
    }
    for name, text in notes.items():
        _write(root, name, text, tick)
    checked: list[list[str]] = []
    real = check.check_notes
    monkeypatch.setattr(check, "check_notes",
                        lambda vault, paths, *rest: checked.append(sorted(paths)) or
                        real(vault, paths, *rest))

    def run() -> tuple[list[tuple], list[str]]:
        """What check reports, from the index, and the notes it checked again."""
        checked.clear()
        result = CliRunner().invoke(cli, ["--vault", str(root), "--cache-dir", str(cache),
                                          "check", "--format", "json"])
        (again,) = checked
        fresh = CliRunner().invoke(cli, ["--vault", str(root), "--no-cache",
                                         "check", "--format", "json"])
        assert result.output == fresh.output
        return [(d["path"], d["code"]) for d in json.loads(result.output)["diagnostics"]], again

    broken = ("Broken.md", "unresolved-link")
    far = ("Far.md", "unresolved-link")
    assert run() == ([broken, far], sorted(notes))
    assert run() == ([broken, far], [])
    tick += 1_000_000_000
    _write(root, "Target.md", "# Outro\npara ^blk\n", tick)  # a heading linked to is gone
    heading = ("Links.md", "missing-heading")
    assert run() == ([broken, far, heading], ["Links.md", "Target.md"])
    _write(root, "Claim.md", notes["Claim.md"] + " Edited.", tick)  # still rests on Source
    assert run() == ([broken, far, heading], ["Claim.md"])
    _write(root, "Source.md", "", tick)  # no longer a source: found without checking Claim
    unsourced = ("Claim.md", "unsourced-claim")
    assert run() == ([broken, unsourced, far, heading], ["Source.md"])
    _write(root, "Other.md", "---\naliases: [Missing]\n---\n" + notes["Other.md"], tick)
    assert run() == ([broken, unsourced, far, heading],
                     ["Broken.md", "Other.md"])  # did-you-mean lists aliases too
    _write(root, "Missign.md", "", tick)  # a new name: the links to it, and did-you-mean, change
    assert run() == ([unsourced, far, heading], ["Broken.md", "Missign.md"])
    (root / "Other.md").unlink()  # its alias goes too
    assert run() == ([unsourced, far, heading], [])
    _write(root, "Zebra crossings.md", "", tick)  # close to Far's link: did-you-mean changes
    assert run() == ([unsourced, far, heading], ["Far.md", "Zebra crossings.md"])
    _write(root, "Alias.md", "---\naliases: [Zebra crossing]\n---\n", tick)
    assert run() == ([unsourced, far, heading], ["Alias.md", "Far.md"])  # "is an alias of"
    (root / "Alias.md").unlink()  # and not any more
    assert run() == ([unsourced, far, heading], ["Far.md"])


def test_findings_made_while_another_run_changes_the_index_are_not_kept(tmp_path, monkeypatch):
    from vaultgraph import check

    root, cache = tmp_path / "vault", tmp_path / "cache"
    tick = 1_000_000_000_000_000_000
    _write(root, "Links.md", "[[Target#Intro]]", tick)
    _write(root, "Target.md", "# Intro\n", tick)

    def run(*options: str) -> str:
        return CliRunner().invoke(cli, ["--vault", str(root), *options, "check",
                                        "--format", "json"]).output

    assert run("--cache-dir", str(cache)) == run("--no-cache")
    _write(root, "Target.md", "# Outro\n", tick + 1_000_000_000)
    real = check.check_notes

    def meanwhile(vault, paths, *rest):  # another run puts the heading back, updates the index
        _write(root, "Target.md", "# Intro\n", tick + 2_000_000_000)
        update_index(root, cache)
        return real(vault, paths, *rest)

    monkeypatch.setattr(check, "check_notes", meanwhile)
    assert json.loads(run("--cache-dir", str(cache)))  # read partly before the other run
    monkeypatch.setattr(check, "check_notes", real)
    assert "missing-heading" not in run("--no-cache")
    assert run("--cache-dir", str(cache)) == run("--no-cache")
    # Another run between this run's update and its reading of the index: the notes this
    # run parsed are older than the index, and are not used.
    from vaultgraph.index import Index

    _write(root, "Target.md", "# Outro\n", tick + 3_000_000_000)
    real_update = Index.update

    def update_then_another_run(self, *args, **kwargs):
        done = real_update(self, *args, **kwargs)
        monkeypatch.setattr(Index, "update", real_update)
        _write(root, "Target.md", "# Intro\n", tick + 4_000_000_000)
        update_index(root, cache)
        return done

    monkeypatch.setattr(Index, "update", update_then_another_run)
    assert "missing-heading" not in run("--cache-dir", str(cache))
    assert run("--cache-dir", str(cache)) == run("--no-cache")


def test_a_moved_note_whose_row_is_damaged_is_parsed(tmp_path):
    root, cache = tmp_path / "vault", tmp_path / "cache"
    old = 1_000_000_000_000_000_000
    _write(root, "a/One.md", "[[Two]] #t", old)
    _write(root, "Two.md", "x", old)
    update_index(root, cache)
    with sqlite3.connect(index_file(root, cache)) as db:
        db.execute("UPDATE files SET note = '{bad' WHERE path = 'a/One.md'")
    (root / "a").rename(root / "b")
    cached = vaultgraph.load(root, cache=True, cache_dir=cache)
    assert answers(cached) == answers(vaultgraph.load(root))
    assert vaultgraph.load(root, cache=True, cache_dir=cache)._index.stats["reused"] == 2


def test_after_an_edit_did_you_mean_reads_no_names_of_the_vault(tmp_path, monkeypatch):
    """A new broken link is scored against the names kept with the answers, from the
    first check on: the vault's names are read only when they came or went."""
    root, cache = tmp_path / "vault", tmp_path / "cache"
    tick = 1_000_000_000_000_000_000
    for name in NAMES:
        _write(root, f"{name}.md", f"[[{name}x]]", tick)
    check = ["--vault", str(root), "--cache-dir", str(cache), "check", "--format", "json"]
    CliRunner().invoke(cli, check)
    read = []
    real = index_answers.NameLookup._all.func
    monkeypatch.setattr(index_answers.NameLookup, "_all",
                        property(lambda self: read.append(1) or real(self)))
    _write(root, "Alpha.md", "[[Alphx]] [[Betta]]", tick + 1_000_000_000)
    found = json.loads(CliRunner().invoke(cli, check).output)["diagnostics"]
    assert [d["suggestions"] for d in found if d["path"] == "Alpha.md"] == [["Alpha"], ["Beta", "Eta"]]
    assert read == []
    _write(root, "Gamma2.md", "", tick + 1_000_000_000)  # a name comes
    _write(root, "Alpha.md", "[[Gamm]]", tick + 2_000_000_000)
    found = json.loads(CliRunner().invoke(cli, check).output)["diagnostics"]
    assert [d["suggestions"] for d in found if d["path"] == "Alpha.md"] == [["Gamma", "Gamma2"]]
    assert read


# -- damage met after the index was opened: healed in the same run ------------------
DEEP = "[" * 100_000 + "]" * 100_000  # JSON too deep to decode (RecursionError)


def _garble_pages(location, keep: set[str]) -> None:
    """Overwrite the root page of every table and index but ``keep`` with garbage."""
    with sqlite3.connect(location) as db:
        size = db.execute("PRAGMA page_size").fetchone()[0]
        pages = [page for name, table, page in db.execute(
            "SELECT name, tbl_name, rootpage FROM sqlite_master WHERE rootpage > 1")
            if name not in keep and table not in keep]
    db.close()
    assert pages and not os.path.exists(f"{location}-wal")
    with open(location, "r+b") as handle:
        for page in pages:
            handle.seek((page - 1) * size)
            handle.write(b"\xa5" * size)


def _damage(location, damage: str) -> None:
    if damage == "pages":  # all but what opening the index reads
        return _garble_pages(location, {"meta", "files"})
    if damage == "files-page":  # the notes' rows
        return _garble_pages(location, {name for name in _TABLES if name != "files"}
                             | {"files_stats", "sqlite_autoindex_files_1"})
    with sqlite3.connect(location) as db:
        if damage == "undecodable-message":  # SQLite's error message is not UTF-8
            db.execute("PRAGMA writable_schema = ON")
            db.execute("UPDATE sqlite_master SET name = CAST(x'7461677361ff' AS TEXT), "
                       "sql = CAST(x'435245415445e2' AS TEXT) WHERE name = 'tags_by_key'")
        elif damage in ("bad-blob", "deep-blob"):  # a note's JSON bytes not UTF-8 / too deep
            blob = b'[{"a":"\xff\xfe"}' if damage == "bad-blob" else DEEP.encode()
            assert db.execute("UPDATE files SET note = ?", (blob,)).rowcount
        elif damage == "deep-json":
            db.execute("UPDATE files SET note = ?", (DEEP,))
            db.execute("UPDATE checked SET findings = ?", (DEEP,))
            assert db.execute("UPDATE suggestions SET answer = ?", (DEEP,)).rowcount
        elif damage == "wrong-shape":  # JSON of another shape; blobs where text was written
            db.execute("UPDATE files SET note = '[1, 2, 3]'")
            db.execute("UPDATE checked SET declared = x'04', findings = '[[1]]'")
            db.execute("UPDATE suggestions SET answer = '[5]'")
            db.execute("INSERT INTO changed_names VALUES (x'626565')")
            db.execute("DELETE FROM lines")  # the lines the links' contexts are shown from
    db.close()


DAMAGED_RUNS = [["links", "A", "--json"], ["backlinks", "B", "--json"], ["tags", "--json"],
                ["tags", "t", "--json"], ["orphans", "--json"], ["wanted", "--json"],
                ["check", "--format", "json"], ["stats", "--json"], ["mentions", "B", "--json"],
                ["report", "backlinks", "--format", "json"]]


@pytest.mark.parametrize("damage", ["pages", "files-page", "undecodable-message", "deep-json",
                                    "wrong-shape", "bad-blob", "deep-blob"])
def test_damage_met_after_opening_is_healed_in_the_same_run(tmp_path, damage):
    """Any error from the index, at any moment, means: discard it, build it anew in the
    same run and answer as a fresh parse does (never exit 3); the next run finds it sound."""
    root, cache = tmp_path / "vault", tmp_path / "cache"
    old = 1_000_000_000_000_000_000  # mtimes trusted: the damaged index is "fresh"
    _write(root, "A.md", "[[B]] [[Gone]] #t\nB here\n", old)
    _write(root, "B.md", "x [[A]] [[Bee]] #t/sub\n", old)
    _write(root, "C.md", "---\ntype: claim\n---\n[[B]]\n", old)

    def run(*args):
        result = CliRunner().invoke(cli, ["--vault", str(root), *args])
        return result.exit_code, result.output

    location = index_file(root, cache)
    for args in [["index"], *DAMAGED_RUNS]:
        expected = run("--no-cache", *args) if args != ["index"] else (0, None)
        assert expected[0] in (0, 1), args
        location.parent.mkdir(parents=True, exist_ok=True)
        Index(location).clear()
        run("--cache-dir", str(cache), "check")  # every table filled, suggestions too
        _damage(location, damage)
        code, output = run("--cache-dir", str(cache), *args)
        assert code == expected[0], (args, output)
        if expected[1] is not None:
            assert output == expected[1], args
        healthy = update_index(root, cache)
        assert (healthy["parsed"], healthy["rebuilt"]) == (0, False), args
        if "pages" in damage:  # what the run read is whole again
            with sqlite3.connect(location) as db:
                db.execute("SELECT note FROM files").fetchall()
            db.close()


def test_an_edit_that_puts_the_mtime_back_is_seen(tmp_path, monkeypatch):
    """A same-size edit whose mtime is put back (`touch -d`, os.utime) still moves the
    ctime, which no one can set: the next run reads the file again (as git does)."""
    monkeypatch.setattr("vaultgraph.index.RACY_NS", 0)  # every time trusted: the stat decides
    root, cache = tmp_path / "vault", tmp_path / "cache"
    old = 1_000_000_000_000_000_000
    _write(root, "A.md", "[[B]]", old)
    _write(root, "B.md", "", old)
    _write(root, "C.md", "", old)
    links = ["--vault", str(root), "--cache-dir", str(cache), "links", "A", "--json"]
    assert [l["target"] for l in json.loads(CliRunner().invoke(cli, links).output)["outgoing"]] \
        == ["B.md"]
    time.sleep(0.05)  # file times advance by a clock tick, not by the nanosecond
    (root / "A.md").write_text("[[C]]")
    os.utime(root / "A.md", ns=(old, old))
    assert [l["target"] for l in json.loads(CliRunner().invoke(cli, links).output)["outgoing"]] \
        == ["C.md"]
    assert vaultgraph.load(root, cache=True, cache_dir=cache).notes["A.md"].links[0].path == "C"


def test_an_index_written_by_other_code_is_made_anew(tmp_path, monkeypatch):
    """Parsed notes and kept findings are what the code that wrote them gave: an index
    from another vaultgraph -- or from this one with other modules -- is rebuilt, never
    read (code_version covers each module's name, size and modification time)."""
    from vaultgraph import index as index_module

    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "a.md").write_text("[[b]]\n", encoding="utf-8")
    args = ["--vault", str(vault), "--cache-dir", str(tmp_path / "cache"), "index", "--json"]

    def run():
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    assert run()["parsed"] == 1
    assert (run()["parsed"], run()["rebuilt"]) == (0, False)  # same code: kept
    monkeypatch.setattr(index_module, "code_version", lambda: "0.1.0+another")
    first = run()
    assert (first["parsed"], first["rebuilt"]) == (1, True)
    assert (run()["parsed"], run()["rebuilt"]) == (0, False)


def test_code_version_follows_the_modules(tmp_path, monkeypatch):
    """A module's size or modification time changes the code's version."""
    from vaultgraph import index as index_module

    package = tmp_path / "vaultgraph"
    (package / "syntax").mkdir(parents=True)
    (package / "index.py").write_text("x = 1\n", encoding="utf-8")
    (package / "syntax" / "rule.py").write_text("y = 1\n", encoding="utf-8")
    monkeypatch.setattr(index_module, "__file__", str(package / "index.py"))
    before = index_module.code_version()
    assert index_module.code_version() == before
    rule = package / "syntax" / "rule.py"
    rule.write_text("y = 22\n", encoding="utf-8")
    assert index_module.code_version() != before
    changed = index_module.code_version()
    os.utime(rule, ns=(1, 1))
    assert index_module.code_version() != changed


def _builds(location):
    return sorted(p.name for p in location.parent.iterdir() if p.name.endswith(".new"))


@pytest.mark.parametrize("before", ["none", "old"])
def test_a_new_index_is_built_apart_and_put_in_place_whole(make_vault, tmp_path, monkeypatch,
                                                           before):
    """While a new index is written (none was there, or `index --rebuild`), another run
    finds the old index whole, or none (it never opens one half built); once written
    it is in place, private, in WAL mode, with nothing left beside it."""
    root = make_vault({f"n{i}.md": f"# N{i}\n[[n{i + 1}]] #t\n" for i in range(5)})
    cache = tmp_path / "cache"
    location = index_file(root, cache)
    base = ["--vault", str(root), "--cache-dir", str(cache)]
    if before == "old":
        assert CliRunner().invoke(cli, [*base, "index"]).exit_code == 0
        (root / "n5.md").write_text("[[n0]]\n")
    seen = []
    real = index_answers.AnswerWriter.note

    def note(self, path, parsed):
        # What another run would open now: the old index, whole and as it was, or none.
        if location.exists():
            with sqlite3.connect(location) as db:
                seen.append((db.execute("PRAGMA journal_mode").fetchone()[0],
                             db.execute("SELECT count(*) FROM files").fetchone()[0]))
            db.close()
        else:
            seen.append(None)
        seen.append(_builds(location))
        return real(self, path, parsed)

    monkeypatch.setattr(index_answers.AnswerWriter, "note", note)
    args = ["index", "--rebuild"] if before == "old" else ["index"]
    result = CliRunner().invoke(cli, [*base, *args])
    assert result.exit_code == 0, result.output
    assert seen and set(map(str, seen[::2])) == {"None" if before == "none" else "('wal', 5)"}
    assert all(names == [f"index.sqlite.{os.getpid()}.new"] for names in seen[1::2])
    assert location.stat().st_mode & 0o777 == 0o600
    assert location.parent.stat().st_mode & 0o777 == 0o700
    assert _builds(location) == []
    with sqlite3.connect(location) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT count(*) FROM files").fetchone()[0] == 5 + (before == "old")
    db.close()
    monkeypatch.undo()
    backlinks = CliRunner().invoke(cli, [*base, "backlinks", "n1", "--json"])
    assert [row["source"] for row in json.loads(backlinks.stdout)["backlinks"]] == ["n0.md"]
    assert update_index(root, cache)["parsed"] == 0


def test_an_interrupted_build_leaves_no_stray_file(make_vault, tmp_path, monkeypatch):
    """A build stopped by an error leaves nothing beside the index; one stopped by a
    signal puts what it committed in place (the next run parses the rest); the file of
    a build whose process was killed is removed by the next build."""
    root = make_vault({f"n{i}.md": f"[[n{i + 1}]]\n" for i in range(6)})
    cache = tmp_path / "cache"
    location = index_file(root, cache)
    calls = []
    real = index_answers.AnswerWriter.note

    def failing(self, path, parsed):
        calls.append(path)
        if len(calls) == 3:
            raise OSError("disk gone")
        return real(self, path, parsed)

    monkeypatch.setattr(index_answers.AnswerWriter, "note", failing)
    with pytest.raises(OSError):
        vaultgraph.load(root, cache=True, cache_dir=cache)
    assert not location.exists() and _builds(location) == []

    import signal

    from vaultgraph import process

    def interrupted(self, path, parsed):
        calls.append(path)
        if len(calls) == 6:
            process._held = signal.SIGINT  # as if Ctrl-C came during the parse
        return real(self, path, parsed)

    calls.clear()
    monkeypatch.setattr(index_answers.AnswerWriter, "note", interrupted)
    with pytest.raises(KeyboardInterrupt):
        vaultgraph.load(root, cache=True, cache_dir=cache)
    monkeypatch.undo()
    assert location.exists() and _builds(location) == []
    done = update_index(root, cache)
    assert done["parsed"] + done["reused"] == 6 and done["parsed"] < 6

    stray = location.with_name(f"{location.name}.999999999.new")  # a killed run's build
    stray.write_bytes(b"half an index")
    (location.parent / f"{stray.name}-journal").write_bytes(b"")
    assert update_index(root, cache, rebuild=True)["parsed"] == 6
    assert _builds(location) == []
    assert not (location.parent / f"{stray.name}-journal").exists()


def test_a_cold_check_imports_did_you_means_modules_while_the_workers_parse(tmp_path,
                                                                           monkeypatch):
    """index.while_parsing: `check` starts did-you-mean's imports in a thread once the
    workers are forked (not before: a fork copies the locks a thread holds), so that
    they are done when the parse ends; a parse in this process, or a command that does
    not check, starts nothing; the work's errors are not the run's."""
    import threading

    from vaultgraph import app

    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core: no worker processes")
    root = tmp_path / "vault"
    root.mkdir()
    for n in range(12):
        (root / f"n{n}.md").write_text(f"[[n{n + 1}]] [[Missing {n}]]\n")
    started = []

    def work():
        started.append((threading.current_thread() is threading.main_thread(),
                        len(multiprocessing.active_children())))
        raise ImportError("not the run's")

    monkeypatch.setattr(app, "_did_you_mean_imports", work)
    runner = CliRunner()
    expected = runner.invoke(cli, ["--vault", str(root), "--no-cache", "check", "--format", "json"])
    assert expected.exit_code == 1 and started == []  # parsed here: no thread
    monkeypatch.setattr("vaultgraph.index.PARALLEL_THRESHOLD", 2)
    for command in (["index"], ["stats"]):
        result = runner.invoke(cli, ["--vault", str(root), "--cache-dir", str(tmp_path / "c0"),
                                     *command])
        assert result.exit_code == 0, result.output
    assert started == []  # (no check: nothing to import)
    result = runner.invoke(cli, ["--vault", str(root), "--cache-dir", str(tmp_path / "c1"),
                                 "check", "--format", "json"])
    for _ in range(100):  # (the thread may still be on its way)
        if started:
            break
        time.sleep(0.01)
    assert started and started[0][0] is False and started[0][1] >= 2
    assert (result.exit_code, result.output) == (expected.exit_code, expected.output)


def test_the_parse_batches_hold_every_path_once_in_order_the_last_round_smaller():
    """index._batches: a worker's batches, the last round cut smaller (the rows of the
    last one are written while the workers wait)."""
    from vaultgraph.index import _TAIL_BATCH, _TAIL_SPLIT, _batches

    for workers in (2, 3, 8):
        for total in (*range(400, 460), 1000, 10_000, 10_007, 100_000):
            paths = [f"n{i}.md" for i in range(total)]
            batches = _batches(paths, workers)
            assert [p for batch in batches for p in batch] == paths
            size = len(batches[0])
            assert max(map(len, batches)) == size
            if size >= 20 * _TAIL_SPLIT:
                assert len(batches[-1]) <= min(size // _TAIL_SPLIT, _TAIL_BATCH)
                assert sum(len(b) for b in batches if len(b) < size) >= workers * size
