"""The ``drm`` command: ``drm run``, ``validate``, ``list``, ``exercise``, ``ensemble``, ``report``, ``plan``.

A :class:`~drm.errors.DrmError` becomes one line on stderr and exit code 2;
anything else is a bug and keeps its traceback. ``-q``/``--quiet`` and
``-v``/``--verbose`` go before or after the command (``drm -q run x`` or
``drm run x -q``); they set the level of drm's own logger only (its messages
go to stderr as ``drm: ...``), so other libraries' information messages stay
out. ``--language`` of ``drm run`` and ``drm exercise`` sets the language of
what people read (report, figures, situation reports); CSV column names and
the JSON keys stay English, for programs.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from drm._version import __version__
from drm.errors import DrmError, DrmWarning

if TYPE_CHECKING:
    from drm.scenario.schema import Scenario

__all__ = ["main"]

log = logging.getLogger("drm")

_SCENARIO_HELP = (
    "scenario file (a .toml path) or built-in scenario name, with or without .toml (drm list)"
)
_MAX_MEMORY_HELP = (
    "refuse the run when its estimated peak memory is above SIZE, e.g. 8GiB or 512MB "
    "(default: the memory this machine has available)"
)
_LANGUAGE_HELP = (
    "language of what people read: report.html, figure labels, situation reports "
    "(default: the scenario's language); CSV column names and JSON keys stay English"
)


def _verbosity(p: argparse.ArgumentParser, *, command: bool) -> None:
    """``-q`` and ``-v`` on the main parser and on every command's (``drm run x -q`` too)."""
    # a command's parser must not reset what was given before the command: no default there
    default = argparse.SUPPRESS if command else False
    p.add_argument(
        "-q", "--quiet", action="store_true", default=default,
        help="print warnings and errors only (no progress bars, no drm information messages)",
    )  # fmt: skip
    p.add_argument(
        "-v", "--verbose", action="store_true", default=default,
        help="also print drm's debug messages",
    )  # fmt: skip


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="drm",
        description="Flood early warning, evacuation and shelter planning from scenario files.",
    )
    p.add_argument("--version", action="version", version=f"drm {__version__}")
    _verbosity(p, command=False)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser("run", help="run a scenario and write its outputs")
    run.add_argument("scenario", help=_SCENARIO_HELP)
    run.add_argument(
        "--overwrite",
        action="store_true",
        help="replace another scenario's results in the output folder (only drm's own files)",
    )
    run.add_argument(
        "--out",
        "-o",
        default=None,
        help="output folder (default: results/<file name without .toml>)",
    )
    run.add_argument("--language", choices=("en", "es"), default=None, help=_LANGUAGE_HELP)
    val = sub.add_parser("validate", help="check a scenario file and its inputs without running it")
    val.add_argument("scenario", help=_SCENARIO_HELP)
    sub.add_parser("list", help="list the built-in scenarios: file name and title")
    ex = sub.add_parser(
        "exercise", help="tabletop exercise: step through a scenario with situation reports"
    )
    ex.add_argument("scenario", help=_SCENARIO_HELP)
    ex.add_argument("--step", default="1h", help="time between situation reports (default 1h)")
    ex.add_argument(
        "--until", default=None, help="last report time (default: the end of the flood run)"
    )
    ex.add_argument(
        "--pause", action="store_true", help="wait for Enter between reports (on a terminal)"
    )
    ex.add_argument("--language", choices=("en", "es"), default=None, help=_LANGUAGE_HELP)
    ex.add_argument(
        "--out", "-o", default=None,
        help="also write the run's outputs and situation_reports.md into this folder "
        "(default: print the reports only, write nothing)",
    )  # fmt: skip
    ex.add_argument(
        "--overwrite",
        action="store_true",
        help="replace another scenario's results in the --out folder (only drm's own files)",
    )
    ex.add_argument(
        "--order-at", default=None, metavar="TIME",
        help="the trainees' evacuation order time (e.g. 2h15m): scored zone by zone against the "
        "decision clock, printed last and written to order_score.csv with --out",
    )  # fmt: skip
    ens = sub.add_parser(
        "ensemble",
        help="run a scenario for many rain members in parallel; write probabilities and their spread",
    )
    ens.add_argument("scenario", help=_SCENARIO_HELP)
    ens.add_argument(
        "--members", "-n", type=int, default=None,
        help="number of members (default: the scenario's [ensemble] members)",
    )  # fmt: skip
    ens.add_argument(
        "--scheduler", default=None, metavar="ADDRESS|local",
        help="dask scheduler address (tcp://host:8786) or 'local' for a dask LocalCluster "
        "(default: local processes)",
    )  # fmt: skip
    ens.add_argument(
        "--workers",
        type=int,
        default=None,
        help="local worker processes (default: the cores available)",
    )
    ens.add_argument(
        "--out",
        "-o",
        default=None,
        help="output folder (default: results/<scenario name>_ensemble)",
    )
    ens.add_argument(
        "--retries", type=int, default=2, help="extra attempts for a failing member (default 2)"
    )
    rep = sub.add_parser(
        "report", help="rebuild report.html from an output folder (reruns nothing)"
    )
    rep.add_argument("out_dir", metavar="OUT_DIR", help="output folder written by `drm run`")
    rep.add_argument(
        "--language", choices=("en", "es"), default=None, help="default: the scenario's language"
    )
    plan = sub.add_parser(
        "plan",
        help="run a scenario and write the community contingency plan (DOCX, HTML, PDF) to edit",
    )
    plan.add_argument("scenario", help=_SCENARIO_HELP)
    plan.add_argument(
        "--out", "-o", default=None,
        help="folder for the plan files (default: results/<file name without .toml>_plan)",
    )  # fmt: skip
    plan.add_argument(
        "--language", choices=("en", "es"), default=None,
        help="language of the plan (default: the scenario's language)",
    )  # fmt: skip
    plan.add_argument(
        "--overwrite",
        action="store_true",
        help="replace another scenario's plan or results in the --out folder (only drm's own files)",
    )
    plan.add_argument("--max-memory", default=None, metavar="SIZE", help=_MAX_MEMORY_HELP)
    for command in sub.choices.values():
        _verbosity(command, command=True)
    for command in (run, val, ex, ens):
        command.add_argument("--max-memory", default=None, metavar="SIZE", help=_MAX_MEMORY_HELP)
    return p


def _memory_limit(args: argparse.Namespace) -> contextlib.AbstractContextManager[object]:
    """The ``--max-memory`` limit for the command's run checks (drm.scenario.budget)."""
    if getattr(args, "max_memory", None) is None:
        return contextlib.nullcontext()
    from drm.scenario.budget import memory_limit, parse_memory

    return memory_limit(parse_memory(args.max_memory, "--max-memory"))


class _Lines(logging.Formatter):
    """``drm: message``; ``drm: warning: message`` from WARNING up, as drm's warnings print."""

    def format(self, record: logging.LogRecord) -> str:
        kind = "warning: " if record.levelno >= logging.WARNING else ""
        return f"drm: {kind}{record.getMessage()}"


def _scenario(args: argparse.Namespace) -> Scenario:
    """The scenario named on the command line, in the ``--language`` asked for."""
    import dataclasses

    from drm.scenario import load_scenario

    sc = load_scenario(args.scenario)
    language = getattr(args, "language", None)
    if language is not None and language != sc.language:
        # the language is not part of the scenario's identity: a rerun in the other
        # language replaces the same folder's files (drm.scenario.folder)
        sc = dataclasses.replace(sc, language=language)
    log.debug("scenario %s (%s), language %s", sc.source, sc.name, sc.language)
    return sc


def _files_line(sc: Scenario, out: Path, files: dict[str, Path]) -> str:
    """``ok: NAME — outputs in OUT: a.csv, b.png, cap/ (48 files), ...``, each file once.

    drm.gpkg holds several layers; a subfolder (``cap/``) is named once with its count.
    """
    root = out.resolve()
    names: set[str] = set()
    folders: dict[str, set[str]] = {}
    for p in files.values():
        rel = Path(p).resolve().relative_to(root) if Path(p).resolve().is_relative_to(root) else Path(Path(p).name)
        if len(rel.parts) > 1:
            folders.setdefault(rel.parts[0], set()).add(rel.as_posix())
        else:
            names.add(rel.name)
    names |= {f"{d}/ ({len(v)} files)" for d, v in folders.items()}
    return f"ok: {sc.name} — outputs in {out}: {', '.join(sorted(names))}"


def _cmd_validate(args: argparse.Namespace) -> int:
    from drm.scenario import load_inputs, load_scenario

    sc = load_scenario(args.scenario)
    inputs = load_inputs(sc)
    s = inputs.summary()
    print(
        f"ok: {sc.name} — DEM {s['dem']['rows']}x{s['dem']['cols']} at {s['dem']['cell_size_m']:g} m "
        f"({s['dem']['crs']}), {s['population']['total_persons']:,.0f} people, "
        f"{s['roads']['nodes']} road nodes, {s['centres']['count']} candidate centres"
        f" ({s['centres']['available']} available)"
    )
    cover = s["coverage"]
    print(
        f"    coverage: {100 * cover['population_share_on_dem']:.1f} % of the population file's people "
        f"on the DEM, {100 * cover['road_share_inside_dem']:.1f} % of road nodes inside it; "
        f"largest connected road part {100 * cover['roads_largest_share']:.1f} % of the length"
    )
    from drm.scenario.budget import check_run

    print(f"    run size: {check_run(inputs).describe()}")  # load_inputs has checked it already
    if inputs.notes:
        print(f"    {len(inputs.notes)} warning(s) above: results will hold, but read them")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from drm.scenario import run_scenario

    sc = _scenario(args)
    out = (
        Path(args.out)
        if args.out
        else Path("results") / (sc.source.stem if sc.source else "scenario")
    )
    log.debug("output folder %s", out)
    result = run_scenario(sc, out, progress=not args.quiet, overwrite=args.overwrite)
    print(_files_line(sc, out, result.files))
    return 0


def _cmd_exercise(args: argparse.Namespace) -> int:
    from drm.io import write_table
    from drm.report.i18n import Text
    from drm.scenario import run_scenario
    from drm.scenario.exercise import score_order, situation_reports, write_situation_reports
    from drm.scenario.folder import finish_output
    from drm.units import format_duration, parse_duration

    step = parse_duration(args.step, "--step")
    until = parse_duration(args.until, "--until") if args.until else None
    order_at = parse_duration(args.order_at, "--order-at") if args.order_at else None
    if step <= 0:
        from drm.errors import InputError

        raise InputError("--step must be longer than 0")
    if args.overwrite and not args.out:
        from drm.errors import InputError

        raise InputError(
            "--overwrite applies to an --out folder: give --out DIR, or leave --overwrite out"
        )
    sc = _scenario(args)
    out = Path(args.out) if args.out else None
    result = run_scenario(sc, out, progress=not args.quiet, overwrite=args.overwrite)
    text = Text(sc.language)
    print(text("sr_exercise", name=sc.name))
    if sc.description:
        print(sc.description)
    reports = situation_reports(result, step, until, language=sc.language)
    if out is not None:
        path = write_situation_reports(
            reports,
            out / "situation_reports.md",
            title=sc.name,
            description=sc.description,
            language=sc.language,
        )
        files = {**result.files, "situation_reports": path}
    score = score_order(result, order_at) if order_at is not None else None
    if out is not None:
        if score is not None:
            files["order_score"] = write_table(score.table, out / "order_score.csv")
        finish_output(out, sc, files)  # the manifest lists the reports (and the score) too
    for k, report in enumerate(reports):
        print(report.text())
        if args.pause and sys.stdin.isatty() and k < len(reports) - 1:
            input(text("sr_next"))
    if score is not None:
        print(text("sr_order_at", order=format_duration(order_at)))
        print(score.text(sc.language))
    if out is not None:
        print(_files_line(sc, out, files))
    return 0


def _cmd_ensemble(args: argparse.Namespace) -> int:
    from drm.ensemble import run_ensemble
    from drm.scenario import load_scenario

    sc = load_scenario(args.scenario)
    stem = sc.source.stem if sc.source else "scenario"
    out = Path(args.out) if args.out else Path("results") / f"{stem}_ensemble"
    result = run_ensemble(
        sc,
        members=args.members,
        scheduler=args.scheduler,
        n_workers=args.workers,
        out_dir=out,
        progress=not args.quiet,
        retries=args.retries,
    )
    for member, row in result.failed.iterrows():
        print(f"drm: member {member} failed: {row['error']}", file=sys.stderr)
    print(
        f"ok: {sc.name} — {len(result.outcomes)} of {result.members} members finished "
        f"({result.computed} run, {result.reused} reused, {len(result.failed)} failed); outputs in {out}"
    )
    return 1 if len(result.failed) else 0


def _cmd_report(args: argparse.Namespace) -> int:
    from drm.report import write_report

    print(f"ok: {write_report(args.out_dir, language=args.language)}")
    return 0


def _cmd_plan(args: argparse.Namespace) -> int:
    from drm.report.plan import write_plan
    from drm.scenario import run_scenario
    from drm.scenario.cache import cache_folder
    from drm.scenario.folder import finish_output, prepare_output

    sc = _scenario(args)
    stem = sc.source.stem if sc.source else "scenario"
    out = Path(args.out) if args.out else Path("results") / f"{stem}_plan"
    log.debug("plan folder %s", out)
    # the plan folder follows the rules of a run's folder: checked first, marked incomplete
    # until the manifest lists the plan files; the run's own outputs are not written
    prepare_output(out, sc, overwrite=args.overwrite)
    result = run_scenario(sc, progress=not args.quiet, cache_dir=cache_folder(out))
    files = write_plan(result, out, language=sc.language)
    finish_output(out, sc, files)
    print(_files_line(sc, out, files))
    return 0


def _cmd_list(_: argparse.Namespace) -> int:
    import tomllib

    from drm._resources import builtin_root

    paths = sorted((builtin_root() / "scenarios").glob("*.toml"))
    rows = [("FILE", "TITLE")]
    rows += [
        (p.name, str(tomllib.loads(p.read_text(encoding="utf-8")).get("name", ""))) for p in paths
    ]
    width = max(len(file) for file, _ in rows)
    for file, title in rows:
        print(f"{file:<{width}}  {title}".rstrip())
    if paths:
        stem = "valle_alto" if any(p.stem == "valle_alto" for p in paths) else paths[0].stem
        print(
            f"run one by name or file name (drm run {stem}, drm run {stem}.toml), "
            "or give the path of any scenario file"
        )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``drm`` console script; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if args.quiet and args.verbose:
        parser.error("-q/--quiet and -v/--verbose exclude each other; give one of them")
    # drm's own logger only: other libraries' INFO messages (pyogrio's "Created 13 records") stay out
    saved = (log.handlers[:], log.level, log.propagate)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Lines())
    log.handlers = [handler]
    log.setLevel(logging.WARNING if args.quiet else logging.DEBUG if args.verbose else logging.INFO)
    log.propagate = False
    default_show = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):  # type: ignore[no-untyped-def]
        # drm's own warnings are findings about the inputs: one line, without the code location
        if issubclass(category, DrmWarning):
            print(f"drm: warning: {message}", file=sys.stderr)
        else:
            default_show(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    commands = {
        "run": _cmd_run,
        "validate": _cmd_validate,
        "list": _cmd_list,
        "exercise": _cmd_exercise,
        "ensemble": _cmd_ensemble,
        "report": _cmd_report,
        "plan": _cmd_plan,
    }
    try:
        with _memory_limit(args):
            return commands[args.command](args)
    except DrmError as err:
        print(f"drm: error: {err}", file=sys.stderr)
        return 2
    except MemoryError:
        print(
            f"drm: error: out of memory in `drm {args.command}`: the run needs more memory than "
            "this machine has free; use a coarser hazard.resolution_m, a longer "
            "hazard.output_interval or a shorter duration",
            file=sys.stderr,
        )
        return 2
    except Exception as err:  # a bug in drm: one line, the traceback with -v
        if args.verbose:
            raise
        print(
            f"drm: internal error: {type(err).__name__}: {err} (a bug in drm, not in your inputs: "
            f"rerun with -v for the traceback and report it with the scenario)",
            file=sys.stderr,
        )
        return 1
    finally:
        warnings.showwarning = default_show
        log.handlers, log.propagate = saved[0], saved[2]
        log.setLevel(saved[1])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
