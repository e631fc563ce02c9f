"""The command line never shows a raw traceback unless asked (-v): drm errors, memory, bugs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from drm import cli


def _boom(exc: BaseException):
    def command(args):
        raise exc

    return command


@pytest.mark.parametrize(
    ("exc", "rc", "start"),
    [
        (MemoryError(), 2, "drm: error: out of memory in `drm list`"),
        (KeyError("node"), 1, "drm: internal error: KeyError: 'node' (a bug in drm"),
    ],
)
def test_memory_and_bugs_are_one_line(monkeypatch, capsys, exc, rc, start):
    monkeypatch.setattr(cli, "_cmd_list", _boom(exc))
    assert cli.main(["list"]) == rc
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith(start), err
    assert "resolution_m" in err[0] or "rerun with -v" in err[0]


def test_verbose_shows_the_traceback_of_a_bug(monkeypatch):
    monkeypatch.setattr(cli, "_cmd_list", _boom(KeyError("node")))
    with pytest.raises(KeyError):
        cli.main(["-v", "list"])


def test_a_latin1_scenario_runs_validate_from_the_shell(tmp_path):
    # the whole command, as a user types it: a Spanish scenario saved as Latin-1 is read, with one warning
    text = (cli.Path(__file__).resolve().parents[2] / "scenarios" / "valle_alto.toml").read_text(
        "utf-8"
    )
    text = text.replace(
        "../hazard_data", str(cli.Path(__file__).resolve().parents[2] / "hazard_data")
    )
    path = tmp_path / "valle_alto_año.toml"
    path.write_bytes(
        text.replace("Alto, 100-year storm", "Alto, tormenta de 100 años").encode("latin-1")
    )
    done = subprocess.run(
        [sys.executable, "-m", "drm.cli", "-q", "validate", str(path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "read as Latin-1" in done.stderr
    assert "line 4" in done.stderr
    assert "tormenta de 100 años" in done.stdout
