"""netlrt: a transparent Bayesian-network decision model for transarterial therapy of liver-dominant
metastatic neuroendocrine tumours, built from Gaba et al., Semin Intervent Radiol 2017.

A research tool, not clinical advice.

Examples
--------
>>> import netlrt
>>> model = netlrt.load_model()
>>> p = netlrt.Patient(grade="G2", burden="low", distribution="bilobar_multifocal",
...                    biliary="intact", preference="avoid_pes", ecog=0)
>>> model.evaluate(p).recommended
'Y90'
"""

from __future__ import annotations

from . import cases
from .model import Evaluation, Model, load_model
from .patient import Patient
from .priors import load_priors
from .vocabulary import MODALITIES, OUTCOMES

__version__ = "0.1.0"
__all__ = ["Evaluation", "MODALITIES", "Model", "OUTCOMES", "Patient", "cases", "load_model", "load_priors"]
