"""Answers a user can act on (issue 19), end to end through the CLI: did-you-mean
offers link targets (never an alias alone), NOTE and TAG lookups that match nothing
say what would, `explain NOTE:LINE` past the end, where the vault is."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import vaultgraph
from vaultgraph.cli import cli
from vaultgraph.index import SuggestionStore, index_file
from vaultgraph.suggest import Suggester, alias_key

CACHE = [pytest.param(False, id="no-cache"), pytest.param(True, id="cache")]

TRANSMITTER = "---\naliases: [Neurotransmitters, Neurochemical]\n---\n# Neurotransmitter\n"


def invoke(root, *args, cache: bool = False):
    where = [] if cache else ["--no-cache"]
    return CliRunner().invoke(cli, ["--vault", str(root), *where, *args])


def suggestions(root, cache: bool) -> dict[str, list[str]]:
    """check's did-you-mean answers, link target -> suggestions."""
    result = invoke(root, "check", "--format", "json", cache=cache)
    return {d["target"]: d["suggestions"]
            for d in json.loads(result.stdout)["diagnostics"] if d["code"] == "unresolved-link"}


@pytest.mark.parametrize("cache", CACHE)
def test_did_you_mean_offers_the_note_name_never_an_alias_alone(make_vault, cache):
    root = make_vault({
        "Neurotransmitter.md": TRANSMITTER,
        "src.md": "[[Nuerotransmitter]] [[Neurotransmiters]] [[Neurochemicall]]\n"})
    assert suggestions(root, cache) == {
        "Nuerotransmitter": ["Neurotransmitter"],  # not its alias Neurotransmitters
        "Neurotransmiters": ["Neurotransmitter|Neurotransmitters"],  # the alias is closest
        "Neurochemicall": ["Neurotransmitter|Neurochemical"]}
    text = invoke(root, "check", cache=cache).stdout
    assert '[[Nuerotransmitter]] -- did you mean "Neurotransmitter"?' in text
    assert ("[[Neurotransmiters]] -- did you mean [[Neurotransmitter|Neurotransmitters]]?"
            in text)
    explained = invoke(root, "explain", "src:1", cache=cache).stdout
    assert "did you mean [[Neurotransmitter|Neurochemical]]?" in explained
    assert '"Neurochemical"' not in explained


@pytest.mark.parametrize("cache", CACHE)
def test_a_note_lookup_lists_a_note_once_however_many_aliases_match(make_vault, cache):
    root = make_vault({"Serotonin.md": "---\naliases: [Serotonine, Serotonins, 5-HT]\n---\n",
                       "Dopamine.md": ""})
    result = invoke(root, "backlinks", "Serotonim", cache=cache)
    assert result.exit_code == 1
    assert result.stderr.strip() == 'vaultgraph: no note matches "Serotonim"; did you mean "Serotonin"?'
    result = invoke(root, "backlinks", "Serotonnes", cache=cache)
    assert result.stderr.count("Seroton") == 2  # the query, and one answer: the closest alias
    assert 'did you mean "Serotonine"?' in result.stderr or 'did you mean "Serotonins"?' in result.stderr


def test_kept_answers_follow_aliases_and_names_as_they_change(make_vault):
    """The did-you-mean answers kept in the index equal answers scored afresh after each
    edit: an alias that becomes the closest, an owner renamed, an alias removed."""
    root = make_vault({"Neurotransmitter.md": "# N\n",
                       "src.md": "[[Neurotransmiters]] [[Neurochemicall]]\n"})

    def both() -> dict:
        kept = suggestions(root, cache=True)
        assert kept == suggestions(root, cache=False)
        return kept

    assert both() == {"Neurotransmiters": ["Neurotransmitter"], "Neurochemicall": []}
    (root / "Neurotransmitter.md").write_text(TRANSMITTER)
    assert both() == {"Neurotransmiters": ["Neurotransmitter|Neurotransmitters"],
                      "Neurochemicall": ["Neurotransmitter|Neurochemical"]}
    (root / "Neurotransmitter.md").rename(root / "Transmitter.md")
    assert both() == {"Neurotransmiters": ["Transmitter|Neurotransmitters"],
                      "Neurochemicall": ["Transmitter|Neurochemical"]}
    (root / "Transmitter.md").write_text("---\naliases: [Neurochemical]\n---\n")
    assert both() == {"Neurotransmiters": [], "Neurochemicall": ["Transmitter|Neurochemical"]}


def test_a_kept_answer_whose_alias_went_is_scored_again(tmp_path):
    """A note is listed once, by its best key: when that key goes, another key of the
    same note may take its place, even in an answer shorter than the limit."""
    root = tmp_path / "vault"
    root.mkdir()
    vaultgraph.load(root, cache=True, cache_dir=tmp_path).close()  # creates the index
    store = SuggestionStore(index_file(root, tmp_path))
    best, other = alias_key("serotonine", "serotonin"), alias_key("serotonins", "serotonin")
    keys = ["dopamine", best, other]
    first = store.answers(["serotonnes"], lambda: keys, 3, Suggester.scores)
    assert [key for _, key in first["serotonnes"]] in ([best], [other])
    gone = first["serotonnes"][0][1]
    left = [key for key in keys if key != gone]
    again = store.answers(["serotonnes"], lambda: left, 3, Suggester.scores)
    assert again == Suggester.scores(["serotonnes"], left, 3) != {"serotonnes": []}
