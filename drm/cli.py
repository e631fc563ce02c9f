"""The ``drm`` command: ``drm run``, ``drm validate``, ``drm list``, ``drm exercise``, ``drm ensemble``, ``drm report``.

A :class:`~drm.errors.DrmError` becomes one line on stderr and exit code 2;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from collections.abc import Sequence

from drm._version import __version__
from drm.errors import DrmError, DrmWarning

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="drm",
        description="Flood early warning, evacuation and shelter planning from scenario files.",
    )
    p.add_argument("--version", action="version", version=f"drm {__version__}")
    p.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser("run", help="run a scenario and write its outputs")
    run.add_argument("scenario", help="scenario file (.toml) or built-in scenario name")
    run.add_argument(
        "--overwrite",
        action="store_true",
        help="replace another scenario's results in the output folder (only drm's own files)",
    )
    run.add_argument(
        "--out", "-o", default=None, help="output folder (default: results/<scenario name>)"
    )
    val = sub.add_parser("validate", help="check a scenario file and its inputs without running it")
    val.add_argument("scenario", help="scenario file (.toml) or built-in scenario name")
    sub.add_parser("list", help="list the built-in scenarios")
    ex = sub.add_parser(
        "exercise", help="tabletop exercise: step through a scenario with situation reports"
    )
    ex.add_argument("scenario", help="scenario file (.toml) or built-in scenario name")
    ex.add_argument("--step", default="1h", help="time between situation reports (default 1h)")
    ex.add_argument(
        "--until", default=None, help="last report time (default: the end of the flood run)"
    )
    ex.add_argument(
        "--pause", action="store_true", help="wait for Enter between reports (on a terminal)"
    )
    ens = sub.add_parser(
        "ensemble",
        help="run a scenario for many rain members in parallel; write probabilities and their spread",
    )
    ens.add_argument("scenario", help="scenario file (.toml) or built-in scenario name")
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
        "--workers", type=int, default=None, help="local worker processes (default: the cores available)"
    )
    ens.add_argument(
        "--out", "-o", default=None, help="output folder (default: results/<scenario name>_ensemble)"
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
    return p


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
    if inputs.notes:
        print(f"    {len(inputs.notes)} warning(s) above: results will hold, but read them")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from drm.scenario import load_scenario, run_scenario

    sc = load_scenario(args.scenario)
    out = (
        Path(args.out)
        if args.out
        else Path("results") / (sc.source.stem if sc.source else "scenario")
    )
    result = run_scenario(sc, out, progress=not args.quiet, overwrite=args.overwrite)
    print(
        f"ok: {sc.name} — outputs in {out}: {', '.join(sorted(p.name for p in result.files.values()))}"
    )
    return 0


def _cmd_exercise(args: argparse.Namespace) -> int:
    from drm.scenario import load_scenario, run_scenario
    from drm.scenario.exercise import situation_reports
    from drm.units import parse_duration

    step = parse_duration(args.step, "--step")
    until = parse_duration(args.until, "--until") if args.until else None
    if step <= 0:
        from drm.errors import InputError

        raise InputError("--step must be longer than 0")
    sc = load_scenario(args.scenario)
    result = run_scenario(sc, progress=not args.quiet)
    print(f"EXERCISE: {sc.name}")
    if sc.description:
        print(sc.description)
    reports = situation_reports(result, step, until)
    for k, report in enumerate(reports):
        print(report.text())
        if args.pause and sys.stdin.isatty() and k < len(reports) - 1:
            input("(Enter for the next report) ")
    return 0


def _cmd_ensemble(args: argparse.Namespace) -> int:
    from pathlib import Path

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


def _cmd_list(_: argparse.Namespace) -> int:
    import tomllib

    from drm._resources import builtin_root

    for path in sorted((builtin_root() / "scenarios").glob("*.toml")):
        name = tomllib.loads(path.read_text(encoding="utf-8")).get("name", "")
        print(f"{path.stem:24s} {name}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``drm`` console script; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    logging.basicConfig(
        format="drm: %(message)s", level=logging.WARNING if args.quiet else logging.INFO
    )
    logging.getLogger("numba").setLevel(logging.WARNING)
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
    }
    try:
        return commands[args.command](args)
    except DrmError as err:
        print(f"drm: error: {err}", file=sys.stderr)
        return 2
    finally:
        warnings.showwarning = default_show


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
