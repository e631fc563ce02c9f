"""drm ensemble: runs and reports; bad arguments become one line and exit code 2."""

import pandas as pd

from drm.cli import main


def test_drm_ensemble_writes_members_aggregates_and_report(tiny, canned_runs, tmp_path, capsys):
    out = tmp_path / "ens"
    args = ["ensemble", str(tiny.source), "--members", "2", "--workers", "1", "--out", str(out)]
    assert main(["-q", *args]) == 0
    assert "2 of 2 members finished (2 run, 0 reused, 0 failed)" in capsys.readouterr().out
    for name in ("manifest.json", "probability.nc", "outcomes.csv", "outcome_quantiles.csv",
                 "probability_maps.png", "outcome_spread.png", "ensemble_report.html"):  # fmt: skip
        assert (out / name).is_file(), name
    assert len(pd.read_csv(out / "outcomes.csv")) == 2
    html = (out / "ensemble_report.html").read_text(encoding="utf-8")
    assert "Flood ensemble report: Valle Alto, tiny ensemble test" in html
    assert "Probability of flooding" in html
    assert "data:image/png;base64," in html


def test_drm_ensemble_bad_arguments_exit_2(tiny, tmp_path, capsys):
    assert main(["ensemble", str(tiny.source), "--members", "0", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("drm: error: members must be a whole number >= 1")
    assert err.count("\n") == 1
    address = "tcp://127.0.0.1:1"
    assert main(["ensemble", str(tiny.source), "--scheduler", address, "--out", str(tmp_path)]) == 2
    assert "cannot reach a dask scheduler" in capsys.readouterr().err
