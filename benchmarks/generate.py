"""Generate a realistic Obsidian vault, deterministically, with its ground truth.

    python benchmarks/generate.py --notes 10000 --seed 1 --out /tmp/vault10k

Nested folders; front matter with tags, aliases and a property link; headings
and block ids; about 8 links per note with power-law popularity in every form
(wikilink, alias, heading, block, embed, folder path, markdown link, property);
about 3% broken links; inline and nested tags; code blocks and inline code full
of fake links and tags; references with DOIs.  ``truth.json`` beside the vault
lists what a correct parser must find: every link with its target (or null when
broken) and every note's tags.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
from itertools import accumulate
from pathlib import Path

WORDS = ("neuron synapse receptor plasticity serotonin dopamine glutamate cortex memory "
         "learning drug dose tolerance signal pathway protein gene model theory evidence "
         "claim source method result review network graph vault index link tag").split()
TOPICS = ["biology", "neuro", "pharma", "method", "meta"]
# Every link form a vault has: plain, alias, heading, block, embed, folder path, markdown.
FORMS = ("[[{name}]]", "[[{name}|{word}]]", "[[{name}#{name}]]", "[[{name}#^{block}]]",
         "![[{name}]]", "[[{stem}]]", "[{word}]({url})")
BROKEN_RATE = 0.03
EPOCH_NS = 1_704_067_200 * 10**9  # 2024-01-01
LINKS_PER_NOTE = 8


def _name(i: int, rng: random.Random) -> str:
    return f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} {i}"


def compile_bytecode(python: str) -> None:
    """Write the .pyc files of the vaultgraph that ``python`` imports, as an install
    keeps them: where PYTHONDONTWRITEBYTECODE is set (it is on some machines) every
    process of an editable install would otherwise compile all its modules again
    (about 0.2 s of a small command), which is not what users pay."""
    import subprocess
    subprocess.run([python, "-c", "import compileall, os, vaultgraph; "
                    "compileall.compile_dir(os.path.dirname(vaultgraph.__file__), quiet=1)"],
                   check=True)


def generate(count: int, seed: int, out: Path) -> dict:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    folders = [""] + [f"{rng.choice(TOPICS)}/{rng.choice(WORDS)}" for _ in range(max(1, count // 400))]
    folders += [f"{f}/{rng.choice(WORDS)}" for f in folders[1:] if rng.random() < 0.3]
    names = [_name(i, rng) for i in range(count)]
    paths = [f"{rng.choice(folders)}/{n}.md".lstrip("/") for n in names]
    # Zipf-like popularity: a few hubs, a long tail.
    cumulative = list(accumulate(1.0 / (rank + 1) ** 0.9 for rank in range(count)))
    popular = list(range(count))
    rng.shuffle(popular)
    truth_links, truth_tags = [], {}
    for i in range(count):
        tags = sorted({rng.choice(TOPICS), f"{rng.choice(TOPICS)}/{rng.choice(WORDS)}"})
        inline_tag = f"{rng.choice(TOPICS)}/{rng.choice(WORDS)}"
        truth_tags[paths[i]] = sorted(set(tags) | {inline_tag})
        related = popular[rng.choices(range(count), cum_weights=cumulative)[0]]
        lines = [
            "---", f"tags: [{', '.join(tags)}]", f"aliases: [\"{names[i].lower()} alias\"]",
            f"related: \"[[{names[related]}]]\"", f"created: 2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
            "---", f"# {names[i]}", "",
        ]
        truth_links.append((paths[i], paths[related]))
        body = []
        for k in range(LINKS_PER_NOTE - 1):
            if rng.random() < BROKEN_RATE:
                body.append(f"See [[Missing {rng.choice(WORDS)} {i}-{k}]] for later.")
                truth_links.append((paths[i], None))
                continue
            j = popular[rng.choices(range(count), cum_weights=cumulative)[0]]
            target, name = paths[j], names[j]
            text = rng.choice(FORMS).format(name=name, word=rng.choice(WORDS), block=f"b{j}",
                                            stem=target[:-3], url=target.replace(" ", "%20"))
            truth_links.append((paths[i], target))
            body.append(f"The {rng.choice(WORDS)} of {rng.choice(WORDS)} relates to {text} here.")
        paragraph = " ".join(rng.choice(WORDS) for _ in range(160))
        lines += [
            "## Notes", "", " ".join(body), "", paragraph + f" ^b{i}", "",
            f"A tag in text: #{inline_tag}. Not tags: `#{rng.choice(WORDS)}` and word#x and #1984.", "",
            "```python", f"# [[Fake link {i}]] #faketag", "print('[[not a link]]')", "```", "",
            f"Inline code `[[Fake {i}]]` and math $[[m]]$ are not links.", "",
            "##### References", f"- doi:10.{1000 + i % 9000}/vault.{i}", "",
        ]
        path = out / paths[i]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines), encoding="utf-8")
        # Old mtimes, as in a real vault: only files edited in the last seconds
        # are re-hashed on every run (see docs/cli.md, "The index").
        os.utime(path, ns=(EPOCH_NS + i, EPOCH_NS + i))
    truth = {"notes": count, "seed": seed, "links": truth_links, "tags": truth_tags,
             "broken": sum(1 for _, t in truth_links if t is None)}
    (out.parent / f"{out.name}.truth.json").write_text(json.dumps(truth))
    return truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    truth = generate(args.notes, args.seed, args.out)
    print(f"{truth['notes']} notes, {len(truth['links'])} links ({truth['broken']} broken) in {args.out}")


if __name__ == "__main__":
    main()
