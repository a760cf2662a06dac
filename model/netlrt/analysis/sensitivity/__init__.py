"""Deterministic and global sensitivity analysis of a patient's decision.

One module per analysis, each with the same entry points (SALib style):

- ``analyze(problem, ...)``: the generic core, on a :class:`DecisionProblem` (a vectorised
  ``f(X (n, D)) -> utilities (n, k)`` with one :class:`Parameter` per column), so it can be checked on
  hand-built models with known answers;
- ``run(model, patient, ...)``: the same analysis of a patient's decision, behind :class:`netlrt.Model`'s
  methods ``one_way``, ``two_way``, ``threshold``, ``sobol`` (and ``whatif``, which varies findings, not
  parameters, and so has only ``run``).

Figures are in :mod:`netlrt.plot.sensitivity`; nothing here imports matplotlib.

Examples
--------
>>> import netlrt
>>> from netlrt.sensitivity import one_way
>>> model = netlrt.load_model()
>>> res = one_way.run(model, netlrt.cases.article_cases()["case3_y90"], n_grid=5)
>>> len(res.to_df()) == len(model.priors.uncertain)
True
"""

from __future__ import annotations

from . import one_way, sobol, threshold, two_way, whatif
from ._problem import DecisionProblem, Metric, Parameter, model_problem, resolve_metric
from .one_way import OneWayResult
from .sobol import SobolResult
from .threshold import ThresholdResult
from .two_way import TwoWayResult
from .whatif import WhatIfResult

__all__ = ["DecisionProblem", "Metric", "OneWayResult", "Parameter", "SobolResult", "ThresholdResult",
           "TwoWayResult", "WhatIfResult", "model_problem", "one_way", "resolve_metric", "sobol", "threshold",
           "two_way", "whatif"]
