"""Screening (HAND + synthetic rating curves) against the dynamic solver on the sample towns.

For each built-in scenario: the dynamic flood (``simulate_flood``, as the
scenario runs it) and ``screen_flood`` on the same DEM, rain, curve numbers,
roughness and inflows. Reports the wall time of each, and how the screening's
peak-depth map compares with the dynamic max-depth map: cells flooded deeper
than a threshold in both (hits), only in the screen (false alarms), only in the
dynamic run (misses), the critical success index, and the depth difference
(screen - dynamic) where both are wet.

Usage::

    python benchmarks/bench_screening.py [--scenarios valle_alto jacksboro]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results" / "screening.md"


def compare(name: str, thresholds: tuple[float, ...] = (0.1, 0.3)) -> list[dict]:
    from drm.hazard import screen_flood, simulate_flood
    from drm.scenario import load_inputs, load_scenario
    from drm.scenario.stages import hazard_setup

    scenario = load_scenario(name)
    setup = hazard_setup(scenario, load_inputs(scenario))
    hz = scenario.hazard
    t0 = time.perf_counter()
    dyn = simulate_flood(
        setup.dem, setup.rainfall, manning_n=setup.manning_n, infiltration=setup.infiltration,
        curve_number=setup.curve_number, soil=hz.soil, duration=hz.duration,
        output_interval=hz.output_interval, boundaries=hz.boundaries, inflows=list(setup.inflows),
        theta=hz.theta, alpha=hz.alpha, progress=False,
    )  # fmt: skip
    t_dyn = time.perf_counter() - t0
    t0 = time.perf_counter()
    scr = screen_flood(
        setup.dem, setup.rainfall, curve_number=setup.curve_number, inflows=list(setup.inflows),
        manning_n=setup.manning_n,
    )  # fmt: skip
    t_scr = time.perf_counter() - t0
    d = np.nan_to_num(dyn.ds["max_depth"].values)
    s = np.nan_to_num(scr["max_depth"].values)
    rows = []
    for thr in thresholds:
        a, b = s >= thr, d >= thr
        hits, fa, miss = int((a & b).sum()), int((a & ~b).sum()), int((~a & b).sum())
        both = a & b
        diff = s[both] - d[both]
        rows.append(
            {
                "scenario": name,
                "cells": d.size,
                "dynamic s": f"{t_dyn:.1f}",
                "screen s": f"{t_scr:.2f}",
                "depth >= m": thr,
                "wet (dynamic)": int(b.sum()),
                "wet (screen)": int(a.sum()),
                "hit rate": f"{hits / max(hits + miss, 1):.2f}",
                "false alarm ratio": f"{fa / max(hits + fa, 1):.2f}",
                "CSI": f"{hits / max(hits + fa + miss, 1):.2f}",
                "median diff m": f"{np.median(diff):+.2f}" if diff.size else "-",
                "p10 / p90 diff m": f"{np.percentile(diff, 10):+.2f} / {np.percentile(diff, 90):+.2f}"
                if diff.size
                else "-",
            }
        )
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenarios", nargs="+", default=["valle_alto", "jacksboro"])
    args = p.parse_args()
    rows = [r for name in args.scenarios for r in compare(name)]
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows]
    table = "\n".join(lines)
    print(table)
    RESULTS.write_text(
        f"# Screening against the dynamic solver ({time.strftime('%Y-%m-%d')})\n\n"
        "`python benchmarks/bench_screening.py`; depths are peak (screen) vs max (dynamic).\n\n"
        + table + "\n"
    )


if __name__ == "__main__":
    main()
