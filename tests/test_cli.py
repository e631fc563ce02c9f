import subprocess
import sys

import pytest

import drm
from drm.cli import main


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"drm {drm.__version__}"


def test_list(capsys):
    assert main(["list"]) == 0
    assert "valle_alto" in capsys.readouterr().out


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
