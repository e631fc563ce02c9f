"""Run a scenario end to end and write its outputs into a folder."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drm._version import __version__
from drm.io import atomic_path
from drm.report.figures import input_map, save_figure
from drm.scenario.inputs import ScenarioInputs, load_inputs
from drm.scenario.schema import Scenario, load_scenario

__all__ = ["ScenarioResult", "run_scenario"]

log = logging.getLogger("drm")


@dataclass(frozen=True)
class ScenarioResult:
    """What a scenario run produced.

    Attributes
    ----------
    inputs : ScenarioInputs
        The checked inputs.
    summary : dict
        The key numbers (also written to ``summary.json``).
    out_dir : pathlib.Path or None
        Where the outputs were written.
    files : dict
        Output files by name.
    """

    inputs: ScenarioInputs
    summary: dict[str, Any]
    out_dir: Path | None
    files: dict[str, Path]

    def __repr__(self) -> str:
        s = self.summary
        return (
            f"ScenarioResult({s['scenario']['name']!r}, "
            f"{s['inputs']['population']['total_persons']:,.0f} people, "
            f"{s['inputs']['centres']['count']} candidate centres, out_dir={self.out_dir})"
        )


def write_json(data: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write ``data`` as indented UTF-8 JSON, atomically."""
    target = Path(path)
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return target


def run_scenario(
    scenario: str | os.PathLike[str] | Scenario, out_dir: str | os.PathLike[str] | None = None
) -> ScenarioResult:
    """Run a scenario: load and check its inputs, write the summary and figures.

    Parameters
    ----------
    scenario : str, path-like or Scenario
        A scenario file, a built-in scenario name, or a loaded Scenario.
    out_dir : str or path-like, optional
        Folder for the outputs (created); nothing is written when None.

    Returns
    -------
    ScenarioResult

    Examples
    --------
    >>> result = run_scenario("valle_alto")
    >>> result.summary["inputs"]["population"]["total_persons"] > 10_000
    True
    """
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    inputs = load_inputs(sc)
    summary = {
        "scenario": {
            "name": sc.name,
            "source": str(sc.source) if sc.source else None,
            "seed": sc.seed,
            "language": sc.language,
        },
        "drm_version": __version__,
        "input_sha256": inputs.hashes,
        "inputs": inputs.summary(),
    }
    files: dict[str, Path] = {}
    out = Path(out_dir) if out_dir is not None else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        files["summary"] = write_json(summary, out / "summary.json")
        files["input_map"] = save_figure(input_map(inputs), out / "input_map.png")
        log.info("wrote %s", ", ".join(p.name for p in files.values()))
    return ScenarioResult(inputs=inputs, summary=summary, out_dir=out, files=files)
