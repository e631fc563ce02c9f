"""drm in Jupyter: quiet progress bars, result displays that count right, times to read, the report inline."""

from __future__ import annotations

import dataclasses
import html
import io
import json
import re
import subprocess
import sys
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from drm._display import ReportView, progress_bar, readable_times
from drm.errors import DataNotFoundError, DrmError

NOTEBOOK_MODULES = ("tqdm.auto", "tqdm.autonotebook", "tqdm.notebook")

# Run in a fresh interpreter that looks like a Jupyter kernel to tqdm.auto (it checks for
# ipykernel.zmqshell among the imported modules), without a kernel running.
KERNEL_SCRIPT = textwrap.dedent(
    """
    import io, json, sys, tempfile, warnings
    from importlib.util import find_spec
    from pathlib import Path

    import ipykernel.zmqshell  # noqa: F401
    import networkx as nx
    import numpy as np
    import pandas as pd
    import xarray as xr

    from drm._display import progress_bar
    from drm.ensemble.runner import _run
    from drm.evacuation import simulate_evacuation
    from drm.hazard import simulate_flood

    NOTEBOOK = {modules!r}
    G = nx.MultiDiGraph(crs="EPSG:32619")
    G.add_node(0, x=0.0, y=0.0)
    G.add_node(1, x=600.0, y=0.0)
    G.add_edge(0, 1, travel_time=500.0, capacity_persons_h=3600.0)
    homes = pd.DataFrame({{"node": [0], "persons": [4.0], "departure_s": [0.0]}})
    school = pd.DataFrame({{"node": [1], "capacity_persons": [100]}}, index=["school"])
    x = 5.0 + 10.0 * np.arange(8)
    dem = xr.DataArray(np.zeros((8, 8)) + 0.001 * x, dims=("y", "x"),
                       coords={{"y": x[::-1], "x": x}})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bar = progress_bar(False, total=3)
        bar.update(3)
        bar.close()
        ev = simulate_evacuation(G, homes, school, registration_persons_h=3600, progress=False)
        fl = simulate_flood(dem, 1e-5, duration="10min", boundaries="closed", progress=False)
        failed = _run([None], {{}}, {{}}, {{}}, Path(tempfile.mkdtemp()), False, None,
                      (e for e in ()))
        hidden = sorted(m for m in NOTEBOOK if m in sys.modules)
        shown = progress_bar(True, total=2, file=io.StringIO())
        shown.update(2)
        shown.close()
    with warnings.catch_warnings(record=True) as control:
        warnings.simplefilter("always")
        import tqdm.auto  # noqa: F401
    print(json.dumps({{
        "warnings": [f"{{w.category.__name__}}: {{w.message}}" for w in caught],
        "hidden": hidden,
        "shown": type(shown).__module__,
        "ipywidgets": find_spec("ipywidgets") is not None,
        "control": [str(w.message) for w in control],
        "ran": [ev.households["outcome"].tolist(), round(fl.volume_balance.rain_m3, 6), failed],
    }}))
    """
).format(modules=NOTEBOOK_MODULES)


@pytest.fixture(scope="module")
def in_kernel():
    """What the three progress bars do in (what tqdm takes for) a Jupyter kernel."""
    done = subprocess.run(
        [sys.executable, "-c", KERNEL_SCRIPT], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_hidden_bars_warn_nothing_and_load_no_notebook_bar(in_kernel):
    # the calls ran: 4 persons safe, 1e-5 m/s of rain for 600 s on 64 cells of 100 m²
    assert in_kernel["ran"] == [["safe"], pytest.approx(38.4, rel=1e-12), []]
    assert in_kernel["warnings"] == []
    assert in_kernel["hidden"] == []


def test_shown_bar_without_ipywidgets_is_the_plain_one_quietly(in_kernel):
    if in_kernel["ipywidgets"]:
        assert in_kernel["shown"] == "tqdm.auto"  # the notebook widget
        return
    assert in_kernel["shown"] == "tqdm.std"
    # the control: this interpreter does provoke tqdm.auto's warning, which drm avoided
    assert any("IProgress not found" in m for m in in_kernel["control"])


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("tty", [True, False])
def test_progress_none_shows_the_bar_on_a_terminal_only(monkeypatch, tty):
    monkeypatch.delitem(sys.modules, "ipykernel.zmqshell", raising=False)
    err = _Terminal() if tty else io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    bar = progress_bar(None, total=4, desc="flood")
    assert bar.disable is (not tty)
    bar.update(4)
    bar.close()
    assert ("flood" in err.getvalue()) is tty
    assert progress_bar(False, total=1).disable is True
    assert progress_bar(True, total=1, file=io.StringIO()).disable is False


def _count(text: str, label: str) -> float:
    """The number after ``label: `` in a result's text form (thousands separators)."""
    m = re.search(re.escape(label) + r": ([\d,]+)\b", text)
    assert m, f"{label!r} not in:\n{text}"
    return float(m[1].replace(",", ""))


def test_evacuation_repr_splits_centres_from_safe_ground(valle_alto_run):
    ev = valle_alto_run.evacuation
    s = valle_alto_run.summary["evacuation"]
    assert ev.summary()["persons_safe"] == s["persons_safe"]
    text, page = repr(ev), ev._repr_html_()
    centres = _count(text, "safe in a centre")
    ground = _count(text, "safe on safe ground (no shelter needed)")
    # the persons registered at centres, as the shelter stage takes them (safe ground left out)
    assert centres == round(ev.centre_arrivals()["persons"].sum())
    assert ground == round(ev.arrivals.sel(centre="safe ground").isel(time=-1).item())
    assert centres + ground == pytest.approx(s["persons_safe"], abs=1.0)  # each rounded
    place = ev.persons_safe_by_place()
    assert place.sum() == pytest.approx(s["persons_safe"], rel=1e-12)
    # the sample: most of the safe went to high ground, not to a centre
    assert 0 < centres < ground
    for label, key in (
        ("caught by water", "persons_caught"),
        ("stranded (no open road)", "persons_stranded"),
        ("turned away (every centre full)", "persons_no_space"),
        ("did not leave", "persons_stayed"),
        ("still on the way", "persons_en_route"),
    ):
        assert _count(text, label) == round(s[key]), label
        assert f"{html.escape(label)}</th><td style='text-align:left'>{s[key]:,.0f}<" in page
    assert f"safe in a centre</th><td style='text-align:left'>{centres:,.0f}<" in page


def test_scenario_repr_says_where_people_ended(valle_alto_run):
    text = repr(valle_alto_run)
    ev = valle_alto_run.summary["evacuation"]
    place = valle_alto_run.evacuation.persons_safe_by_place()
    assert (
        f"in centres / on safe ground: {place['centres']:,.0f} / {place['safe ground']:,.0f}"
        in text
    )
    outcomes = " / ".join(
        f"{ev[k]:,.0f}"
        for k in ("persons_caught", "persons_no_space", "persons_stranded", "persons_stayed")
    )
    assert f"caught / turned away (no space) / stranded / stayed: {outcomes}" in text


def test_readable_tables_hold_timedeltas_and_the_files_seconds(valle_alto_run):
    raw, readable = valle_alto_run.tables(), valle_alto_run.tables(readable=True)
    assert raw.keys() == readable.keys()
    zones, seconds = readable["zones"], raw["zones"]
    for name in ("first_at_risk", "latest_order", "clearance", "slack"):
        assert zones[name].dtype.kind == "m", name
        got = zones[name].dt.total_seconds().to_numpy(float)
        want = seconds[f"{name}_s"].to_numpy(float)
        want = np.where(np.isfinite(want), want, np.nan)
        np.testing.assert_allclose(got, want, atol=0.5, equal_nan=True)  # rounded to the second
    assert zones["first_at_risk_local"].equals(seconds["first_at_risk_local"])
    timeline = readable["evacuation_timeline"]
    assert isinstance(timeline.index, pd.TimedeltaIndex)
    assert timeline.index.name == "time"
    assert readable["evacuation_arrivals"].index.dtype.kind == "m"
    np.testing.assert_allclose(
        timeline.index.total_seconds(), raw["evacuation_timeline"].index, atol=0.5
    )
    households = readable["evacuation_households"]
    assert households["arrival"].dtype.kind == "m"
    assert (
        households["arrival"].notna().sum()
        == raw["evacuation_households"]["arrival_s"].notna().sum()
    )
    for stem, table in readable.items():
        left = [c for c in table.columns if str(c).endswith("_s") and table[c].dtype.kind in "fiu"]
        assert not left, f"{stem}: still in seconds: {left}"
    # the files keep seconds: the CSV the run wrote is the seconds form, column for column
    on_disk = pd.read_csv(valle_alto_run.out_dir / "zones.csv", index_col=0)
    assert on_disk.columns.tolist() == seconds.columns.tolist()
    np.testing.assert_allclose(on_disk["first_at_risk_s"], seconds["first_at_risk_s"], rtol=1e-12)


def test_html_display_shows_durations_as_people_read_them(valle_alto_run):
    page = valle_alto_run._repr_html_()
    assert "0 days" not in page
    assert "days +" not in page
    zones = valle_alto_run.zones_table()
    first = zones["first_at_risk_s"].dropna().iloc[0]
    from drm.units import format_duration

    assert f"<td>{format_duration(first)}</td>" in page
    ev_page = valle_alto_run.evacuation._repr_html_()
    assert "0 days" not in ev_page
    # the result's own tables (and so its files) still hold seconds
    assert valle_alto_run.evacuation.households["arrival_s"].dtype.kind == "f"


def test_readable_times_keeps_a_taken_name_and_never_is_nat():
    t = pd.DataFrame({"end_s": [60.4, np.inf, -4560.0], "end": ["a", "b", "c"], "ok": [True] * 3})
    r = readable_times(t)
    assert r.columns.tolist() == ["end_s", "end", "ok"]
    assert r["end_s"].tolist()[0] == pd.Timedelta(seconds=60)
    assert pd.isna(r["end_s"].iloc[1])
    assert r["end_s"].iloc[2] == -pd.Timedelta(minutes=76)
    assert r["ok"].dtype == bool
    assert t["end_s"].dtype.kind == "f", "the table given is left as it was"


def test_scenario_plot_returns_a_figure(valle_alto_run):
    fig = valle_alto_run.plot()
    try:
        assert isinstance(fig, Figure)
        depth, persons = fig.axes[0], fig.axes[1]
        assert depth.get_title() == valle_alto_run.scenario.name
        assert persons.get_ylabel() == "persons"
        labels = [line.get_label() for line in persons.get_lines()]
        assert labels == ["in water now", "left home", "safe", "caught by water", "order"]
        safe = persons.get_lines()[2].get_ydata()
        s = valle_alto_run.summary["evacuation"]
        assert safe[-1] == pytest.approx(s["persons_safe"], rel=1e-9)
    finally:
        plt.close(fig)


def test_report_view_shows_the_written_report(valle_alto_run):
    view = valle_alto_run.report(height=500)
    assert isinstance(view, ReportView)
    assert view.path == valle_alto_run.out_dir / "report.html"
    shown = view._repr_html_()
    assert shown.startswith('<iframe title="report.html" style="width:100%;height:500px;')
    srcdoc = re.fullmatch(r'<iframe [^>]*srcdoc="([^"]*)"></iframe>', shown, re.S)
    assert srcdoc, shown[:300]
    assert html.unescape(srcdoc[1]) == view.path.read_text(encoding="utf-8")
    assert str(view.path) in repr(view)


def test_report_needs_an_output_folder(valle_alto_run, tmp_path):
    no_folder = dataclasses.replace(valle_alto_run, out_dir=None, files={})
    with pytest.raises(DrmError, match=r"no output folder.*run_scenario\(scenario, out_dir\)"):
        no_folder.report()
    empty = dataclasses.replace(valle_alto_run, out_dir=tmp_path, files={})
    with pytest.raises(DataNotFoundError, match=r"report not found: .*report\.html"):
        empty.report()
