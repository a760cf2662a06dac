"""Deterministic and global sensitivity analysis of a patient's decision.

One module per analysis, each with the same entry points (SALib style):

- ``analyze(problem, ...)``: the generic core, on a :class:`DecisionProblem` (a vectorised
  ``f(X (n, D)) -> utilities (n, k)`` with one :class:`Parameter` per column), so it can be checked on
  hand-built problems with known answers;
- ``run(evaluator, patient, ...)``: the same analysis of a patient's decision on the evaluation core
  (:class:`netlrt.decision.core.Evaluator`), behind :class:`netlrt.Model`'s methods ``one_way``, ``two_way``,
  ``threshold``, ``sobol`` (and ``whatif`` and ``inferences``, which vary findings and readings, not parameters
  over their ranges, and so have only ``run``).

The deterministic analyses (one-way, two-way, threshold) hold every parameter they do not vary at its prior
mean; Sobol draws every parameter from its prior; the what-if and the inferences evaluate each variant with the
Bayes decision. Figures are in :mod:`netlrt.plot`; nothing here imports matplotlib.

Examples
--------
>>> from netlrt.decision.core import Evaluator
>>> from netlrt.evidence.priors_files import load_priors
>>> from netlrt.evidence.cases import article_cases
>>> ev = Evaluator(load_priors())
>>> res = one_way.run(ev, article_cases()["case3_y90"], n_grid=5)
>>> len(res.to_df()) == len(ev.priors.uncertain)
True
"""

from __future__ import annotations

from . import inferences, one_way, sobol, threshold, two_way, whatif
from ._problem import AT_MEANS, DecisionProblem, Metric, Parameter, model_problem, resolve_metric
from .inferences import InferencesResult
from .one_way import OneWayResult
from .sobol import SobolResult
from .threshold import ThresholdResult
from .two_way import TwoWayResult
from .whatif import WhatIfResult

__all__ = ["AT_MEANS", "DecisionProblem", "InferencesResult", "Metric", "OneWayResult", "Parameter", "SobolResult",
           "ThresholdResult", "TwoWayResult", "WhatIfResult", "inferences", "model_problem", "one_way",
           "resolve_metric", "sobol", "threshold", "two_way", "whatif"]
