"""The output folder: checked before a run, never mixed with another scenario's results."""

from __future__ import annotations

import json
import os

import pytest

import drm
from drm.cli import main
from drm.errors import InputError
from drm.scenario.folder import MANIFEST, MARKER, finish_output, prepare_output


@pytest.fixture(scope="module")
def valle_alto():
    return drm.load_scenario("valle_alto")


@pytest.fixture(scope="module")
def jacksboro():
    return drm.load_scenario("jacksboro")


def _run_files(out, names):
    files = {}
    for name in names:
        (out / name).write_text("x", encoding="utf-8")
        files[name] = out / name
    return files


def test_a_file_as_output_folder_is_refused_before_the_run(tmp_path, valle_alto):
    target = tmp_path / "results.txt"
    target.write_text("mine", encoding="utf-8")
    with pytest.raises(InputError, match=r"results\.txt is a file; give a folder"):
        drm.run_scenario(valle_alto, target, progress=False)
    assert target.read_text(encoding="utf-8") == "mine"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_folder_is_refused_before_the_run(tmp_path, valle_alto):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(InputError, match="is not writable"):
            prepare_output(ro, valle_alto)
    finally:
        ro.chmod(0o755)


def test_a_run_marks_the_folder_incomplete_until_its_manifest_is_written(tmp_path, valle_alto):
    out = prepare_output(tmp_path / "run", valle_alto)
    assert (out / MARKER).is_file()
    files = _run_files(out, ["summary.json", "zones.csv"])
    finish_output(out, valle_alto, files)
    assert not (out / MARKER).exists()
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["scenario"]["name"] == "Valle Alto, 100-year storm"
    assert manifest["files"] == ["summary.json", "zones.csv"]
    assert manifest["sizes_bytes"]["zones.csv"] == 1


def test_another_scenarios_results_are_refused_unless_overwrite(tmp_path, valle_alto, jacksboro):
    out = prepare_output(tmp_path / "run", valle_alto)
    finish_output(out, valle_alto, _run_files(out, ["summary.json", "zones.csv"]))
    (out / "mis_notas.txt").write_text("notas del planificador", encoding="utf-8")
    with pytest.raises(InputError, match=r"holds the results of another scenario \('Valle Alto"):
        prepare_output(out, jacksboro)
    assert (out / "zones.csv").exists()
    prepare_output(out, jacksboro, overwrite=True)
    assert not (out / "zones.csv").exists()  # drm's own files of the other run are cleared
    assert (out / "mis_notas.txt").read_text(encoding="utf-8") == "notas del planificador"


def test_the_same_scenario_reruns_and_drops_its_own_stale_files(tmp_path, valle_alto):
    out = prepare_output(tmp_path / "run", valle_alto)
    finish_output(out, valle_alto, _run_files(out, ["summary.json", "shelter_items.csv"]))
    out = prepare_output(out, valle_alto)  # no refusal: the same scenario
    finish_output(out, valle_alto, _run_files(out, ["summary.json"]))
    assert not (out / "shelter_items.csv").exists()  # not written this time: not left stale
    assert json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"] == ["summary.json"]


def test_unrecorded_outputs_and_leftover_temporary_files(tmp_path, valle_alto):
    out = tmp_path / "old"
    out.mkdir()
    (out / "summary.json").write_text("{}", encoding="utf-8")
    (out / "datos.xlsx").write_text("mine", encoding="utf-8")
    (out / "zones.csv.tmp").write_text("half", encoding="utf-8")
    with pytest.raises(InputError, match=r"already holds outputs drm did not record \(summary\.json"):
        prepare_output(out, valle_alto)
    prepare_output(out, valle_alto, overwrite=True)
    assert not (out / "summary.json").exists()
    assert not (out / "zones.csv.tmp").exists()
    assert (out / "datos.xlsx").exists()


def test_cli_refuses_a_folder_of_another_scenario_with_exit_2(tmp_path, capsys, valle_alto):
    out = prepare_output(tmp_path / "run", valle_alto)
    finish_output(out, valle_alto, _run_files(out, ["summary.json"]))
    assert main(["-q", "run", "jacksboro", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "holds the results of another scenario" in err
    assert "--overwrite" in err
    assert "Traceback" not in err
