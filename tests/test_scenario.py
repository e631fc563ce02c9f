import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

import drm
from drm.errors import DataNotFoundError, ScenarioError
from drm.scenario import load_inputs, load_scenario, run_scenario

REPO = Path(__file__).resolve().parents[1]
SCENARIO = REPO / "scenarios" / "valle_alto.toml"


def copy_scenario(tmp_path, text_edit=None):
    """Copy the sample scenario next to a copy of its data folder so paths still resolve."""
    shutil.copytree(REPO / "hazard_data", tmp_path / "hazard_data")
    (tmp_path / "scenarios").mkdir()
    text = SCENARIO.read_text()
    if text_edit:
        text = text_edit(text)
    target = tmp_path / "scenarios" / "mine.toml"
    target.write_text(text)
    return target


def test_builtin_scenario_loads_with_absolute_paths():
    s = load_scenario("valle_alto")
    assert s.source == SCENARIO.resolve() or s.source.name == "valle_alto.toml"
    assert s.hazard.dem.is_absolute()
    assert s.hazard.dem.exists()
    assert s.hazard.duration == 14 * 3600.0
    assert s.hazard.resolution_m == 20.0
    assert s.population.zone_var == "neighbourhood_id"
    assert s.hazard.inflows[0].x == pytest.approx(261995.0)
    assert s.injects[0].at == 3 * 3600.0
    assert s.injects[0].close_road == "bridge-2"
    assert set(s.input_files()) >= {
        "hazard.dem",
        "hazard.rainfall",
        "evacuation.roads",
        "hazard.inflows[0].hydrograph",
    }


def test_every_problem_is_reported_at_once(tmp_path):
    def edit(text):
        return (
            text.replace('duration = "14h"', 'duration = "soon"\nmanning_nn = 0.04')
            .replace('mode = "walk"', 'mode = "fly"')
            .replace("seed = 42", 'seed = "forty-two"')
        )

    path = copy_scenario(tmp_path, edit)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert "4 problem(s)" in msg
    assert "hazard.duration: cannot parse duration 'soon'" in msg
    assert "hazard.manning_nn: unknown key (did you mean 'manning_n'?)" in msg
    assert "evacuation.mode" in msg
    assert "seed" in msg
    assert "\n" not in msg


def test_missing_files_and_sections(tmp_path):
    path = copy_scenario(tmp_path, lambda t: t.replace("centres.csv", "centros.csv"))
    with pytest.raises(ScenarioError, match=r"evacuation\.centres: file not found: .*centros\.csv"):
        load_scenario(path)
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[hazard]\ndem = "a.nc"\n')
    with pytest.raises(
        ScenarioError,
        match=r"hazard\.rainfall: required but missing.*population: required but missing",
    ):
        load_scenario(bad)
    broken = tmp_path / "broken.toml"
    broken.write_text("name = \n")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(broken)
    with pytest.raises(DataNotFoundError, match=r"built-in one: .*valle_alto"):
        load_scenario("atlantis")


def test_inputs_are_cross_checked(tmp_path):
    inputs = load_inputs(load_scenario("valle_alto"))
    s = inputs.summary()
    assert 30_000 <= s["population"]["total_persons"] <= 45_000
    assert s["dem"]["cell_size_m"] == 10.0
    assert s["rainfall"]["total_mean_mm"] > 100
    assert len(inputs.hashes) == len(inputs.scenario.input_files())
    path = copy_scenario(tmp_path, lambda t: t.replace("x = 261995.0", "x = 100.0"))
    with pytest.raises(drm.errors.InputError, match=r"inflows\[0\].*outside the DEM"):
        load_inputs(load_scenario(path))


def test_run_writes_every_output(valle_alto_run):
    result = valle_alto_run
    out = result.out_dir
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"]["name"] == "Valle Alto, 100-year storm"
    assert summary["scenario"]["seed"] == 42
    assert summary["drm_version"] == drm.__version__
    assert summary["inputs"]["roads"]["nodes"] == result.inputs.roads.number_of_nodes()
    for name in ("input_map.png", "flood.png", "exposure.png", "evacuation.png", "shelter.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for name in (
        "zones.csv",
        "centres.csv",
        "evacuation_households.csv",
        "shelter_summary.csv",
        "assessment.csv",
    ):
        assert len(pd.read_csv(out / name)) > 0
    from drm.hazard.store import load_flood

    assert load_flood(out / "flood.nc").volume_balance == result.flood.volume_balance
    assert "people at risk" in repr(result)
    assert "ScenarioResult" in result._repr_html_()
    assert not [p for p in out.glob(".*") if p.is_file()]  # no temporary files left behind
    # everyone at risk is accounted for by the evacuation
    assert sum(result.evacuation.persons_by_outcome()) == pytest.approx(
        summary["exposure"]["persons_at_risk"], rel=1e-6
    )


def test_changing_only_shelter_settings_reuses_the_flood(tmp_path, caplog):
    run_scenario("valle_alto", progress=False)  # fills the session cache
    path = copy_scenario(
        tmp_path, lambda t: t.replace('standard = "sphere-2018"', 'standard = "philippines-2013"')
    )
    with caplog.at_level("INFO", logger="drm"):
        run_scenario(path, progress=False)
    assert any("reusing the cached run" in r.message for r in caplog.records)


def test_flooded_centre_depth_agrees_with_locate_centres():
    import inspect

    from drm.evacuation import locate_centres
    from drm.scenario.schema import EvacuationSection

    default = inspect.signature(locate_centres).parameters["max_depth_m"].default
    assert EvacuationSection.__dataclass_fields__["centre_max_depth_m"].default.default == default
