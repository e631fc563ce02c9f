"""The HTML report and the report figures, on one run of the sample scenario."""

import base64
import re
import shutil
import string
import subprocess

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from drm.cli import main
from drm.errors import DataNotFoundError, InputError
from drm.report import Text, _draw, arrival_map, evacuation_map, hazard_map, timeline, write_report
from drm.report.checklist import PHASES, mend_checklist
from drm.report.i18n import TEXT
from drm.report.tables import load_outputs
from drm.report.webmap import BASEMAP_URL

SVG_NS = "http://www.w3.org/2000/svg"

HEADINGS = ("h_decision", "h_when", "h_people", "h_clearance", "h_centres", "h_stock", "h_mend",
            "h_maps", "h_timelines", "h_tables", "h_notes")  # fmt: skip
FIGURES = ("evacuation_map", "hazard_map", "arrival_map", "input_map", "timeline")


@pytest.fixture(scope="session")
def run(valle_alto_run):
    """The sample scenario run once, with its output folder."""
    return valle_alto_run


@pytest.fixture
def folder(run, tmp_path):
    """A copy of the run's output folder that a test may change."""
    return shutil.copytree(run.out_dir, tmp_path / "out", ignore=shutil.ignore_patterns(".cache"))


def _visible_text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_run_writes_the_report_in_the_scenario_language(run):
    page = (run.out_dir / "report.html").read_text(encoding="utf-8")
    assert run.files["report"] == run.out_dir / "report.html"
    assert f"<html lang='{run.scenario.language}'>" in page
    for stem in ("shelter_items", "shelter_occupancy", *FIGURES):
        assert stem in run.files or f"{stem}_png" in run.files


@pytest.mark.parametrize("language", ["en", "es"])
def test_sections_and_numbers_in_both_languages(folder, run, language):
    page = (write_report(folder, language)).read_text(encoding="utf-8")
    text = Text(language)
    assert f"<html lang='{language}'>" in page
    headings = re.findall(r"<h[23][^>]*>([^<]+)</h[23]>", page)
    for key in HEADINGS:
        assert text(key) in headings, key
    literal = {
        "en": ("Decision summary", "When to give the order"),
        "es": ("Resumen para la decisión", "Cuándo dar la orden"),
    }
    assert all(h in headings for h in literal[language])
    body = _visible_text(page)
    for phase in PHASES:
        assert text(phase) in body
    s = run.summary
    ev = s["evacuation"]
    numbers = [s["exposure"]["persons_at_risk"], ev["persons_safe"], ev["persons_caught"], ev["persons_no_space"],
               s["centres"]["capacity_persons"]]  # fmt: skip
    for value in numbers:
        assert text.number(value) in body, value
    for seconds in (
        s["warning"]["order_time_s"],
        s["warning"]["latest_order_s"],
        ev["clearance_time_s"],
    ):
        assert text.duration(seconds) in body
    zones = run.exposure.zones
    for name in zones.loc[zones["persons_at_risk"] > 0, "name"].drop(0, errors="ignore"):
        assert name in body


def test_spanish_report_has_no_english_pipeline_labels(folder):
    body = _visible_text(write_report(folder, "es").read_text(encoding="utf-8"))
    for english in (
        "too late",
        "in time",
        "site floods",
        "covered space",
        "after the start",
        "found every centre",
    ):
        assert english not in body


def test_report_is_self_contained(folder):
    page = write_report(folder, "en").read_text(encoding="utf-8")
    # the only addresses: the optional basemap's tile template (fetched only when the reader
    # ticks it) and the SVG namespace the map's script names
    page = page.replace(BASEMAP_URL, "").replace(SVG_NS, "")
    for outside in ("http://", "https://", "<script src", "<link", "@import", "url("):
        assert outside not in page
    sources = re.findall(r"src='([^']*)'", page)
    assert len(sources) == len(FIGURES)
    for src in sources:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_rebuilds_the_report_without_rerunning(folder, capsys):
    (folder / "report.html").unlink()
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert main(["-q", "report", str(folder), "--language", "en"]) == 0
    assert capsys.readouterr().out.startswith("ok: ")
    assert "<html lang='en'>" in (folder / "report.html").read_text(encoding="utf-8")
    assert {
        p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.name != "report.html"
    } == before


def test_cli_report_on_a_folder_without_a_run_is_exit_code_2(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("drm: error: no summary.json in ")
    assert err.count("\n") == 1
    with pytest.raises(DataNotFoundError):
        write_report(tmp_path)


def test_unknown_language_is_refused(folder):
    with pytest.raises(InputError, match="unknown report language 'fr'"):
        write_report(folder, "fr")


def test_every_phrase_has_both_languages_with_the_same_fields():
    fields = string.Formatter()
    for key, (en, es) in TEXT.items():
        assert en.strip(), key
        assert es.strip(), key
        assert {f for _, f, _, _ in fields.parse(en) if f} == {
            f for _, f, _, _ in fields.parse(es) if f
        }, key


def test_numbers_and_times_per_language():
    en, es = Text("en"), Text("es")
    assert (en.number(21381.75), es.number(21381.75)) == ("21,382", "21.382")
    assert (en.number(0.894, 2), es.number(0.894, 2)) == ("0.89", "0,89")
    assert (en.percent(0.2206), es.percent(0.2206)) == ("22%", "22 %")
    assert en.clock(12000.0) == "3h20m after the start"
    assert es.clock(-1800.0) == "30min antes del inicio"
    assert en.signed_duration(-1130.0) == "−18m50s"
    assert es.data("site floods 0.89 m deep") == "el sitio se inunda (0,89 m)"
    assert en.number(float("nan")) == "–"


def test_checklist_follows_the_numbers(run):
    out = load_outputs(run.out_dir)
    checks = mend_checklist(out, Text("en"))
    assert [p for p in PHASES if any(c.phase == p for c in checks)] == list(PHASES)
    assert {c.status for c in checks} <= {"ok", "flag", "na"}
    caught = next(c for c in checks if c.item == Text("en")("chk_caught"))
    assert (caught.status == "flag") == (run.summary["evacuation"]["persons_caught"] >= 0.5)


def test_shelter_items_table(run):
    items = pd.read_csv(run.out_dir / "shelter_items.csv", index_col="item")
    assert set(items.index) == set(run.operations.ds["item"].values)
    water = items.loc["water_l"]
    assert water["days_of_cover_at_peak"] == pytest.approx(
        water["stock_start"] / water["peak_need_per_day"]
    )
    assert np.isnan(items.loc["blanket", "days_of_cover_at_peak"])  # handed out once
    assert ((items["fill_rate"].dropna() >= 0) & (items["fill_rate"].dropna() <= 1 + 1e-9)).all()


def test_route_use_matches_the_simulation_edges(run):
    use = _draw.road_use(run.roads, run.evacuation.roads)
    assert use is not None
    assert use["load"].sum() == pytest.approx(run.evacuation.roads["persons_or_vehicles"].sum())


@pytest.mark.parametrize(
    ("make", "title"),
    [(evacuation_map, "fig_evacuation_title"), (hazard_map, "fig_hazard_title"),
     (arrival_map, "fig_arrival_title"), (timeline, "tl_title")],
)  # fmt: skip
def test_figures_are_labelled_in_the_language_and_fit_a4(run, make, title):
    fig = make(run, language="es")
    try:
        es = Text("es")
        if make is timeline:
            assert fig.get_suptitle() == es(title, name=run.scenario.name)
            assert any(a.get_xlabel() == es("tl_hours") for a in fig.axes)
        else:
            ax = fig.axes[0]
            assert ax.get_title() == es(title)
            assert (ax.get_xlabel(), ax.get_ylabel()) == ("x (m)", "y (m)")
            assert any(type(a).__name__ == "AnchoredSizeBar" for a in ax.artists)  # scale bar
        assert fig.get_size_inches()[0] <= 8.5  # A4 width
    finally:
        plt.close(fig)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium not installed (apt-get install chromium)"
)
def test_chromium_renders_the_report_without_errors(folder, tmp_path):
    page = write_report(folder, "es")
    shot = tmp_path / "report.png"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1280,4000",
           "--hide-scrollbars", "--enable-logging=stderr", "--v=0", page.resolve().as_uri()]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    console = [ln for ln in done.stderr.splitlines() if "CONSOLE" in ln or "Uncaught" in ln]
    assert not console, console
    assert "Failed to load resource" not in done.stderr
    image = plt.imread(shot)
    assert image.shape[:2] == (4000, 1280)
    assert (image[..., :3] < 0.5).any(axis=-1).mean() > 0.01  # text and figures, not a blank page
