import logging
import subprocess
import sys
import tomllib

import pytest

import drm
from drm._resources import builtin_root
from drm.cli import _parser, main
from drm.scenario.schema import resolve_scenario_path


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"drm {drm.__version__}"


def test_validate_ok(capsys):
    assert main(["validate", "valle_alto"]) == 0
    assert capsys.readouterr().out.startswith("ok: Valle Alto")


def test_run_writes_outputs(tmp_path, capsys):
    # Kettle Ford: its flood is shorter to compute than Valle Alto's, and the golden test shares it
    assert main(["-q", "run", "jacksboro", "--out", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / "summary.json").exists()
    assert (tmp_path / "o" / "input_map.png").exists()


def test_drm_error_is_one_line_and_exit_code_2(tmp_path, capsys):
    assert main(["validate", "no_such_scenario"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("drm: error: scenario not found: no_such_scenario")
    assert err.count("\n") == 1
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nfoo = 1\n')
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "unknown key" in err
    assert err.count("\n") == 1


def test_console_script_entry_point():
    # the installed `drm` command runs the same main() in a fresh process
    out = subprocess.run(
        [sys.executable, "-m", "drm.cli", "--version"], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0
    assert out.stdout.strip() == f"drm {drm.__version__}"
    bad = subprocess.run(
        [sys.executable, "-m", "drm.cli", "validate", "nowhere"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr


def test_quiet_and_verbose_before_or_after_the_command():
    parser = _parser()
    for argv in (
        ["-q", "run", "x"],
        ["run", "x", "-q"],
        ["run", "-q", "x"],
        ["run", "x", "--quiet"],
    ):
        args = parser.parse_args(argv)
        assert (args.quiet, args.verbose, args.scenario) == (True, False, "x"), argv
    for argv in (["-v", "list"], ["list", "-v"], ["exercise", "x", "--verbose"]):
        args = parser.parse_args(argv)
        assert (args.quiet, args.verbose) == (False, True), argv
    assert (parser.parse_args(["run", "x"]).quiet, parser.parse_args(["run", "x"]).verbose) == (
        False,
        False,
    )
    args = parser.parse_args(["run", "x", "--language", "es", "--out", "o"])
    assert (args.language, args.out) == ("es", "o")
    args = parser.parse_args(["exercise", "x", "--language", "en", "--out", "o", "--overwrite"])
    assert (args.language, args.out, args.overwrite) == ("en", "o", True)


def test_quiet_with_verbose_and_unknown_language_are_usage_errors(capsys):
    for argv in (["-q", "list", "-v"], ["run", "x", "--language", "fr"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2, argv
    err = capsys.readouterr().err
    assert "-q/--quiet and -v/--verbose exclude each other" in err
    assert "invalid choice: 'fr'" in err


def test_list_shows_file_names_and_titles_in_columns(capsys):
    assert main(["list", "-q"]) == 0
    lines = capsys.readouterr().out.splitlines()
    files = sorted(p.name for p in (builtin_root() / "scenarios").glob("*.toml"))
    assert len(lines) == len(files) + 2  # header, one line a scenario, how to run one
    assert lines[0].split() == ["FILE", "TITLE"]
    column = lines[0].index("TITLE")
    assert column >= max(len(f) for f in files) + 2
    for line, file in zip(lines[1:-1], files, strict=True):
        title = tomllib.loads((builtin_root() / "scenarios" / file).read_text(encoding="utf-8"))[
            "name"
        ]
        assert line[:column].rstrip() == file
        assert line[column:] == title
    assert "valle_alto.toml  " in "\n".join(lines)
    assert "drm run valle_alto, drm run valle_alto.toml" in lines[-1]


def test_a_scenario_by_name_file_name_or_path(capsys):
    path = resolve_scenario_path("valle_alto")
    assert resolve_scenario_path("valle_alto.toml") == path
    assert resolve_scenario_path(str(path)) == path
    assert main(["validate", "valle_alto.toml"]) == 0
    assert capsys.readouterr().out.startswith("ok: Valle Alto, 100-year storm")


def test_main_leaves_the_loggers_as_it_found_them(capsys):
    # drm's logger is set for the command only; the root logger (other libraries') is not touched
    log, root = logging.getLogger("drm"), logging.getLogger()
    before = (list(log.handlers), log.level, log.propagate, list(root.handlers), root.level)
    assert main(["list", "-v"]) == 0
    assert (list(log.handlers), log.level, log.propagate, list(root.handlers), root.level) == before


def test_only_drm_messages_reach_stderr():
    # a fresh process (no pytest handlers on the root logger), as the `drm` command runs:
    # another library's INFO line (pyogrio says "Created 13 records" for each layer) stays out
    script = (
        "import logging, sys, drm.cli as cli\n"
        "def cmd(args):\n"
        "    logging.getLogger('pyogrio').info('Created 13 records')\n"
        "    logging.getLogger('drm').info('own information')\n"
        "    logging.getLogger('drm').debug('own detail')\n"
        "    logging.getLogger('drm').warning('own warning')\n"
        "    return 0\n"
        "cli._cmd_list = cmd\n"
        "sys.exit(cli.main(sys.argv[1:]))\n"
    )
    runs = {
        flags: subprocess.run(
            [sys.executable, "-c", script, "list", *flags],
            capture_output=True,
            text=True,
            check=False,
        )
        for flags in ((), ("-v",), ("-q",))
    }
    assert [r.returncode for r in runs.values()] == [0, 0, 0]
    warned = "drm: warning: own warning"  # as a DrmWarning prints
    assert runs[()].stderr.splitlines() == ["drm: own information", warned]
    assert runs[("-v",)].stderr.splitlines() == ["drm: own information", "drm: own detail", warned]
    assert runs[("-q",)].stderr.splitlines() == [warned]
