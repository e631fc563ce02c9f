"""The result of an ensemble run: probabilities, outcome spread, failed members, prepositioning."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pandas as pd
import xarray as xr

from drm._display import ResultMixin, fmt_number, fmt_seconds
from drm.errors import InputError

__all__ = ["EnsembleResult"]


@dataclass(frozen=True, eq=False, repr=False)
class EnsembleResult(ResultMixin):
    """What :func:`drm.run_ensemble` computed and wrote.

    Attributes
    ----------
    name : str
        The scenario's name.
    members : int
        Members planned.
    probability : xarray.Dataset
        ``depth_probability`` (threshold, y, x): share of members whose
        maximum depth reaches each threshold (m); ``point_probability``
        (threshold, time, site): the same at the warning points over time;
        ``point_depth`` (member, time, site): depth (m) at the warning points
        in each member; ``elevation`` (y, x) of the solver grid.
    outcomes : pandas.DataFrame
        One row per finished member (index ``member``): seed, perturbation and
        outcomes (people at risk and caught, clearance time, peak occupancy,
        unmet needs; see :func:`drm.ensemble.store.member_outcomes`).
    quantiles : pandas.DataFrame
        Spread of each outcome: members, mean and quantiles 5-95 %.
    failed : pandas.DataFrame
        Members that failed after their retries: ``member``, ``attempts``, ``error``.
    preposition : PrepositionPlan or None
        Stock to hold where, over the members as equally likely scenarios.
    computed, reused : int
        Members run by this call, and members found finished on disk.
    out_dir : pathlib.Path
        The ensemble folder.
    files : dict
        Aggregate output files by name.
    protocol_verification : pandas.DataFrame or None
        With ``[[triggers]]``: the protocol, its model-only and its
        community-only parts scored over the members (POD, FAR, CSI, lead
        time; :func:`drm.ensemble.aggregate.protocol_verification`).

    Examples
    --------
    >>> r = drm.run_ensemble("valle_alto", members=10)  # doctest: +SKIP
    >>> r.quantiles.loc["persons_caught", ["q05", "q50", "q95"]]  # doctest: +SKIP
    >>> r.trigger(0.5, probability=0.3).first_trigger  # doctest: +SKIP
    """

    name: str
    members: int
    probability: xr.Dataset
    outcomes: pd.DataFrame
    quantiles: pd.DataFrame
    failed: pd.DataFrame
    preposition: Any
    computed: int
    reused: int
    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    protocol_verification: pd.DataFrame | None = None

    def _summary(self) -> list[tuple[str, Any]]:
        ok = len(self.outcomes)
        rows: list[tuple[str, Any]] = [
            ("scenario", self.name),
            ("members", f"{ok} of {self.members} finished ({self.computed} run now, {self.reused} "
                        f"reused), {len(self.failed)} failed"),
        ]  # fmt: skip
        if "depth_probability" in self.probability:
            p = self.probability["depth_probability"]
            cell = float(abs(p["x"][1] - p["x"][0])) ** 2 if p.sizes["x"] > 1 else float("nan")
            for t in p["threshold"].values:
                half = float((p.sel(threshold=t) >= 0.5).sum()) * cell / 1e6
                rows.append((f"area with P(depth >= {t:g} m) >= 50%", f"{half:,.3g} km²"))
        q = self.quantiles
        for col, label in (("persons_caught", "people caught"), ("peak_occupancy_persons", "peak occupancy"),
                           ("clearance_time_s", "clearance time")):  # fmt: skip
            if col in q.index and q.loc[col, "members"] > 0:
                f = fmt_seconds if col.endswith("_s") else fmt_number
                rows.append(
                    (
                        label,
                        f"median {f(q.loc[col, 'q50'])}, 5-95% {f(q.loc[col, 'q05'])} to {f(q.loc[col, 'q95'])}",
                    )
                )
        rows.append(("out_dir", str(self.out_dir)))
        return rows

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        out = [("outcome spread", self.quantiles), ("members", self.outcomes)]
        if self.protocol_verification is not None:
            out.append(("warning protocol over the members", self.protocol_verification))
        if len(self.failed):
            out.append(("failed members", self.failed))
        return out

    def _datasets(self) -> list[tuple[str, xr.Dataset]]:
        return [("probability", self.probability)] if self.probability.data_vars else []

    def trigger(
        self,
        threshold_m: float,
        *,
        probability: float = 0.3,
        lead_window_s: tuple[float, float] | None = None,
    ) -> Any:
        """Ensemble trigger at the warning points: enough members reach a depth.

        The ensemble is one forecast issued at the start of the event (issue
        time 0, lead time = time since the start), so the persistence is 1;
        for a rule over successive forecasts, run one ensemble per issue and
        stack their ``point_depth`` along ``issue_time``
        (:func:`drm.warning.ensemble_trigger`).

        Parameters
        ----------
        threshold_m : float
            Depth (m) at the warning point.
        probability : float
            Share of members that triggers.
        lead_window_s : (float, float), optional
            Only these times (s since the start) count.

        Returns
        -------
        EnsembleTrigger
            The trigger decision per warning point.

        Raises
        ------
        InputError
            When no member finished.
        """
        from drm.warning import ensemble_trigger

        if "point_depth" not in self.probability:
            raise InputError(
                "no member of this ensemble finished, so there is nothing to trigger on"
            )
        depth = (
            self.probability["point_depth"].rename(time="lead_time").expand_dims(issue_time=[0.0])
        )
        return ensemble_trigger(
            depth, threshold_m, probability=probability, persistence=1, lead_window_s=lead_window_s
        )

    def plot(self, *, language: str = "en") -> Any:
        """Probability maps (one per threshold) above the spread of the outcomes.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt

        from drm.report.ensemble import draw_probability, draw_spread
        from drm.report.i18n import Text

        text = Text(language)
        fig = plt.figure(figsize=(11, 9), layout="constrained")
        top, bottom = cast("Any", fig.subfigures(2, 1, height_ratios=(1.1, 1.0)))
        if "depth_probability" in self.probability:
            draw_probability(top, self.probability, text)
        draw_spread(bottom, self.outcomes, text)
        return fig
