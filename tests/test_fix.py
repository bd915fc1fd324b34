"""`check --fix`, `--fix-only`, `--diff`: only the fixed link or key changes, byte for byte."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from vaultgraph.cli import cli


def run(vault: Path, *args: str):
    return CliRunner().invoke(cli, ["--vault", str(vault), "--no-cache", *args],
                              catch_exceptions=False)


def vault_of(make_vault):
    return make_vault({
        "Neuron.md": "# Neuron\n",
        "Chem.md": "---\naliases: [Neurotransmitter]\n---\n# Chem\n",
        "img/p.png": b"\x89PNG",
        # BOM, CRLF, a lone CR, no newline at the end, a legacy key, three fixable links
        "a.md": (b"\xef\xbb\xbf---\r\ntag: x\r\n---\r\nSee [[Neuronn|n]] and [[Neurotransmiter#H]]"
                 b"\rand ![x](old/p.png) and [[Zebra]] caf\xc3\xa9"),
    })


EXPECTED = (b"\xef\xbb\xbf---\r\ntags: x\r\n---\r\nSee [[Neuron|n]] and "
            b"[[Chem#H|Neurotransmiter]]\rand ![x](img/p.png) and [[Zebra]] caf\xc3\xa9")


def test_fix_changes_only_the_fixed_links_and_key(make_vault):
    root = vault_of(make_vault)
    result = run(root, "check", "--fix")
    assert (root / "a.md").read_bytes() == EXPECTED.replace(
        b"[[Chem#H|Neurotransmiter]]", b"[[Chem#H|Neurotransmitter]]")
    assert "fixed 4 findings in 1 file" in result.output
    # every other finding is reported as usual
    assert "[[Zebra]]" in result.output and result.exit_code == 1
    assert "deprecated-property" not in result.output


def test_diff_writes_nothing_and_fix_only_limits_the_codes(make_vault):
    root = vault_of(make_vault)
    before = (root / "a.md").read_bytes()
    result = run(root, "check", "--diff", "--fix-only", "deprecated-property")
    assert "-tag: x" in result.output and "+tags: x" in result.output
    assert "would fix 1 finding in 1 file" in result.output
    assert (root / "a.md").read_bytes() == before
    assert run(root, "check", "--fix-only", "deprecated-property").exit_code == 2
    assert run(root, "check", "--fix", "--fix-only", "missing-heading").exit_code == 2
    result = run(root, "check", "--fix", "--fix-only", "deprecated-property")
    assert (root / "a.md").read_bytes() == before.replace(b"tag: x", b"tags: x")


def test_no_fix_when_the_answer_is_not_clear(make_vault):
    root = make_vault({"Transmitter A.md": "x", "Transmitter B.md": "x", "Nuclear.md": "x",
                       "a.md": "[[Transmitter C]] [[Nucler]]\n", "b.md": "---\ntag: x\ntags: y\n---\n"})
    before = {p: (root / p).read_bytes() for p in ("a.md", "b.md")}
    result = run(root, "check", "--fix")
    assert "fixed 1 finding" in result.output  # Nucler -> Nuclear only (C: A and B score 93)
    assert (root / "a.md").read_text() == "[[Transmitter C]] [[Nuclear]]\n"
    assert (root / "b.md").read_bytes() == before["b.md"]  # both keys: left to the writer


def test_one_typo_in_a_short_name_is_fixed(make_vault):
    """A swap of two letters scores 86 in a seven-letter name: one typo is fixed anyway."""
    root = make_vault({"Synapse.md": "x", "a.md": "at a [[Synapes]]\n"})
    assert "fixed 1 finding" in run(root, "check", "--fix").output
    assert (root / "a.md").read_text() == "at a [[Synapse]]\n"


def test_select_and_ignore_limit_the_fixes_too(make_vault):
    root = vault_of(make_vault)
    before = (root / "a.md").read_bytes()
    run(root, "check", "--fix", "--select", "deprecated-property")
    assert (root / "a.md").read_bytes() == before.replace(b"tag: x", b"tags: x")
    run(root, "check", "--fix", "--ignore", "unresolved-link,missing-attachment")
    assert (root / "a.md").read_bytes() == before.replace(b"tag: x", b"tags: x")


def test_a_note_whose_alias_is_its_own_name_is_one_answer(make_vault):
    """After `mv Synapse.md "Synaptic cleft.md"` the note may keep the alias "Synaptic
    cleft": name and alias are one note, so a typo of it is fixed (it was left)."""
    root = make_vault({"Synaptic cleft.md": "---\naliases: [Synaptic cleft]\n---\nx\n",
                       "a.md": "Typo [[Synaptc cleft]]\n"})
    result = run(root, "check", "--fix")
    assert "fixed 1 finding" in result.output, result.output
    assert (root / "a.md").read_text() == "Typo [[Synaptic cleft]]\n"
