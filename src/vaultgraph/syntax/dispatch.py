"""markdown-it's inline tokenizer loop, with each rule tried only where it can match.

markdown-it-py tries every inline rule, in order, at every punctuation mark
(``-``, ``:``, ``*``, ``]``...), and almost all of them fail at once on their
first character.  Every inline rule we use opens on one known character
(:data:`TRIGGERS`), so the loop below asks only the rules that open on the
character at hand, in their usual order, and copies runs of text that no rule
opens on in one step.  Which rule matches where is unchanged, so the tokens are
markdown-it's own (tests/test_syntax.py compares both loops on every corpus and
on generated text); on a 10,000-note vault inline parsing takes about a third
less time.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_inline import StateInline

# The first character of everything each inline rule matches.  `text` is the
# loop itself; a rule missing here (a new plugin) makes the parser keep
# markdown-it's own loop.
TRIGGERS = {
    "newline": "\n", "math_inline": "$", "escape": "\\", "backticks": "`", "tag": "#",
    "wikilink": "[!", "link": "[", "image": "!", "autolink": "<", "html_inline": "<",
    "entity": "&",
}


def dispatching_tokenizer(md: "MarkdownIt") -> Callable[["StateInline"], None]:
    """A drop-in for ``md.inline.tokenize`` (the rules as enabled now), or markdown-it's own."""
    names = md.inline.ruler.get_active_rules()
    rules = md.inline.ruler.getRules("")
    if not names or names[0] != "text" or any(name not in TRIGGERS for name in names[1:]):
        return md.inline.tokenize
    rules_at: dict[str, list] = {}
    for name, rule in zip(names[1:], rules[1:]):
        for char in TRIGGERS[name]:
            rules_at.setdefault(char, []).append(rule)
    next_trigger = re.compile("[" + re.escape("".join(rules_at)) + "]")
    max_nesting = md.options["maxNesting"]
    append = _pending_appender()

    def tokenize(state: "StateInline") -> None:
        src, end = state.src, state.posMax
        while state.pos < end:
            pos = state.pos
            candidates = rules_at.get(src[pos])
            if candidates is None:  # text up to the next character a rule opens on
                match = next_trigger.search(src, pos, end)
                state.pos = match.start() if match else end
                append(state, src[pos:state.pos])
                continue
            if state.level < max_nesting:
                for rule in candidates:
                    if rule(state, False):
                        break
                else:
                    rule = None
                if rule is not None:
                    if state.pos <= pos:
                        raise RuntimeError("inline rule didn't increment state.pos")
                    continue
            append(state, src[pos])
            state.pos += 1
        if state.pending:
            state.pushPending()

    return tokenize


def _pending_appender() -> Callable[["StateInline", str], None]:
    """markdown-it-py 4 buffers pending text (``append_pending``); 3 concatenates."""
    from markdown_it.rules_inline import StateInline

    if hasattr(StateInline, "append_pending"):
        return StateInline.append_pending

    def append(state: "StateInline", text: str) -> None:
        state.pending += text

    return append
