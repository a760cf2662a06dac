"""Default study designs for the model's parameters: what a study of ``n`` patients measuring one would report.

``psa.evsi({"or_pes_y90": 60})`` needs a data model for each named parameter; it is chosen from the
parameter's role (its unit) and, for an odds ratio, from the network node whose table it shifts:

* a probability: a single-arm series, events ~ Binomial(n, p);
* an odds ratio: a two-arm comparison with ``n`` patients per arm, the control arm at the node's baseline
  probability (also a model parameter, so the study reports it too);
* a hazard ratio: a two-arm comparison with ``n`` patients per arm followed for :data:`FOLLOW_UP_YEARS` years,
  the control arm dying at the treated cohort's baseline rate (the prior mean of the survival node's median);
  the deaths are simulated, so the log hazard ratio's standard error is about sqrt(1/d0 + 1/d1). For a modality's
  hazard ratio the comparison is against the cohort baseline, which the exchangeable effects are centred on;
* a median time in years: a cohort of ``n`` followed for :data:`FOLLOW_UP_YEARS` years (deaths simulated);
* a duration in days: ``n`` patients' durations, log-normal with a per-patient log-scale SD of
  :data:`DAYS_LOG_SD`.

Utilities and disutilities have no default (a valuation study is designed differently); build a
:class:`~netlrt.analysis.study_design.StudyDesign` for them.

Examples
--------
>>> from netlrt.evidence.priors_files import load_priors
>>> d = default_design(load_priors(), {"or_pes_y90": 60})
>>> d.measurements[0].control_risk
'pes_embolic'
"""

from __future__ import annotations

from collections.abc import Mapping

from ..evidence.priors import PriorSet
from ..network.declarations import NODES
from ..network.forms import Logistic, Survival
from .study_design import BinomialOutcome, ExponentialMedian, LogNormalEstimate, StudyDesign, TwoArmRatio

__all__ = ["DAYS_LOG_SD", "FOLLOW_UP_YEARS", "default_design", "default_measurement"]

FOLLOW_UP_YEARS = 5.0
DAYS_LOG_SD = 0.5


def _odds_ratio_baseline(pid: str) -> str | None:
    for node in NODES:
        if isinstance(node.form, Logistic) and any(pid in by_state.values() for by_state in node.form.effects.values()):
            return node.form.base
    return None


def default_measurement(priors: PriorSet, pid: str, n: int) -> object:
    """The data model of a study of ``n`` patients (per arm, for a comparison) measuring prior ``pid``.

    Raises
    ------
    ValueError
        For an unknown or fixed parameter, or one without a default design (utilities), naming it.
    """
    if pid not in priors:
        raise ValueError(f"design: unknown parameter {pid!r}; allowed: the ids of uncertain priors")
    prior = priors[pid]
    if prior.is_fixed:
        raise ValueError(f"design: {pid!r} is fixed (a threshold or convention); a study cannot update it")
    if prior.unit == "probability":
        return BinomialOutcome(pid, n)
    if prior.unit == "odds ratio" and (base := _odds_ratio_baseline(pid)) is not None:
        return TwoArmRatio(pid, n, control_risk=base, scale="odds")
    if prior.unit == "hazard ratio":
        median = next(node.form.median for node in NODES if isinstance(node.form, Survival))
        control = 1.0 - 2.0 ** (-FOLLOW_UP_YEARS / priors[median].mean)
        return TwoArmRatio(pid, n, control_risk=float(control), scale="hazard")
    if prior.unit == "years":
        return ExponentialMedian(pid, n, follow_up=FOLLOW_UP_YEARS)
    if prior.unit == "days":
        return LogNormalEstimate(pid, n, sd=DAYS_LOG_SD)
    raise ValueError(f"design: no default study for {pid!r} (unit {prior.unit!r}); build a StudyDesign from "
                     "netlrt.analysis.study_design for it")


def default_design(priors: PriorSet, sizes: Mapping[str, int], *, name: str = "") -> StudyDesign:
    """A study measuring each named parameter with its default data model (see the module docstring).

    Parameters
    ----------
    priors : PriorSet
    sizes : mapping
        Parameter id -> patients (per arm for an odds ratio).
    name : str
        A label (default: the parameters and sizes).
    """
    if not isinstance(sizes, Mapping) or not sizes:
        raise ValueError("design: expected a non-empty mapping parameter id -> patients")
    label = name or ", ".join(f"{k} (n={v})" for k, v in sizes.items())
    return StudyDesign([default_measurement(priors, k, v) for k, v in sizes.items()], name=label)
