"""Tabletop exercise mode: situation reports through the sample scenario's timeline.

The reports' Spanish text and ``drm exercise --language`` are checked in
tests/test_language.py.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from drm.cli import main
from drm.scenario.exercise import situation_reports


@pytest.fixture(scope="module")
def reports(valle_alto_run):
    # the sample scenario is Spanish; these checks read the English words
    return situation_reports(valle_alto_run, step_s=1800.0, until_s=6 * 3600.0, language="en")


def test_one_report_per_step_until_the_end(reports):
    assert [r.time_s for r in reports] == [1800.0 * k for k in range(1, 13)]


def test_reports_follow_the_run(valle_alto_run, reports):
    result = valle_alto_run
    order = result.order_time_s  # 1h30 in the sample scenario
    assert [r.order_given for r in reports] == [r.time_s >= order for r in reports]
    # the water only spreads during the storm; people only accumulate as safe or caught
    for key in ("safe", "caught", "departed"):
        values = np.array([getattr(r, key) for r in reports])
        assert np.all(np.diff(values) >= -1e-9), key
    # the people in water now are the exposure timeline at that time
    tl = result.exposure.timeline
    for r in reports:
        i = np.searchsorted(tl.index.to_numpy(float), r.time_s, side="right") - 1
        expected = float(tl["total"].iloc[i]) if i >= 0 else 0.0
        assert r.persons_at_risk_now == pytest.approx(expected)


def test_inject_appears_once_and_its_road_stays_closed(reports):
    at = 3 * 3600.0  # bridge-2 closed by an inject at 3h
    noted = [r.time_s for r in reports if any("bridge 2" in s for s in r.injects)]
    assert noted == [at]
    for r in reports:
        # open until the inject (the water reaches its deck later), closed from then on
        assert ("bridge-2" in r.named_roads_closed) == (r.time_s >= at), r.time_s
        if r.time_s >= at:
            assert r.roads_closed >= 2  # both directions of the bridge
    closed = [r.roads_closed for r in reports]
    assert closed == sorted(closed)


def test_text_has_the_headline_lines(reports):
    text = reports[6].text()  # T+3h30
    assert text.startswith("--- T+3h30")
    assert "evacuation order GIVEN" in text
    assert "roads closed:" in text
    assert "bridge-2" in text


def test_cli_exercise_prints_reports_and_writes_them_with_the_outputs(tmp_path, capsys):
    out_dir = tmp_path / "exercise"
    argv = ["exercise", "valle_alto", "--step", "2h", "--until", "4h", "--language", "en"]
    assert main([*argv, "--out", str(out_dir), "-q"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("EXERCISE: Valle Alto, 100-year storm\n")
    assert out.count("--- T+") == 2
    assert "--- T+4h" in out
    assert "evacuation order GIVEN" in out  # English although the scenario says language = "es"
    # the run's outputs, in English, and the reports as Markdown, listed in the manifest
    md = (out_dir / "situation_reports.md").read_text(encoding="utf-8")
    assert md.startswith("# EXERCISE: Valle Alto, 100-year storm\n")
    assert md.count("\n## T+") == 2
    assert "- roads closed: 2 (bridge-2)" in md  # the inject closes bridge 2 at 3h
    printed = [
        line for line in out.splitlines() if line.startswith(("rain ", "water: ", "people: "))
    ]
    assert len(printed) == 6
    assert all(f"- {line}" in md for line in printed)  # the same reports as printed
    manifest = json.loads((out_dir / "drm-manifest.json").read_text(encoding="utf-8"))
    assert "situation_reports.md" in manifest["files"]
    assert "report.html" in manifest["files"]
    assert "<html lang='en'" in (out_dir / "report.html").read_text(encoding="utf-8")
    assert not (out_dir / "INCOMPLETE").exists()
    assert not list(out_dir.glob("*.tmp"))
    assert out.splitlines()[-1].startswith(
        f"ok: Valle Alto, 100-year storm — outputs in {out_dir}: "
    )
    assert out.splitlines()[-1].count("situation_reports.md") == 1


def test_cli_exercise_overwrite_needs_out(capsys):
    assert main(["exercise", "valle_alto", "--overwrite"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("drm: error: --overwrite applies to an --out folder")
