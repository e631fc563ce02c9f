"""Golden summaries: the three built-in scenarios give the numbers recorded in tests/golden/.

These are regression guards, not validation (the stage tests check the methods
against analytic, textbook and peer results): any change to a headline number
of a scenario (depths, people at risk, clearance, centre peaks, stock gaps)
must be intended. After an intended change, rewrite the files with

    DRM_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py

and review the diff of tests/golden/*.json in the commit.

Floats are compared to 0.2 % relative: the numbers are deterministic on one
machine, but numba's vectorised reductions may sum in another order on a CPU
with other vector widths, and a household whose road closes within that
difference can change outcome.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).parent / "golden"
# machine- and checkout-dependent entries, not results
SKIP = (
    "scenario.source",
    "drm_version",
    "input_sha256",
    "flood.wall_time_s",
    "flood.cell_updates_per_s",
)
# free-text notes repeat numbers already compared with a tolerance
SKIP += ("notes",)
REL = 2e-3


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in d.items():
        name = f"{prefix}{key}"
        if name.startswith(SKIP):
            continue
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _close(a: Any, b: Any, atol: float) -> bool:
    if _is_number(a) and _is_number(b):
        return math.isclose(a, b, rel_tol=REL, abs_tol=atol)
    return a == b


def _check(name: str, summary: dict[str, Any]) -> None:
    got = _flatten(json.loads(json.dumps(summary)))
    path = GOLDEN / f"{name}.json"
    if os.environ.get("DRM_UPDATE_GOLDEN") == "1":
        path.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    want = json.loads(path.read_text(encoding="utf-8"))
    assert sorted(got) == sorted(want), "summary fields changed: update the golden file"
    # near-zero numbers (a volume error, an unmet demand of 0.1 kit) are compared
    # in absolute terms, against the largest number of the summary
    atol = 1e-9 * max(abs(v) for v in want.values() if _is_number(v))
    wrong = {k: (got[k], want[k]) for k in want if not _close(got[k], want[k], atol)}
    assert not wrong, (
        f"{name}: {len(wrong)} numbers differ from the golden summary (got, want): {wrong}"
    )


def test_valle_alto(valle_alto_run):
    _check("valle_alto", valle_alto_run.summary)


def test_valle_alto_10yr(valle_alto_10yr_run):
    _check("valle_alto_10yr", valle_alto_10yr_run.summary)


def test_jacksboro(jacksboro_run):
    _check("jacksboro", jacksboro_run.summary)
