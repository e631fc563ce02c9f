"""The community contingency plan (drm plan): editable DOCX, offline HTML, A4 PDF, numbers from the run.

The session's Valle Alto run (order fixed at 1h30m, 100-year storm, start 2026-10-03T00:00-04:00)
is written once as a Spanish plan (all formats) and once as an English one (DOCX and HTML),
into temporary folders; the run's own folder is only read.
"""

import dataclasses
import datetime as dt
import re
import sys
import zipfile

import docx
import numpy as np
import pytest

from drm.cli import main
from drm.errors import DrmWarning, InputError, MissingDependencyError
from drm.report import plan_html
from drm.report.i18n import Text
from drm.report.plan import (
    PLAN_TEXT,
    Paragraph,
    Plan,
    PlanSection,
    build_plan,
    exercise_dates,
    season_date,
    write_plan,
)
from drm.report.plan_docx import write_docx

TODAY = dt.date(2026, 12, 7)
HEADINGS_ES = [
    "1. Sobre este plan",
    "2. El escenario de inundación",
    "3. Niveles de alerta: qué pasa, quién hace qué, cuándo",
    "4. Zonas, rutas y centros de evacuación",
    "5. Personas que necesitan más ayuda, por zona",
    "6. Centros de evacuación",
    "7. Árbol de comunicación",
    "8. Calendario de ejercicios (propuesta)",
    "9. Lista de verificación de preparación (MEND)",
    "10. Validación y cambios",
    "11. De dónde vienen las cifras",
]


def _folder_state(folder):
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()}


@pytest.fixture(scope="module")
def plan_es(valle_alto_run, tmp_path_factory):
    """The Spanish plan in every format, and the run folder's state before and after writing it."""
    before = _folder_state(valle_alto_run.out_dir)
    out = tmp_path_factory.mktemp("plan_es")
    files = write_plan(valle_alto_run, out, language="es", today=TODAY)
    return files, before, _folder_state(valle_alto_run.out_dir)


@pytest.fixture(scope="module")
def plan_en(valle_alto_run, tmp_path_factory):
    out = tmp_path_factory.mktemp("plan_en")
    return write_plan(valle_alto_run, out, language="en", formats=("docx", "html"), today=TODAY)


def _table(document, first_header, with_header):
    """The DOCX table whose header row starts with ``first_header`` and holds ``with_header``."""
    for table in document.tables:
        heads = [c.text for c in table.rows[0].cells]
        if heads[0] == first_header and with_header in heads:
            return heads, [[c.text for c in row.cells] for row in table.rows[1:]]
    raise AssertionError(f"no table headed {first_header!r} with a {with_header!r} column")


def _es_number(cell):
    return float(cell.replace(".", "").replace(",", "."))


def _seconds(elapsed):
    """'1h16m antes del inicio' -> -4560.0; '3h56m después del inicio' -> 14160.0."""
    amount, _, where = elapsed.partition(" ")
    m = re.fullmatch(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?:in)?)?(?:(\d+)s)?", amount)
    assert amount, elapsed
    assert m, elapsed
    d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    total = 86400 * d + 3600 * h + 60 * mi + s
    return -total if where.startswith("antes") else total


def test_plan_leaves_the_run_folder_alone(plan_es):
    files, before, after = plan_es
    assert before == after
    assert sorted(files) == (
        ["docx", "html", "pdf"] if plan_html.find_chromium() else ["docx", "html"]
    )
    assert {p.name for p in files.values()} <= {"plan.docx", "plan.html", "plan.pdf"}


def test_docx_has_real_headings_a_toc_field_and_repeated_table_headers(plan_es):
    path = plan_es[0]["docx"]
    document = docx.Document(path)
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == HEADINGS_ES
    assert any(
        p.style.name == "Title" and p.text == "Plan de contingencia: Valle Alto"
        for p in document.paragraphs
    )
    xml = zipfile.ZipFile(path).read("word/document.xml").decode("utf-8")
    assert re.search(r"<w:instrText[^>]*> TOC \\o &quot;1-2&quot;", xml) or ' TOC \\o "1-2"' in xml
    # every table but the cover's has a header row repeated on each page
    assert xml.count("<w:tblHeader/>") == len(document.tables) - 1
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert document.core_properties.language == "es-ES"


def test_zone_table_equals_the_decision_clock(plan_es, valle_alto_run):
    result = valle_alto_run
    heads, rows = _table(docx.Document(plan_es[0]["docx"]), "Zona", "Orden a más tardar")
    assert heads[:4] == ["Zona", "Acción", "Personas en riesgo", "Orden a más tardar"]
    es = Text("es")
    zones = result.zones_table()
    at_risk = zones[zones["persons_at_risk"] >= 0.5]
    by_name = {es.zone_name(z, r["name"]): z for z, r in at_risk.iterrows()}
    assert sorted(r[0] for r in rows) == sorted(by_name)  # every zone with people at risk, once
    latest = []
    for name, action, persons, order_by, *_ in rows:
        zone = by_name[name]
        assert action == "evacuar"
        assert _es_number(persons) == pytest.approx(at_risk.loc[zone, "persons_at_risk"], abs=0.5)
        want = float(result.decision.table.loc[zone, "latest_order_s"])
        label, elapsed = order_by.split(", ", 1)
        assert label == result.clock.label(want)
        assert _seconds(elapsed) == pytest.approx(want, abs=60.0)
        latest.append(want)
    assert latest == sorted(latest)  # the most urgent first
    # the first zone must be ordered before the event starts (1h17m before, on this run)
    assert latest[0] == pytest.approx(-4608.0, abs=1.0)


def test_spanish_plan_says_plan_de_contingencia_and_the_english_one_does_not(plan_es, plan_en):
    es = docx.Document(plan_es[0]["docx"])
    es_text = "\n".join(p.text for p in es.paragraphs)
    assert "Plan de contingencia" in es_text
    assert "BORRADOR a validar por el comité comunitario" in es_text
    page = plan_es[0]["html"].read_text(encoding="utf-8")
    assert "<html lang='es'>" in page
    assert "Plan de contingencia: Valle Alto" in page
    en = docx.Document(plan_en["docx"])
    en_text = "\n".join(p.text for p in en.paragraphs)
    assert "Contingency plan: Valle Alto" in en_text
    assert "Plan de contingencia" not in en_text
    assert [p.text for p in en.paragraphs if p.style.name == "Heading 1"][3] == (
        "4. Zones, routes and evacuation centres"
    )


def test_centres_table_capacities_equal_the_run(plan_es, valle_alto_run):
    centres = valle_alto_run.centres
    heads, rows = _table(docx.Document(plan_es[0]["docx"]), "Centro", "Capacidad (personas)")
    col = heads.index("Capacidad (personas)")
    got = {row[0].split(" ", 1)[0]: _es_number(row[col]) for row in rows}
    assert got == pytest.approx(centres["capacity_persons"].to_dict(), abs=0.5)
    use = {row[0].split(" ", 1)[0]: row[heads.index("Uso en este escenario")] for row in rows}
    for cid, used in centres["used"].items():
        assert use[cid].startswith("usar" if used else "no usar"), (cid, use[cid])
    # WASH from centres.csv, stock to preposition from the run's shortfalls
    heads, wash = _table(docx.Document(plan_es[0]["docx"]), "Centro", "Inodoros")
    toilets = {row[0].split(" ", 1)[0]: _es_number(row[heads.index("Inodoros")]) for row in wash}
    assert toilets == pytest.approx(centres["toilets"].astype(float).to_dict())
    prep_head = "A preposicionar (lo que le faltó al centro en la simulación)"
    _, prep = _table(docx.Document(plan_es[0]["docx"]), "Centro", prep_head)
    assert {row[0].split(" ", 1)[0] for row in prep} == set(centres.index[centres["used"]])


def test_vulnerable_groups_per_zone_split_the_persons_at_risk(plan_es, valle_alto_run):
    heads, rows = _table(docx.Document(plan_es[0]["docx"]), "Zona", "Con discapacidad")
    groups = valle_alto_run.exposure.demographics("persons_at_risk")
    total = rows[-1]
    assert total[0] == "Total"
    assert _es_number(total[1]) == pytest.approx(groups.loc["total", "person"], abs=0.5)
    for row in rows:
        persons, women, men = (
            _es_number(row[heads.index(h)]) for h in ("Personas en riesgo", "Mujeres", "Hombres")
        )
        assert women + men == pytest.approx(persons, abs=1.0)
        disability = _es_number(row[heads.index("Con discapacidad")])
        # WHO's 15 %, in every group of the default profile
        assert disability == pytest.approx(0.15 * persons, abs=1.0)


def test_trigger_table_uses_the_scenario_thresholds_and_alert_times(plan_es, valle_alto_run):
    _, rows = _table(docx.Document(plan_es[0]["docx"]), "Nivel", "Quién hace qué")
    assert [r[0] for r in rows] == ["VERDE", "AMARILLO", "NARANJA", "ROJO"]
    # valle_alto's own protocol ([[triggers]]): the forecast, the community and the model's clock
    assert rows[1][1] == "lluvia ≥ 40 mm en 3 h o 1 señal(es) de la comunidad reportada(s)"
    assert rows[2][1] == (
        "lluvia ≥ 60 mm en 3 h o la regla llega a «raíz del bucare» o "
        "2 señal(es) de la comunidad reportada(s)"
    )
    assert rows[3][1] == (
        "el agua llega en menos que el tiempo de despeje + 1h00m o la regla llega a «pilar del puente»"
    )
    assert rows[2][2].startswith("ORDEN DE EVACUACIÓN")  # valle_alto orders on orange (the default)
    first = valle_alto_run.summary["warning"]["first_alert_local"]
    assert first["orange"] in rows[2][4]
    assert first["yellow"] in rows[1][4]
    assert rows[3][4] == "no se alcanza"
    assert "[nombre del responsable]" in rows[1][3]


def test_observers_table_names_each_point_its_marks_and_its_channel(plan_es):
    _, rows = _table(docx.Document(plan_es[0]["docx"]), "Punto de observación", "Vigía")
    by_point = {r[0].split()[0]: r for r in rows}
    assert sorted(by_point) == ["G1", "G2", "G3", "I1", "I2", "I3", "I4", "P1", "P2"]
    assert by_point["G1"][2] == (
        "regla limnimétrica: AMARILLO: piedra del medio; NARANJA: raíz del bucare; ROJO: pilar del puente"
    )
    assert by_point["G1"][3] == "radio, en 10min"
    assert by_point["P1"][2] == "pluviómetro, lluvia en 1 h: AMARILLO: 15 mm; NARANJA: 25 mm; ROJO: 40 mm"
    assert by_point["I4"][2] == "señal «los animales se suben a la loma» significa AMARILLO"
    assert by_point["I4"][3] == "en persona, en 45min"


def test_calendar_and_checklist_have_dates_owners_and_check_boxes(plan_es, valle_alto_run):
    path = plan_es[0]["docx"]
    _, rows = _table(docx.Document(path), "Fecha (propuesta)", "Actividad")
    season = season_date(dt.date(2026, 10, 3), TODAY)
    assert season == dt.date(2027, 10, 3)
    assert [r[0] for r in rows] == [d.isoformat() for d, _, _ in exercise_dates(season)]
    assert sum("Simulacro de evacuación" in r[1] for r in rows) == 4
    _, checks = _table(docx.Document(path), "Actividad", "Estado")
    actions = [r for r in checks if r[1] == "[nombre del responsable]"]
    assert len(actions) >= 12
    assert any(r[0].startswith("(simulación)") for r in actions)
    xml = zipfile.ZipFile(path).read("word/document.xml").decode("utf-8")
    # one clickable box per calendar row, three (to do / under way / done) per action
    assert xml.count("<w14:checkbox>") == len(rows) + 3 * len(actions)
    assert 'w:val="yellow"' in xml  # placeholders highlighted


def test_html_plan_is_offline_and_printable(plan_es):
    page = plan_es[0]["html"].read_text(encoding="utf-8")
    for outside in ("http://", "https://", "<script", "<link", "@import", "url("):
        assert outside not in page
    sources = re.findall(r"src='([^']*)'", page)
    assert len(sources) == 1
    assert sources[0].startswith("data:image/png;base64,")
    assert "@page { size: A4" in page
    for key in (
        "triggers",
        "zones",
        "vulnerable",
        "centres",
        "wash",
        "communication",
        "exercises",
        "checklist",
    ):
        assert f"<table id='plan-{key}'" in page
    assert "<span class='fill'>[nombre del responsable]</span>" in page


@pytest.mark.skipif(plan_html.find_chromium() is None, reason="headless Chromium not installed")
def test_pdf_is_a4_with_every_section(plan_es):
    data = plan_es[0]["pdf"].read_bytes()
    assert data[:5] == b"%PDF-"
    boxes = {
        tuple(np.round(np.array(b.split(), float)))
        for b in re.findall(rb"/MediaBox \[([^\]]*)\]", data)
    }
    assert boxes == {(0.0, 0.0, 595.0, 842.0)}
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))
    assert 8 <= pages <= 30  # 15 on this run


def test_pdf_without_chromium_is_skipped_with_a_warning(monkeypatch, tmp_path):
    monkeypatch.delenv("DRM_CHROMIUM", raising=False)
    monkeypatch.setattr(plan_html.shutil, "which", lambda name: None)
    with pytest.warns(
        DrmWarning, match=r"plan\.pdf not written: no headless Chromium.*apt-get install chromium"
    ):
        assert plan_html.print_pdf("<html><body>plan</body></html>", tmp_path / "plan.pdf") is None
    assert not (tmp_path / "plan.pdf").exists()


def test_bad_format_or_language_is_refused(valle_alto_run, tmp_path):
    with pytest.raises(InputError, match=r"formats=\('odt',\).*docx, html, pdf"):
        write_plan(valle_alto_run, tmp_path, formats=("odt",))
    with pytest.raises(InputError, match="unknown report language 'fr'"):
        write_plan(valle_alto_run, tmp_path, language="fr", formats="html")
    assert not any(tmp_path.iterdir())


def _tiny_plan():
    return Plan("en", "Contingency plan: Town", "Town", "Town, 10-year storm", dt.date(2027, 1, 5), "0.1",
                "DRAFT", (("Community", "Town"),), "Fill in [name].",
                (PlanSection("use", 1, "About", (Paragraph("Call [phone]."),)),), "Town: page ", "Contents",
                "Update the field.")  # fmt: skip


def test_docx_without_python_docx_names_the_pip_command(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "docx", None)  # import docx now raises ImportError
    with pytest.raises(MissingDependencyError, match="pip install python-docx"):
        write_docx(_tiny_plan(), tmp_path / "plan.docx")
    assert not (tmp_path / "plan.docx").exists()


def test_plan_text_has_both_languages_with_the_same_fields():
    assert len(PLAN_TEXT) > 200
    for key, (en, es) in PLAN_TEXT.items():
        assert key.startswith("p_")
        assert en.strip()
        assert es.strip()
        fields = (set(re.findall(r"{(\w+)}", en)), set(re.findall(r"{(\w+)}", es)))
        assert fields[0] == fields[1], key
        assert en.count("[") == es.count("["), key  # the same placeholders to fill in


def test_season_date_and_calendar_count_from_the_event_day():
    # 2026-07-05 + 90 days is the event day itself; a day later it is next year's
    assert season_date(dt.date(2026, 10, 3), dt.date(2026, 7, 5)) == dt.date(2026, 10, 3)
    assert season_date(dt.date(2026, 10, 3), dt.date(2026, 7, 6)) == dt.date(2027, 10, 3)
    assert season_date(dt.date(2024, 2, 29), dt.date(2025, 10, 1)) == dt.date(2026, 2, 28)
    dates = exercise_dates(dt.date(2027, 10, 3))
    drills = [d for d, kind, _ in dates if kind == "drill"]
    assert drills == [
        dt.date(2027, 9, 3),
        dt.date(2027, 12, 3),
        dt.date(2028, 3, 3),
        dt.date(2028, 6, 3),
    ]
    assert dates[0] == (dt.date(2027, 7, 5), "validate", 0)
    kinds = [kind for _, kind, _ in dates]
    assert kinds.index("simex") < kinds.index("drill")


@pytest.mark.slow
def test_plan_of_a_run_without_a_folder_is_the_same(valle_alto_run):
    bare = dataclasses.replace(valle_alto_run, out_dir=None, files={})
    a = build_plan(bare, language="en", today=TODAY)
    b = build_plan(valle_alto_run, language="en", today=TODAY)
    for key in ("zones", "centres", "vulnerable", "preposition", "triggers"):
        assert a.table(key) == b.table(key)


@pytest.mark.slow
def test_cli_plan_writes_the_plan_and_a_manifest(tmp_path, capsys):
    import json

    out = tmp_path / "plan"
    assert main(["-q", "plan", "valle_alto", "--language", "es", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(
        f"ok: Valle Alto, 100-year storm — outputs in {out}: plan.docx, plan.html"
    )
    manifest = json.loads((out / "drm-manifest.json").read_text(encoding="utf-8"))
    assert {"plan.docx", "plan.html"} <= set(manifest["files"])
    assert not (out / "INCOMPLETE").exists()
    assert not (out / "summary.json").exists()  # the plan only: the run's outputs stay out
    assert "Plan de contingencia" in "\n".join(
        p.text for p in docx.Document(out / "plan.docx").paragraphs
    )
    # the folder now holds a plan of valle_alto: another scenario needs --overwrite
    assert main(["-q", "plan", "valle_alto_10yr", "--out", str(out)]) == 2
