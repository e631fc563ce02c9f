"""The scenario's warning protocol scored over an ensemble: POD, FAR, CSI and lead time per variant.

The tiny town with the sample observers and a three-level protocol; each member's
protocol.csv is its own evaluation, and the ensemble's table must equal a count made
here from those files with plain pandas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import drm
from drm.errors import InputError

from ..tiny_town import REPO, write_tiny
from .conftest import ENSEMBLE

PROTOCOL = f"""
[observers]
file = "{REPO / "hazard_data/valle_alto/observers.csv"}"
interval = "15min"

[[triggers]]
level = "yellow"
when = [{{ rain_mm = 10, window = "1h" }}, {{ indicators = 1 }}]

[[triggers]]
level = "orange"
when = [{{ gauge_m = 0.9, points = ["G1"] }}, {{ arrival_minus_clearance = "1h" }}]
"""


@pytest.fixture(scope="module")
def ensemble(tmp_path_factory):
    folder = tmp_path_factory.mktemp("protocol")
    sc = drm.load_scenario(write_tiny(folder / "tiny.toml", "protocol", ENSEMBLE + PROTOCOL))
    return drm.run_ensemble(sc, n_workers=1, out_dir=folder / "ens", progress=False, report=False)


def _by_hand(tables, column):
    hits = late = fa = misses = cn = 0
    leads = []
    for t in tables:
        for w, a in zip(t[column], t["arrival_s"], strict=True):
            came, warned = np.isfinite(a), np.isfinite(w)
            if came and warned and w <= a:
                hits += 1
                leads.append(a - w)
            elif came:
                misses += 1
                late += int(warned)
            elif warned:
                fa += 1
            else:
                cn += 1
    return hits, late, misses, fa, cn, leads


def test_the_ensemble_scores_each_variant_as_counted_from_the_members(ensemble):
    folders = sorted((ensemble.out_dir / "members").glob("m*/protocol.csv"))
    assert len(folders) == 3
    tables = [pd.read_csv(f, index_col="zone") for f in folders]
    table = ensemble.protocol_verification
    assert list(table.index) == ["protocol", "model only", "community only"]
    for variant, column in (("protocol", "first_orange_s"), ("model only", "orange_by_model_s"),
                            ("community only", "orange_by_observed_s")):  # fmt: skip
        hits, late, misses, fa, cn, leads = _by_hand(tables, column)
        row = table.loc[variant]
        assert (row["hits"], row["late"], row["misses"], row["false_alarms"],
                row["correct_negatives"]) == (hits, late, misses, fa, cn)  # fmt: skip
        assert row["cases"] == sum(len(t) for t in tables)
        assert row["pod"] == pytest.approx(hits / (hits + misses) if hits + misses else np.nan, nan_ok=True)
        assert row["far"] == pytest.approx(fa / (hits + fa) if hits + fa else np.nan, nan_ok=True)
        median = float(np.median(leads)) if leads else np.nan
        assert row["lead_time_median_s"] == pytest.approx(median, nan_ok=True)
    # the protocol warns a zone no later than either of its parts
    for t in tables:
        both = t[["orange_by_model_s", "orange_by_observed_s"]].min(axis=1)
        assert np.allclose(t["first_orange_s"], both, equal_nan=True)
    written = pd.read_csv(ensemble.out_dir / "protocol_verification.csv", index_col="variant")
    assert np.allclose(written["pod"], table["pod"], equal_nan=True)


def test_no_members_is_refused():
    from drm.ensemble.aggregate import protocol_verification

    with pytest.raises(InputError, match="one or more"):
        protocol_verification([])
