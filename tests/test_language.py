"""One language for what people read (issue 23): situation reports, ``drm run --language``.

The Spanish and English situation reports come from the session's Valle Alto
run (no new run); one ``drm run --language en`` into a copy of that run's
Spanish folder checks the override, the folder's identity and the CLI's logging.
"""

from __future__ import annotations

import json
import re
import shutil
from types import SimpleNamespace

import pytest

from drm.cli import main
from drm.errors import InputError
from drm.report.i18n import Text
from drm.scenario.exercise import _inject_text, situation_reports, write_situation_reports
from drm.scenario.summary import NO_START

#: Words of the English templates that must not be left in a Spanish report.
ENGLISH = (
    "rain", "last hour", "alert", "evacuation order", "given", "water", "flooded", "deepest",
    "people", "persons", "in water now", "roads", "closed", "left home", "safe", "on the way",
    "queuing", "caught", "centres", "nearly full", "too late", "order safely", "inject",
    "event start", "clock times", "local", "zone", "from now on", "delayed", "unavailable",
)  # fmt: skip


@pytest.fixture(scope="module")
def both(valle_alto_run):
    kw = {"step_s": 1800.0, "until_s": 6 * 3600.0}
    return (
        situation_reports(valle_alto_run, language="en", **kw),
        situation_reports(valle_alto_run, language="es", **kw),
    )


def _template_text(result, reports) -> str:
    """The reports' text less what the scenario file wrote itself (its injects' notes, road ids)."""
    text = "\n".join(r.text() for r in reports)
    for inject in result.scenario.injects:
        text = text.replace(inject.note, "")
    return text.replace("bridge-2", "")


def test_spanish_reports_have_no_english_template_words(valle_alto_run, both):
    _, es = both
    text = _template_text(valle_alto_run, es)
    left = [w for w in ENGLISH if re.search(rf"\b{w}\b", text, re.IGNORECASE)]
    assert left == [], left
    # and the English ones do use them: the check above can fail
    en_text = _template_text(valle_alto_run, both[0])
    assert {"rain", "water", "people", "roads", "centres", "event start"} <= {
        w for w in ENGLISH if re.search(rf"\b{w}\b", en_text, re.IGNORECASE)
    }


def test_spanish_reports_say_the_same_numbers_with_spanish_separators(valle_alto_run, both):
    en, es = both
    assert [r.language for r in es] == ["es"] * 12
    t = Text("es")
    for e, s in zip(en, es, strict=True):
        # same moment, same clock label as the report writes it, same counts
        assert s.time_s == e.time_s
        assert s.local == e.local
        headings = [line for line in s.text().splitlines() if line.startswith("--- T+")]
        assert headings == [f"--- T+{t.duration(s.time_s)} ({s.local}) ---"]
        assert s.departed == e.departed
        assert s.roads_closed == e.roads_closed
        assert f"personas: {t.number(s.departed)} salieron de casa, {t.number(s.safe)} a salvo" in (
            s.text()
        )
        assert ("orden de evacuación DADA" in s.text()) == (s.time_s >= valle_alto_run.order_time_s)
    # thousands with a point, decimals with a comma
    late = es[5]  # T+3h00m: most people have left home
    assert late.departed > 1000
    assert f"{late.departed:,.0f}".replace(",", ".") in late.text()
    assert f"{late.flooded_km2:.2f}".replace(".", ",") + " km² inundados" in late.text()
    assert (
        es[0].note
        == "inicio del evento: 2026-10-03 00:00 -04 (America/Caracas); las horas son locales"
    )
    assert (
        en[0].note == "event start: 2026-10-03 00:00 -04 (America/Caracas); clock times are local"
    )
    # the inject of the scenario file is shown as written, in either language
    assert [s.injects for s in es] == [e.injects for e in en]
    assert es[5].text().splitlines()[-1] == f"EVENTO: {valle_alto_run.scenario.injects[0].note}"


def test_reports_default_to_the_scenarios_language(valle_alto_run):
    assert valle_alto_run.scenario.language == "es"
    first = situation_reports(valle_alto_run, 3600.0, 3600.0)[0]
    assert first.language == "es"
    assert "lluvia " in first.text()
    with pytest.raises(InputError, match="unknown report language 'fr'"):
        situation_reports(valle_alto_run, 3600.0, 3600.0, language="fr")


def test_generated_inject_texts_and_the_no_start_note_in_both_languages():
    none = dict(close_road=None, close_centre=None, extra_rain=None, delay_warehouse=None,
                gauge_report=None, value_m=None, mark=None, rumour=None, fail_channel=None)  # fmt: skip
    road = SimpleNamespace(**{**none, "close_road": "bridge-2"})
    rain = SimpleNamespace(**{**none, "extra_rain": 1.5})
    store = SimpleNamespace(**{**none, "delay_warehouse": "W1", "delay": 5400.0})
    gauge = SimpleNamespace(**{**none, "gauge_report": "G2", "value_m": 2.25})
    rumour = SimpleNamespace(**{**none, "rumour": "la represa se rompió"})
    siren = SimpleNamespace(**{**none, "fail_channel": "siren"})
    en, es = Text("en"), Text("es")
    injects = (road, rain, store, gauge, rumour, siren)
    assert [_inject_text(en, i) for i in injects] == [
        "road bridge-2 closed",
        "rain x1.5 from now on",
        "warehouse W1 delayed by 1h30m",
        "observer at G2 reports 2.25 m",
        "a rumour reaches the committee: “la represa se rompió”",
        "warning channel 'siren' out of order",
    ]
    assert [_inject_text(es, i) for i in injects] == [
        "vía bridge-2 cerrada",
        "lluvia x1,5 desde ahora",
        "almacén W1 retrasado 1h30m",
        "el vigía de G2 reporta 2,25 m",
        "llega un rumor al comité: «la represa se rompió»",
        "canal de aviso 'siren' fuera de servicio",
    ]
    # the English note is the summary's, word for word; the Spanish one names the same fix
    assert en("sr_no_start") == NO_START
    assert "'start'" in es("sr_no_start")
    assert es("sr_no_start").startswith("inicio del evento")


def test_markdown_file_holds_every_report(valle_alto_run, both, tmp_path):
    _, es = both
    path = write_situation_reports(
        es, tmp_path / "situation_reports.md", title="Valle Alto", description="d", language="es"
    )
    md = path.read_text(encoding="utf-8")
    assert md.startswith("# EJERCICIO: Valle Alto\n\nd\n\ninicio del evento: 2026-10-03 00:00 -04")
    assert md.count("\n## T+") == 12
    for r in es:
        assert r.markdown() in md
        assert r.markdown().count("\n- ") == len(r.text().splitlines()) - 1 - bool(r.note)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["situation_reports.md"]  # no temp file


def test_run_language_overrides_the_scenario_in_the_same_folder(valle_alto_run, tmp_path, capsys):
    spanish = valle_alto_run.out_dir
    out = tmp_path / "valle_alto"
    shutil.copytree(spanish, out)  # the session's folder is not to be modified
    assert "<html lang='es'" in (out / "report.html").read_text(encoding="utf-8")
    before = json.loads((out / "drm-manifest.json").read_text(encoding="utf-8"))
    # -v after the command; a rerun in another language is the same scenario: not refused
    assert main(["run", "valle_alto.toml", "--language", "en", "--out", str(out), "-v"]) == 0
    captured = capsys.readouterr()
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<html lang='en'" in html
    assert "Flood evacuation report: Valle Alto, 100-year storm" in html
    assert "Informe de evacuación" not in html
    assert (
        json.loads((out / "summary.json").read_text(encoding="utf-8"))["scenario"]["language"]
        == "en"
    )
    manifest = json.loads((out / "drm-manifest.json").read_text(encoding="utf-8"))
    assert manifest["scenario"] == before["scenario"]
    # figures relabelled; the CSVs (English column names, for programs) unchanged to the byte
    assert (out / "timeline.png").read_bytes() != (spanish / "timeline.png").read_bytes()
    assert (out / "input_map.png").read_bytes() != (spanish / "input_map.png").read_bytes()
    for name in ("zones.csv", "centres.csv", "alerts.csv", "evacuation_timeline.csv"):
        assert (out / name).read_bytes() == (spanish / name).read_bytes(), name
    # drm's own log lines (debug with -v), each output file named once on the last line
    err = captured.err.splitlines()
    debug = r"drm: scenario .*valle_alto\.toml \(Valle Alto, 100-year storm\), language en"
    assert any(re.fullmatch(debug, line) for line in err)
    assert any(line.startswith("drm: flood: reusing the cached run") for line in err)
    assert not [line for line in err if "Created" in line]
    last = captured.out.splitlines()[-1]
    head = f"ok: Valle Alto, 100-year storm — outputs in {out}: "
    assert last.startswith(head)
    names = last.removeprefix(head).split(", ")
    assert names == sorted(set(names))
    assert names.count("drm.gpkg") == 1
    listed = {n for n in manifest["files"] if "/" not in n}
    cap = [n for n in manifest["files"] if n.startswith("cap/")]
    assert set(names) == listed | {f"cap/ ({len(cap)} files)"}
    assert len(cap) == len(list((out / "cap").glob("*.xml"))) > 0
