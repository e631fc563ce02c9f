"""The trainees' order scored against the decision clock (issue 18, training)."""

from __future__ import annotations

import numpy as np
import pytest

from drm.errors import InputError
from drm.scenario.exercise import score_order


def test_the_scenarios_own_order_gets_the_runs_own_verdicts(valle_alto_run):
    r = valle_alto_run
    s = score_order(r, r.order_time_s)
    clock = r.decision.table
    flooded = clock[clock["status"] != "not flooded"]
    assert list(s.table.index) == list(flooded.index)
    assert (s.table["status"] == flooded["status"]).all()
    np.testing.assert_allclose(s.table["slack_s"], flooded["latest_order_s"] - r.order_time_s)
    persons = r.exposure.zones["persons_at_risk"].reindex(flooded.index)
    points = flooded["status"].map({"in time": 1.0, "margin used": 0.5}).fillna(0.0)
    assert s.score == pytest.approx(float((points * persons).sum() / persons.sum()), rel=1e-12)
    assert s.persons_at_risk == pytest.approx(float(persons.sum()), rel=1e-12)


def test_an_order_after_every_arrival_scores_zero_and_one_at_the_start_scores_best(valle_alto_run):
    r = valle_alto_run
    late = score_order(r, "100h")
    assert late.score == 0.0
    assert set(late.table["status"]) == {"after arrival"}
    early = score_order(r, 0.0)
    # ordering at the event's start is never worse, zone by zone, than ordering later
    assert (early.table["slack_s"] >= score_order(r, "1h").table["slack_s"]).all()
    assert early.score >= score_order(r, "1h").score


def test_the_score_reads_in_spanish(valle_alto_run):
    text = score_order(valle_alto_run, "2h").text("es")
    assert text.startswith("Puntuación de la orden: ")
    assert "respecto a la última orden segura" in text


def test_bad_order_time(valle_alto_run):
    with pytest.raises(InputError, match="order_time"):
        score_order(valle_alto_run, "soon")
