"""The ``vaultgraph`` command line: each click command is arguments -> an ``app``
function -> a view (JSON, or ``render`` for people) -> an exit status; no logic.

Exit codes (docs/cli.md), from one table (app.EXIT_CODES): a command's outcome
(app.Outcome, and app.AppError's for what it cannot answer) sets its status; those of
signals, pipes and I/O errors are set for every command in one place, :func:`main`:

- 0 success;
- 1 findings (check errors, a NOTE matching nothing or several notes, a broken link
  explained, no path);
- 2 usage error, unreadable vault, or an I/O error (the output cannot be written: a full
  disk; one line on stderr);
- 3 internal error (a bug);
- 130 interrupted (SIGINT, Ctrl-C), 143 terminated (SIGTERM): 128 + the signal's number,
  at once, with the notes parsed so far kept in the index;
- 141 the reader of the output went (a closed pipe, ``| head -1``): 128 + SIGPIPE, as a
  Unix tool killed by SIGPIPE reports, and nothing is said.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, NoReturn

import click

from . import app
from .app import EXIT_CODES, AppError, Outcome, Session
from .escape import terminal

if TYPE_CHECKING:
    from rich.console import Console

EXIT_FINDINGS, EXIT_USAGE = EXIT_CODES[Outcome.FINDINGS], EXIT_CODES[Outcome.USAGE]
EXIT_INTERNAL, EXIT_INTERRUPTED = EXIT_CODES[Outcome.INTERNAL], EXIT_CODES[Outcome.INTERRUPTED]
EXIT_CLOSED_PIPE = EXIT_CODES[Outcome.CLOSED_PIPE]
PROGRESS_THRESHOLD = 500  # notes or names; fewer are read or checked too fast to need a bar


_live_bars: list = []


def _progress_bar():
    """A rich progress callback, ``update(done, total, what)``, on a TTY stderr, else
    None; one bar for each ``what`` (reading notes, then checking them)."""
    if not sys.stderr.isatty():
        return None
    bars: dict[str, Any] = {}

    def update(done: int, total: int, what: str = "Reading notes") -> None:
        if total < PROGRESS_THRESHOLD:
            return
        if what not in bars:
            from rich.progress import Progress

            bar = Progress(console=console(stderr=True), transient=True)
            _live_bars.append(bar)  # (stopped by _end if the run ends before the bar)
            bar.start()
            bars[what] = (bar, bar.add_task(what, total=total))
        bar, task = bars[what]
        bar.update(task, completed=done)
        if done == total:
            bar.stop()

    return update


def console(stderr: bool = False) -> "Console":
    """Rich console; when piped, lines are never cut or wrapped at a made-up width."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else 1_000_000
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=width)


def fail(message: str, code: int) -> None:
    """One line on stderr (vault text in ``message`` escaped for the terminal), then exit."""
    click.echo(f"vaultgraph: {terminal(message)}", err=True)
    sys.exit(code)


def _tell(message: str) -> None:
    """One line for the user on stderr, the run going on."""
    click.echo(f"vaultgraph: {terminal(message)}", err=True)


def emit_json(data: Any) -> None:
    """Indented on a terminal; one line when piped (json writes it in C then: a hub's
    backlinks in a large vault run to megabytes)."""
    indent = 2 if sys.stdout.isatty() else None
    written = getattr(data, "json_text", None)  # a view that writes its own (views.BacklinksAnswer)
    # (color=True: not scanned for escape sequences to strip -- json writes every control
    # character escaped, so there are none; the scan took 10 ms of a hub's 11 MB answer)
    click.echo(written(indent) if written is not None
               else json.dumps(data, ensure_ascii=False, indent=indent, default=str), color=True)


def _show(as_json: bool, data: Any, renderer: str, *args: Any) -> None:
    """Print ``data`` as JSON, or through ``render.<renderer>``."""
    if as_json:
        emit_json(data)
        return
    from . import render

    getattr(render, renderer)(console(), *args)


def path_shower(root: Path) -> Callable[[str], str]:
    """Vault path -> the path the user can open it by from the current folder (the
    vault folder's is worked out once: vault paths hold no `.` or `..`)."""
    try:
        start = os.path.relpath(root)
    except ValueError:  # another drive on Windows
        start = str(root)
    return lambda path: os.path.normpath(os.path.join(start, path))


def _completer(what: str) -> Callable[[click.Context, click.Parameter, str], list[str]]:
    """Shell completion of note names (``what`` "notes") or tags ("tags"), from the index
    (app.complete), for the vault the command line names."""

    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
        given = ctx.find_root().params
        return app.complete(given.get("vault_path"), given.get("cache_dir"), what, incomplete)

    return complete


complete_notes, complete_tags = _completer("notes"), _completer("tags")


def complete_folders(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """Shell completion of a folder (the shell lists them)."""
    from click.shell_completion import CompletionItem

    return [CompletionItem(incomplete, type="dir")]

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON (docs/cli.md).")
output_option = click.option(
    "-o", "--output", metavar="FILE",
    help="Write here instead of stdout: a file is replaced in one step; never inside the vault.")
excluded_option = click.option(
    "--include-excluded", is_flag=True,
    help="Also use notes matched by Obsidian's 'Excluded files' setting.")


def _escaped(exc: click.ClickException) -> click.ClickException:
    """``exc`` with its message escaped for the terminal: click quotes some arguments
    it rejects (``repr``) but not all (an extra argument holding a newline and
    ``::error`` forged a workflow command line on stderr)."""
    exc.message = terminal(exc.message)
    if isinstance(exc, click.NoSuchOption) and exc.possibilities:
        # (a misspelt option is rarely --help, which click offers for any short name)
        meant = [p for p in exc.possibilities if p not in ("--help", "-h")]
        exc.possibilities = meant or exc.possibilities
    return exc


def _set_on_session(attribute: str, value_of: Callable[[Any], Any] = lambda value: value):
    """A callback giving the run's Session ``attribute`` an option's value, when given."""

    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        session = ctx.find_object(Session)
        if session is not None and value not in (None, False):
            setattr(session, attribute, value_of(value))

    return callback


def _group_options() -> list[click.Option]:
    """The group's options, accepted after a command too (`check --vault notes`, as
    users type them): they set the run's Session before the command uses it.  Hidden in
    a command's --help (the group's lists them); a misspelt one gets click's "did you
    mean" there as at the front."""
    return [
        click.Option(["--vault"], metavar="PATH", hidden=True, expose_value=False,
                     callback=_set_on_session("vault_path"), shell_complete=complete_folders),
        click.Option(["--config-dir"], hidden=True, expose_value=False,
                     callback=_set_on_session("config_dir")),
        click.Option(["--cache-dir"], metavar="DIR", hidden=True, expose_value=False,
                     callback=_set_on_session("cache_dir"), shell_complete=complete_folders),
        click.Option(["--no-cache"], is_flag=True, hidden=True, expose_value=False,
                     callback=_set_on_session("use_cache", lambda flag: False)),
    ]


class _Command(click.Command):
    """A command run again, once, when the index proved damaged while it ran
    (``Session.heal``: the index is then made anew); it takes the group's options too
    (:func:`_group_options`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.extend(_group_options())

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if isinstance(ctx.obj, Session) and ctx.obj.heal(exc):
                return super().invoke(ctx)
            raise


class _Commands(click.Group):
    """The command group: a KeyboardInterrupt (the CLI in-process, as with click's
    CliRunner or embedded, where SIGINT raises it) ends the command with 130, as
    :func:`main` ends the process, not with click's "Aborted!" and 1; click's usage
    errors, which quote the arguments given, are escaped for the terminal as ours are."""

    command_class = _Command
    group_class = type  # (`report`: a group of the same class)

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.ClickException as exc:
            raise _escaped(exc) from None

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        """The command named first in ``args``; a misspelt one gets a did-you-mean
        (click's own for options: difflib's close matches)."""
        name = click.utils.make_str(args[0]) if args else ""
        if args and self.get_command(ctx, name) is None and not name.startswith("-"):
            from difflib import get_close_matches

            close = get_close_matches(name, self.list_commands(ctx))
            if close:
                ctx.fail(f"No such command {name!r}. Did you mean "
                         + " or ".join(repr(c) for c in close) + "?")
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            ctx.exit(EXIT_INTERRUPTED)
        except AppError as exc:  # one line on stderr, and the exit status of its outcome
            fail(str(exc), EXIT_CODES[exc.outcome])
        except click.ClickException as exc:
            raise _escaped(exc) from None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--vault", "vault_path", envvar="VAULTGRAPH_VAULT", metavar="PATH",
              shell_complete=complete_folders,
              help="Vault folder (default: $VAULTGRAPH_VAULT, else the nearest folder "
                   "above holding .obsidian/, else the current folder).")
@click.option("--config-dir", default=".obsidian", show_default=True,
              help="Obsidian's configuration folder inside the vault.")
@click.option("--cache-dir", envvar="VAULTGRAPH_CACHE_DIR", metavar="DIR",
              shell_complete=complete_folders,
              help="Where the index of parsed notes is kept (default: "
                   "$XDG_CACHE_HOME/vaultgraph, else ~/.cache/vaultgraph; never inside "
                   "the vault).")
@click.option("--no-cache", is_flag=True, envvar="VAULTGRAPH_NO_CACHE",
              help="Parse every note into a throwaway index (a private temporary folder, "
                   "removed at the end); the index is neither read nor written.")
@click.version_option(None, "-V", "--version", package_name="vaultgraph", prog_name="vaultgraph")
@click.pass_context
def cli(ctx: click.Context, vault_path: str | None, config_dir: str, cache_dir: str | None,
        no_cache: bool) -> None:
    """Query and validate an Obsidian vault: links, backlinks, tags, broken links.

    Exit codes: 0 success; 1 check found errors, explain a problem, path no path, a
    NOTE or TAG no note (or several notes); 2 usage or I/O error; 3 internal error;
    130, 141, 143 ended by Ctrl-C, a closed pipe, SIGTERM. Every command and its JSON:
    docs/cli.md.
    """
    session = Session(vault_path, config_dir, cache_dir, not no_cache, _progress_bar, _tell)
    # (a throwaway index is removed then; the process of main's run ends at once after)
    ctx.call_on_close(session.close_at_exit if isinstance(ctx.obj, _ProcessSessions)
                      else session.close)
    if isinstance(ctx.obj, list):  # main() keeps the run's Session to the end
        ctx.obj.append(session)
    ctx.obj = session


def finish(outcome: Outcome) -> None:
    """End the command with ``outcome``'s exit status (app.EXIT_CODES) unless it is OK."""
    if outcome is not Outcome.OK:
        sys.exit(EXIT_CODES[outcome])


@cli.command()
@click.option("--rebuild", is_flag=True, help="Discard the index and parse every note again.")
@json_option
@click.pass_obj
def index(session: Session, rebuild: bool, as_json: bool) -> None:
    """Bring the index of parsed notes up to date (every command does this first)."""
    from .views import index_view

    figures = app.update_index(session, rebuild)
    data = index_view(figures)
    if as_json:
        emit_json(data)
    else:
        def count(n: int, what: str, plural: str) -> str:
            return f"{n} {what if n == 1 else plural}"

        canvases = (f" and {count(data['canvases'], 'canvas', 'canvases')}"
                    if data["canvases"] else "")
        click.echo(f"{count(data['notes'], 'note', 'notes')}{canvases}: {data['parsed']} parsed, "
                   f"{data['reused']} from the index, {data['removed']} removed"
                   f"{' (index rebuilt)' if data['rebuilt'] else ''}\nindex: {terminal(data['location'])}")
    app.index_outcome(figures)


@cli.command()
@click.argument("note", shell_complete=complete_notes)
@json_option
@excluded_option
@click.pass_obj
def links(session: Session, note: str, as_json: bool, include_excluded: bool) -> None:
    """Outgoing links and backlinks of NOTE (path, name or alias)."""
    from .views import links_view

    found = app.note_links(session, note)
    data = links_view(found.vault, found.path, include_excluded)
    _show(as_json, data, "links", data)


@cli.command()
@click.argument("note", shell_complete=complete_notes)
@json_option
@excluded_option
@click.pass_obj
def backlinks(session: Session, note: str, as_json: bool, include_excluded: bool) -> None:
    """Notes linking to NOTE, with the line each link is on."""
    from .views import backlinks_answer

    found = app.note_links(session, note)
    data = backlinks_answer(found.vault, found.path, include_excluded)
    _show(as_json, data, "backlinks", data)


@cli.command()
@click.argument("tag", required=False, shell_complete=complete_tags)
@json_option
@excluded_option
@click.pass_obj
def tags(session: Session, tag: str | None, as_json: bool, include_excluded: bool) -> None:
    """All tags with note counts, as a tree; or the notes carrying TAG (nested included)."""
    from . import views

    index = app.tags(session, include_excluded)
    data = views.tags_view(index) if tag is None else views.tag_notes_view(index, tag)
    if as_json:
        emit_json(data)
    else:
        from . import render

        if tag is None:
            render.tag_tree(console(), data)
        else:
            render.tag_notes(console(), data)
    finish(app.tag_outcome(tag, data.get("notes", [])))


role_option = click.option(
    "--role", "roles", multiple=True, metavar="#TAG=ROLE|FOLDER/=ROLE",
    help="Give notes with this tag, or in this folder, a provenance role "
         "(claim, evidence, concept, source, question). Default: #🔴=claim.")


bibliography_option = click.option(
    "--bibliography", "bibliographies", multiple=True, metavar="FILE",
    type=click.Path(exists=True, dir_okay=False),
    help="A BibTeX or CSL-JSON library pandoc keys [@key] resolve against, besides the "
         "vault's .bib and CSL-JSON files (repeatable).")


@cli.command()
@click.argument("claim", required=False, shell_complete=complete_notes)
@click.option("--dependents", metavar="SOURCE", shell_complete=complete_notes,
              help="List the claims resting on SOURCE (a source note; a DOI, ISBN or URL "
                   "in any form; a @key).")
@click.option("--chains", is_flag=True,
              help="With --dependents: give each claim's whole chain to the source.")
@click.option("--depth", default=10, show_default=True, type=click.IntRange(1, 100),
              help="How many steps of evidence to follow.")
@click.option("--format", "graph_format",
              type=click.Choice(["text", "json", "graph-json", "dot", "mermaid", "prov-json"]),
              help="text (the tree, default), json (the tree: as --json), or the claim's "
                   "evidence as a graph, each node and edge once: graph-json, dot, mermaid, "
                   "prov-json (W3C PROV).")
@role_option
@bibliography_option
@json_option
@click.pass_obj
def provenance(session: Session, claim: str | None, dependents: str | None, chains: bool,
               depth: int, graph_format: str | None, roles: tuple[str, ...],
               bibliographies: tuple[str, ...], as_json: bool) -> None:
    """Where CLAIM comes from: the evidence and sources it rests on, with a verdict.

    With --dependents SOURCE: every claim that rests on SOURCE, directly or
    through other notes -- what to re-check when a source is retracted.
    """
    if (claim is None) == (dependents is None):
        fail("give a CLAIM, or --dependents SOURCE", EXIT_USAGE)
    if graph_format == "json":
        as_json, graph_format = True, None
    elif graph_format == "text":
        graph_format = None
    if graph_format and dependents is not None:
        fail(f"--format {graph_format} draws a CLAIM's evidence, not --dependents", EXIT_USAGE)
    from . import views

    config = app.provenance_config(roles, bibliographies)
    if graph_format:
        data = views.evidence_graph_view(app.provenance_graph(session, claim, depth, config))
        if graph_format == "graph-json":
            return emit_json(data)
        from . import export

        writer = {"dot": export.evidence_dot, "mermaid": export.evidence_mermaid,
                  "prov-json": export.evidence_prov}[graph_format]
        click.echo(writer(data), nl=False)
        return None
    if dependents is not None:
        data = views.dependents_view(app.dependents(session, dependents, config, chains))
    else:
        data = views.provenance_view(app.provenance(session, claim, depth, config))
    if as_json:
        return emit_json(data)
    from . import render

    if dependents is not None:
        render.provenance_dependents(console(), data)
    else:
        render.provenance_tree(console(), data)


@cli.command()
@click.argument("link", shell_complete=complete_notes)
@click.option("--from", "source", metavar="NOTE", shell_complete=complete_notes,
              help="The note the link is written in.")
@json_option
@click.pass_obj
def explain(session: Session, link: str, source: str | None, as_json: bool) -> None:
    """How Obsidian's rules resolve LINK, or why it is broken.

    LINK is link text (`Neuron#Axons`, `[[../Neuron]]`, `[t](Neuron.md)`) with --from NOTE,
    or NOTE:LINE to explain every link on that line. Text that looks like a link but is
    not one (cut by a table's |, [[ never closed, a space in [t](My Note.md)) is shown
    with the reason. Exit code 1 when a link has a problem, or there is no link.
    """
    from .views import explain_view

    found = app.explain(session, link, source)
    data = explain_view(found)
    _show(as_json, data, "explain", data)
    finish(app.explain_outcome(found.links, found.would_be))


@cli.command()
@json_option
@excluded_option
@click.pass_obj
def orphans(session: Session, as_json: bool, include_excluded: bool) -> None:
    """Notes with no links to or from other notes."""
    from .views import note_list_view

    paths = app.orphans(session, include_excluded)
    _show(as_json, note_list_view("orphans", paths), "note_list", "Orphans", paths)


@cli.command()
@json_option
@excluded_option
@click.pass_obj
def deadends(session: Session, as_json: bool, include_excluded: bool) -> None:
    """Notes with no outgoing links to other notes."""
    from .views import note_list_view

    paths = app.deadends(session, include_excluded)
    _show(as_json, note_list_view("deadends", paths), "note_list", "Dead ends", paths)


@cli.command()
@json_option
@excluded_option
@click.pass_obj
def wanted(session: Session, as_json: bool, include_excluded: bool) -> None:
    """Unresolved note names, most linked first, with the notes linking to them."""
    from .views import wanted_view

    data = wanted_view(app.wanted(session, include_excluded))
    _show(as_json, data, "wanted", data["wanted"])


@cli.command()
@click.argument("note", shell_complete=complete_notes)
@click.option("--depth", default=1, show_default=True, type=click.IntRange(1, 20))
@click.option("--direction", type=click.Choice(["in", "out", "both"]), default="both",
              show_default=True, help="Follow backlinks (in), links (out) or both.")
@json_option
@excluded_option
@click.pass_obj
def neighbors(session: Session, note: str, depth: int, direction: str, as_json: bool,
              include_excluded: bool) -> None:
    """Notes within --depth links of NOTE (Obsidian's local graph)."""
    from .views import neighbors_view

    data = neighbors_view(app.neighbors(session, note, depth, direction, include_excluded))
    _show(as_json, data, "neighbors", data)


@cli.command(name="path")
@click.argument("start", shell_complete=complete_notes)
@click.argument("end", shell_complete=complete_notes)
@click.option("--directed", is_flag=True, help="Only follow links forwards.")
@json_option
@excluded_option
@click.pass_obj
def path_command(session: Session, start: str, end: str, directed: bool, as_json: bool,
                 include_excluded: bool) -> None:
    """The shortest chain of links between START and END, with the line of each hop."""
    from .views import path_view

    found = app.shortest_path(session, start, end, directed, include_excluded)
    data = path_view(found)
    _show(as_json, data, "path", data)
    finish(app.path_outcome(found))


@cli.command()
@click.option("--top", default=10, show_default=True, type=click.IntRange(1))
@json_option
@excluded_option
@click.pass_obj
def hubs(session: Session, top: int, as_json: bool, include_excluded: bool) -> None:
    """The most central notes: PageRank over the link graph, with in- and out-degree."""
    from .views import hubs_view

    data = hubs_view(app.hubs(session, top, include_excluded))
    _show(as_json, data, "hubs", data["hubs"])


@cli.command()
@click.argument("note", shell_complete=complete_notes)
@click.option("--top", default=10, show_default=True, type=click.IntRange(1))
@json_option
@excluded_option
@click.pass_obj
def related(session: Session, note: str, top: int, as_json: bool, include_excluded: bool) -> None:
    """Notes not linked with NOTE that share the most links and tags with it."""
    from .views import related_view

    data = related_view(app.related(session, note, top, include_excluded))
    _show(as_json, data, "related", data)


@cli.command()
@click.argument("note", shell_complete=complete_notes)
@json_option
@excluded_option
@click.pass_obj
def mentions(session: Session, note: str, as_json: bool, include_excluded: bool) -> None:
    """Unlinked mentions: NOTE's name or aliases in other notes' text, not linked."""
    from .views import mentions_view

    data = mentions_view(app.mentions(session, note, include_excluded))
    _show(as_json, data, "mentions", data)


@cli.command()
@json_option
@excluded_option
@click.pass_obj
def stats(session: Session, as_json: bool, include_excluded: bool) -> None:
    """A one-screen health summary of the vault."""
    from .views import stats_view

    data = stats_view(app.stats(session, include_excluded))
    _show(as_json, data, "stats", data)


def _write_output(text: str, output: str | None) -> None:
    """To stdout, or to ``output``: a regular file atomically (never half a file),
    anything else (a FIFO, a device, what a symlink points to) written through."""
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    from .report import write_atomically

    try:
        write_atomically(output, text)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}", EXIT_USAGE)
    click.echo(f"wrote {terminal(output)}", err=True)


@cli.group()
def report() -> None:
    """Write reports about the vault."""


@report.command(name="backlinks")
@click.option("--format", "fmt", type=click.Choice(["md", "csv", "json", "html"]), default="md",
              show_default=True)
@output_option
@click.option("--tag", metavar="TAG", shell_complete=complete_tags,
              help="Only notes carrying TAG (nested tags included).")
@click.option("--path", "path_glob", metavar="GLOB", help="Only notes whose vault path matches GLOB.")
@click.option("--min-backlinks", default=0, show_default=True, type=click.IntRange(0),
              help="Only notes with at least N backlinks.")
@click.option("--include-unresolved", is_flag=True,
              help="Also list names that are linked to but have no note yet.")
@click.option("--sort", type=click.Choice(["name", "backlinks"]), default="name", show_default=True)
@excluded_option
@click.pass_obj
def report_backlinks(session: Session, fmt: str, output: str | None, tag: str | None,
                     path_glob: str | None, min_backlinks: int, include_unresolved: bool,
                     sort: str, include_excluded: bool) -> None:
    """Every note with its backlinks (and the line each comes from), its outgoing
    links with their status, the wanted notes, tags and broken links."""
    from .report import ReportOptions, build_report, render

    app.refuse_output_inside(session, output)
    options = ReportOptions(tag, path_glob, min_backlinks, include_unresolved, sort, include_excluded)
    _write_output(render(build_report(session.vault(), options), fmt), output)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["graphml", "gexf", "json", "dot", "mermaid",
                                                    "csv"]), default="graphml", show_default=True)
@output_option
@click.option("--no-attachments", is_flag=True, help="Leave out images, PDFs and other files.")
@click.option("--no-unresolved", is_flag=True, help="Leave out links to notes that do not exist.")
@click.option("--tag", metavar="TAG", shell_complete=complete_tags,
              help="Only notes carrying TAG (nested tags included).")
@click.option("--around", metavar="NOTE", shell_complete=complete_notes,
              help="Only the neighbourhood of NOTE.")
@click.option("--depth", default=1, show_default=True, type=click.IntRange(1),
              help="With --around: how many links away.")
@excluded_option
@click.option("--provenance", "with_provenance", is_flag=True,
              help="Add each note's provenance role and each claim's verdict (node "
                   "attributes) and the evidence kinds of links (edge attribute 'evidence').")
@role_option
@bibliography_option
@click.pass_obj
def export(session: Session, fmt: str, output: str | None, no_attachments: bool,
           no_unresolved: bool, tag: str | None, around: str | None, depth: int,
           include_excluded: bool, with_provenance: bool, roles: tuple[str, ...],
           bibliographies: tuple[str, ...]) -> None:
    """The concept graph for Gephi, Cytoscape, Graphviz, Mermaid or a spreadsheet."""
    from .export import export_graph, write_graph

    app.refuse_output_inside(session, output)
    centre = session.note_path(around) if around else None
    config = app.provenance_config(roles, bibliographies) if with_provenance else None
    graph = export_graph(session.vault(), not no_attachments, not no_unresolved, tag, centre,
                         depth, include_excluded, config)
    _write_output(write_graph(graph, fmt), output)


def text_path_shower(root: Path) -> Callable[[str], str]:
    """Vault path -> how check's text output shows it: from the current folder when that
    is inside the vault (what an editor opens from there), else from the vault root."""
    import posixpath

    here = os.path.relpath(os.getcwd(), root) if root.is_dir() else ".."
    if here == ".." or here.startswith(".." + os.sep) or os.path.isabs(here):
        return lambda path: path
    if here == ".":
        return lambda path: path
    start = here.replace(os.sep, "/")
    return lambda path: posixpath.relpath(path, start)


@cli.command()
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github", "sarif"]),
              help="Output format (default: text).")
@click.option("--json", "as_json", is_flag=True,
              help="The same as --format json (as --json of the other commands).")
@click.option("--select", metavar="CODE,...",
              help="Report only these codes (unresolved-link, cut-link, ...).")
@click.option("--ignore", metavar="CODE,...", help="Do not report these codes.")
@click.option("--unresolved", type=click.Choice(["error", "warning", "ignore"]),
              help="Severity of links to notes that do not exist yet (default: error).")
@click.option("--commented", type=click.Choice(["error", "warning", "ignore"]),
              help="Highest severity of findings on links inside %%comments%% (default: warning).")
@click.option("--fix", "fix", is_flag=True,
              help="Apply the safe fixes (docs/cli.md), then report what is left.")
@click.option("--fix-only", metavar="CODE,...",
              help="With --fix or --diff: fix only these codes.")
@click.option("--diff", "diff", is_flag=True,
              help="Print the fixes --fix would make as a unified diff; write nothing.")
@excluded_option
@role_option
@click.option("--exclude", multiple=True, metavar="GLOB",
              help="Do not report on notes matching GLOB (repeatable), besides Obsidian's "
                   "excluded files.")
@click.option("--statistics", is_flag=True, help="Show the count of each code, not the findings.")
@click.option("--no-group", is_flag=True,
              help="List every finding (text output groups a cause repeated many times).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when errors are found.")
@click.option("--config", "config_file", metavar="FILE",
              help="Read this configuration file instead of the vault's .vaultgraph.toml.")
@click.option("--isolated", is_flag=True, help="Read no configuration file.")
@click.option("--baseline", metavar="FILE", help="Report only findings this baseline file does not hold.")
@click.option("--write-baseline", metavar="FILE",
              help="Record the current findings in FILE (for --baseline) and exit 0.")
@bibliography_option
@click.pass_obj
def check(session: Session, paths: tuple[str, ...], fmt: str | None, as_json: bool,
          select: str | None, ignore: str | None, unresolved: str | None,
          commented: str | None, fix: bool, fix_only: str | None, diff: bool,
          include_excluded: bool, roles: tuple[str, ...],
          exclude: tuple[str, ...], statistics: bool, no_group: bool, exit_zero: bool,
          config_file: str | None, isolated: bool, baseline: str | None,
          write_baseline: str | None, bibliographies: tuple[str, ...]) -> None:
    """Validate the vault, or only the notes and folders PATH...; exit 1 when there
    are errors.

    Reports broken links, missing headings, blocks and attachments, ambiguous
    links and links that match a file only without case, text that looks like
    a link but is not one (cut by a table's |, [[ never closed, a space in a
    markdown link), invalid front matter, canvases and app.json, unreadable
    files, unsourced claims and citations of missing sources, with
    file:line:col. Links are resolved against the whole vault whatever PATH
    says. Options may also be set in the vault's .vaultgraph.toml ([check]).
    Exit codes: 0 no errors, 1 errors, 2 usage or I/O error.
    Codes for --select/--ignore: docs/cli.md ("Diagnostic codes").
    """
    if as_json and fmt not in (None, "json"):
        fail(f"--json is --format json: it cannot be combined with --format {fmt}", EXIT_USAGE)
    if fix and diff:
        fail("--fix writes, --diff does not: give one of them", EXIT_USAGE)
    if fix_only and not (fix or diff):
        fail("--fix-only goes with --fix or --diff", EXIT_USAGE)
    options = app.check_options(
        session, fmt="json" if as_json else fmt, select=select, ignore=ignore,
        unresolved=unresolved, commented=commented, include_excluded=include_excluded,
        roles=roles, exclude=exclude, baseline=baseline, paths=paths,
        config_file=config_file, isolated=isolated, bibliographies=bibliographies)
    if statistics and options.format in ("github", "sarif"):
        fail(f"--statistics is shown as text or json, not {options.format}", EXIT_USAGE)
    if write_baseline is not None:
        app.refuse_note_output(session, write_baseline)
        result = app.lint(session, options, use_baseline=False)
        _write_output(app.baseline_text(session, result), write_baseline)
        sys.exit(0)
    if fix or diff:
        from .render import fixes_text

        plan = app.fix(session, fix_only, fix, options.include_excluded, options.roles,
                       ",".join(options.select), ",".join(options.ignore))
        click.echo(fixes_text(plan, written=fix), err=options.format != "text", nl=False)
    result = app.lint(session, options)
    if options.format == "json":
        from .views import check_view, statistics_view

        emit_json(statistics_view(result) if statistics else check_view(result))
    elif options.format == "sarif":
        from . import __version__
        from .sarif import sarif_log

        emit_json(sarif_log(result, path_shower(session.root), __version__, Path.cwd()))
    else:
        from . import render

        if options.format == "github":
            render.github_annotations(result, path_shower(session.root))
        elif statistics:
            render.check_statistics(console(), result)
        else:
            render.check_text(console(), result, text_path_shower(session.root), not no_group)
    sys.exit(EXIT_CODES[app.lint_outcome(result, exit_zero)])


@cli.command()
@click.option("--poll", is_flag=True,
              help="Look for changes by polling (network and FUSE file systems, which send "
                   "no events) rather than by file-system events.")
@click.option("--detach", is_flag=True,
              help="Run in the background: return once it answers, saying its pid and log.")
@click.pass_obj
def watch(session: Session, poll: bool, detach: bool) -> None:
    """Keep the vault's index up to date as files change, and answer the read-only
    commands (backlinks, links, tags, check, ...) run meanwhile from it at once.

    Runs in the foreground until Ctrl-C (exit 130), or with --detach in the background
    until `kill PID`. Another watcher of the same vault: exit 2. Commands run elsewhere
    ask it over a private Unix socket in the index's folder, and run by themselves when
    it does not answer within 100 ms (docs/cli.md).
    """
    from . import watch as watcher

    if detach:
        _tell(watcher.start_detached(session, poll))
    else:
        watcher.serve(session, cli, poll)


@cli.command(name="mv")
@click.argument("source")
@click.argument("dest")
@click.option("--dry-run", "-n", is_flag=True,
              help="Print a unified diff of every file it would change; write nothing.")
@click.option("--keep-resolution", is_flag=True,
              help="Also rewrite links the move would capture or release, to keep their target.")
@json_option
@click.pass_obj
def mv(session: Session, source: str, dest: str, dry_run: bool, keep_resolution: bool,
       as_json: bool) -> None:
    """Move or rename SOURCE (a note, attachment or folder) to DEST and rewrite every
    link that led to it, by Obsidian's rules and link settings.

    Refuses (exit 2, nothing written) when DEST exists, SOURCE is outside the vault,
    a link cannot be rewritten or a file changed on disk since it was read. Prints
    what changed and a one-line undo command. Relative paths are taken from the
    current folder when it is inside the vault, else from the vault's folder.
    """
    from .render import move_text
    from .views import move_view

    result = app.move(session, source, dest, dry_run, keep_resolution)
    data = move_view(result)
    if as_json:
        emit_json(data)
    else:
        click.echo(move_text(data, result.plan.diff() if dry_run else None))


def main() -> None:
    """Console entry point, and the one place exit codes are decided: never ends in a
    traceback unless VAULTGRAPH_DEBUG is set.

    SIGINT and SIGTERM end the run with 130 and 143 (process.catch_signals); a closed
    stdout with 141, quietly; a write error on it (or any OSError left unhandled) with 2
    and one line on stderr.

    A command loads millions of objects that live until it ends.  Python's cyclic
    garbage collector is off: it would scan them again and again, and they hold no
    cycles worth collecting (at 100k notes, a fifth of `check` after an edit went to
    it).  Nor are they freed one by one at the end: the run's Session is kept, and once
    the output is flushed the process ends with ``os._exit`` (freeing the vault that
    `check` loads at 100k notes took over a second).

    (The console script is ``__main__.main``: it asks the vault's watcher first, when
    one runs -- ``vaultgraph watch``, ask.py -- and calls this when it does not answer.)
    """
    from .process import (Interrupted, OutputClosed, OutputFailed, catch_signals,
                          guard_stdout, hold_standard_fds, pending, silence_stdout)

    hold_standard_fds()  # (first: before any file is opened)
    catch_signals()
    gc.disable()
    # numpy (did-you-mean's tables: suggest.py) does no linear algebra here; unless told
    # otherwise, its OpenBLAS starts no thread pool -- half of numpy's import, 0.05 s of CPU.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    guard_stdout()
    alive = _ProcessSessions()
    try:
        cli(prog_name="vaultgraph", obj=alive)
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    except Interrupted as exc:
        code = exc.exit_code
    except OutputClosed:
        silence_stdout()
        code = EXIT_CLOSED_PIPE
    except OutputFailed as exc:
        silence_stdout()  # (said once: what is still buffered goes nowhere)
        code = _io_error("cannot write the output", exc.error)
    except OSError as exc:
        if os.environ.get("VAULTGRAPH_DEBUG"):
            raise
        code = _io_error("I/O error", exc)
    except Exception as exc:  # pragma: no cover - the last line of defence
        if os.environ.get("VAULTGRAPH_DEBUG"):
            raise
        _say(f"internal error: {type(exc).__name__}: {terminal(str(exc))} "
             "(set VAULTGRAPH_DEBUG=1 for the traceback)")
        code = EXIT_INTERNAL
    signum = pending()  # a signal whose Interrupted Python dropped on the way
    _end(128 + signum if signum is not None else code)


class _ProcessSessions(list):
    """The Sessions of the run main() makes, kept to its end (``_end``: os._exit) --
    their vaults too, closed when the command ends (app.Session.close_at_exit):
    freeing them would only delay the end.  (A watcher's commands keep theirs in a
    plain list: its process goes on.)"""


def _say(message: str) -> None:
    """One line on stderr, written at once (never raising: stderr may be gone too)."""
    try:
        sys.stderr.flush()
        os.write(2, f"vaultgraph: {message}\n".encode("utf-8", "backslashreplace"))
    except (OSError, ValueError):
        pass


def _io_error(what: str, exc: OSError) -> int:
    where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
    _say(f"{what}: {exc.strerror or exc}{where}")
    return EXIT_USAGE


def _end(code: object) -> NoReturn:
    """Flush the output and end the process at once, with ``sys.exit``'s exit status
    for ``code``.  Interrupted (a code from 128 on), what was not written is dropped:
    a reader that does not read (a pager) must not keep the process."""
    import signal

    from .process import SIGNALS, OutputClosed, OutputFailed, silence_stdout

    for signum in SIGNALS:  # a second Ctrl-C now ends the process as the first one asked
        signal.signal(signum, signal.SIG_DFL)
    for bar in _live_bars:
        try:
            bar.stop()
        except Exception:  # (a broken stderr)
            pass
    if _live_bars:  # a bar hid the cursor: show it, even when a signal cut a bar's own
        try:        # start or stop short (rich then thinks there is nothing to undo)
            if os.isatty(2):
                os.write(2, b"\x1b[?25h")
        except OSError:
            pass
    if code is None:
        code = 0
    elif not isinstance(code, int):
        click.echo(code, err=True)
        code = 1
    streams = (sys.stdout, sys.stderr) if code < 128 else (sys.stderr,)
    for stream in streams:
        try:
            stream.flush()
        except (OutputClosed, BrokenPipeError):  # the reader has gone (`| head`)
            if stream is sys.stdout:
                silence_stdout()
                code = EXIT_CLOSED_PIPE
        except OutputFailed as exc:  # e.g. a full disk: the output is not whole
            silence_stdout()
            code = _io_error("cannot write the output", exc.error)
        except (OSError, ValueError) as exc:
            code = _io_error("cannot write the output", exc) if stream is sys.stdout else code
    os._exit(code)
