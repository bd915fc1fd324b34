"""`vaultgraph` (the console script) and `python -m vaultgraph`: a read-only command is
asked of the vault's watcher first (`vaultgraph watch`; ask.py, before click or any
other heavy module is imported: about 40 ms of a watcher's answer), else it runs here
(cli.main)."""

import os
import sys


def main() -> None:
    from .ask import answer_from_watcher

    answered = answer_from_watcher(sys.argv[1:])
    if answered is not None:
        os._exit(answered)
    from .cli import main as run

    run()


if __name__ == "__main__":
    main()
