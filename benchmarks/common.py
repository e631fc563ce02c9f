"""Shared helpers for drm's benchmark scripts: synthetic inputs, fresh-process runs, peak memory.

Peak memory is the child process's own high-water mark (``VmHWM`` in
``/proc/self/status``); ``ru_maxrss`` of a child inherits its parent's peak on
Linux and overstates it.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter

ROOT = Path(__file__).resolve().parents[1]


def synthetic_dem(n: int, dx: float = 30.0, seed: int = 0) -> np.ndarray:
    """A valley with a meandering V-shaped floor, regional slope and multi-scale noise (m).

    100 m base, 0.3 % regional slope, 2 % side slopes towards a meandering
    thalweg, 7 octaves of Gaussian-smoothed noise (sigma 1..64 cells, up to
    about 5 m), rounded to 0.1 m like stored DEMs; not depression-filled.
    """
    rng = np.random.default_rng(seed)
    i, j = np.mgrid[0:n, 0:n].astype(float)
    thalweg = n / 2 + n / 8 * np.sin(i / n * 4 * np.pi)
    z = 100.0 + 0.003 * (n - i) * dx + 0.02 * np.abs(j - thalweg) * dx
    for sigma in (1, 2, 4, 8, 16, 32, 64):
        z += gaussian_filter(rng.standard_normal((n, n)), sigma) * min(5.0, 0.5 * sigma**0.5) * 4
    return np.round(z, 1)


def peak_rss_mib() -> float:
    """This process's peak resident memory (VmHWM) in MiB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def run_worker(script: Path, args: list[str], timeout: float = 3600.0) -> dict:
    """Run ``script --worker ARGS`` in a fresh interpreter and return the JSON it prints last."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    out = subprocess.run(
        [sys.executable, str(script), "--worker", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"worker {args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def median_of(runs: list[dict], key: str) -> float:
    """Median of one numeric field over repeated runs."""
    return statistics.median(r[key] for r in runs)


def span(runs: list[dict], key: str, fmt: str = "{:.2f}") -> str:
    """``median (min-max)`` of a field, formatted."""
    values = [r[key] for r in runs]
    med = statistics.median(values)
    if len(values) == 1:
        return fmt.format(med)
    return f"{fmt.format(med)} ({fmt.format(min(values))}-{fmt.format(max(values))})"
