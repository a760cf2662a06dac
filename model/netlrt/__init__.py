"""netlrt: a transparent Bayesian-network decision model for transarterial therapy of liver-dominant
metastatic neuroendocrine tumours, built from Gaba et al., Semin Intervent Radiol 2017.

A research tool, not clinical advice.

The package is layered, each layer using only those before it: ``evidence`` (vocabulary, priors with
provenance, the patient specification, the article's cases) -> ``network`` (declared nodes, tables, exact
inference, pgmpy) -> ``decision`` (QALY utility, decision rules, the batch evaluation core) -> ``analysis``
(PSA, value of information, sensitivity, cohorts) -> ``plot`` and ``output`` (report, export, explorer) ->
``cli``. Names below are loaded on first use, so ``import netlrt`` is cheap.

Examples
--------
>>> import netlrt
>>> model = netlrt.load_model()
>>> p = netlrt.Patient(distribution="bilobar_multifocal", preference="avoid_pes", ecog=0)
>>> model.evaluate(p).recommended in netlrt.MODALITIES
True
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.2.0"

_ATTRIBUTES = {
    "Evaluation": "netlrt.decision.evaluation",
    "MODALITIES": "netlrt.evidence.vocabulary",
    "Model": "netlrt.model",
    "OUTCOMES": "netlrt.network.declarations",
    "Patient": "netlrt.evidence.patient",
    "compare": "netlrt.model",
    "load_model": "netlrt.model",
    "load_priors": "netlrt.evidence.priors_files",
}
_MODULES = {"cases": "netlrt.evidence.cases", "explorer": "netlrt.output.explorer", "plot": "netlrt.plot"}

__all__ = sorted([*_ATTRIBUTES, *_MODULES, "__version__"])


def __getattr__(name: str) -> Any:
    if name in _ATTRIBUTES:
        value = getattr(importlib.import_module(_ATTRIBUTES[name]), name)
    elif name in _MODULES:
        value = importlib.import_module(_MODULES[name])
    else:
        raise AttributeError(f"module 'netlrt' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
