"""Conditional probability tables generated from parameter values, for many draws at once.

:func:`build_tables` is the single definition of how priors become CPDs. It is vectorised over draws:
every parameter is an array of shape ``(n,)`` and every table has shape ``(n, card, *parent_cards)``,
with axes in the order of :data:`netlrt.structure.NODES`' parents. The pgmpy network (one draw: the
prior means) and the batch evaluator (thousands of draws) both call it, so they cannot drift apart.

Modifiers act on the odds scale (``expit(logit(p) + log(OR))``) and survival on the hazard scale
(``S ** HR``), so any draw gives probabilities inside [0, 1].
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.special import expit, logit

from .structure import CONTRAST_LOAD, NODE, NODES, TECHNIQUE_FIT, contrast_load, technique_fit
from .vocabulary import BILIARY, DISTRIBUTIONS, MODALITIES

#: Years at which survival is reported (the ``survival_3y`` node).
SURVIVAL_HORIZON_YEARS = 3.0


def _shift(p: np.ndarray, odds_ratio: np.ndarray) -> np.ndarray:
    return expit(logit(p) + np.log(odds_ratio))


def _binary(p_yes: np.ndarray) -> np.ndarray:
    """Stack P(no), P(yes) on axis 1: ``(n, ...) -> (n, 2, ...)``."""
    p_yes = np.clip(p_yes, 0.0, 1.0)
    return np.stack([1.0 - p_yes, p_yes], axis=1)


def _deterministic(n: int, states: tuple[str, ...], rule, *parent_states: tuple[str, ...]) -> np.ndarray:
    shape = tuple(len(s) for s in parent_states)
    table = np.zeros((len(states),) + shape)
    for idx in np.ndindex(*shape):
        value = rule(*(ps[i] for ps, i in zip(parent_states, idx)))
        table[(states.index(value),) + idx] = 1.0
    return np.broadcast_to(table, (n,) + table.shape)


def build_tables(values: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """CPD tables of every non-root node for ``n`` parameter draws.

    Parameters
    ----------
    values
        Parameter id -> array of shape ``(n,)`` (or scalars, treated as one draw).

    Returns
    -------
    dict
        Node name -> array ``(n, card, *parent_cards)``; each column sums to 1.

    Examples
    --------
    >>> from netlrt.priors import load_priors
    >>> t = build_tables(load_priors().means())
    >>> t["hepatic_abscess"].shape
    (1, 2, 4, 3)
    """
    v = {k: np.atleast_1d(np.asarray(x, dtype=float)) for k, x in values.items()}
    n = max(len(x) for x in v.values())
    v = {k: np.broadcast_to(x, (n,)) for k, x in v.items()}
    col = lambda x: x[:, None]  # noqa: E731  (n,) -> (n, 1) to broadcast over a modality axis

    tables: dict[str, np.ndarray] = {
        "technique_fit": _deterministic(n, TECHNIQUE_FIT, technique_fit, MODALITIES, DISTRIBUTIONS),
        "contrast_load": _deterministic(n, CONTRAST_LOAD, contrast_load, MODALITIES),
    }

    # objective_response[m, fit]: modality base rate, shifted by the technique fit's odds ratio.
    base = np.stack([v["response_tae"], v["response_ctace"], v["response_dee"], v["response_y90"]], axis=1)
    fit_or = np.stack([np.ones(n), v["or_response_segmental_oligo"], v["or_response_lobar_multifocal"]], axis=1)
    tables["objective_response"] = _binary(_shift(base[:, :, None], fit_or[:, None, :]))

    # symptom_control[m, functional]: certain without hormonal symptoms; modality rate with them.
    sym = np.stack([v["symptom_control_tae"], v["symptom_control_tace"], v["symptom_control_tace"],
                    v["symptom_control_y90"]], axis=1)
    tables["symptom_control"] = _binary(np.stack([np.ones_like(sym), sym], axis=2))

    # survival_3y[m, grade, burden]: exponential survival from the median, proportional hazards.
    median = np.stack([v["median_os_tae_years"], v["median_os_tace_years"], v["median_os_tace_years"],
                       v["median_os_y90_years"]], axis=1)
    hr_grade = np.stack([v["hr_grade_g1"], np.ones(n), v["hr_grade_g3"]], axis=1)
    hr_burden = np.stack([v["hr_burden_low"], np.ones(n), v["hr_burden_high"]], axis=1)
    hazard = np.log(2.0) * SURVIVAL_HORIZON_YEARS / median
    tables["survival_3y"] = _binary(
        np.exp(-hazard[:, :, None, None] * hr_grade[:, None, :, None] * hr_burden[:, None, None, :]))

    # postembolization_syndrome[m, burden]: shared embolic rate, milder with Y90, more with high burden.
    pes_or_modality = np.stack([np.ones(n)] * 3 + [v["or_pes_y90"]], axis=1)
    pes_or_burden = np.stack([np.ones(n), np.ones(n), v["or_pes_high_burden"]], axis=1)
    tables["postembolization_syndrome"] = _binary(
        _shift(col(col(v["pes_embolic"])), pes_or_modality[:, :, None] * pes_or_burden[:, None, :]))

    # hepatic_abscess[m, biliary]
    abscess = {
        "intact": v["abscess_intact"],
        "bilioenteric_anastomosis": v["abscess_bilioenteric"],
        "incompetent_sphincter": _shift(v["abscess_intact"], v["or_abscess_incompetent_sphincter"]),
    }
    by_biliary = np.stack([abscess[b] for b in BILIARY], axis=1)
    abscess_or = np.stack([np.ones(n)] * 3 + [v["or_abscess_y90"]], axis=1)
    tables["hepatic_abscess"] = _binary(_shift(by_biliary[:, None, :], abscess_or[:, :, None]))

    # biliary_injury[m]: one baseline, raised for DEE-TACE.
    biliary_or = np.stack([np.ones(n), np.ones(n), v["or_biliary_dee_vs_ctace"], np.ones(n)], axis=1)
    tables["biliary_injury"] = _binary(_shift(col(v["biliary_injury_base"]), biliary_or))

    # carcinoid_crisis[functional]
    tables["carcinoid_crisis"] = _binary(
        np.stack([v["carcinoid_crisis_nonfunctional"], v["carcinoid_crisis_functional"]], axis=1))

    # renal_injury[contrast_load, renal_insufficiency]
    load_or = np.stack([v["or_renal_limited_arteriography"], np.ones(n), v["or_renal_extended_arteriography"]], axis=1)
    renal_base = np.stack([v["renal_injury_normal"], v["renal_injury_insufficiency"]], axis=1)
    tables["renal_injury"] = _binary(_shift(renal_base[:, None, :], load_or[:, :, None]))

    # extra_procedure[m, distribution]: Y90 always adds a mapping arteriogram; TAE/TACE staged when bilobar.
    staged = np.stack([v["staged_bilobar"] if d.startswith("bilobar") else v["staged_unilobar"]
                       for d in DISTRIBUTIONS], axis=1)
    extra = np.stack([staged, staged, staged, np.repeat(col(v["extra_procedure_y90"]), len(DISTRIBUTIONS), 1)],
                     axis=1)
    tables["extra_procedure"] = _binary(extra)

    for node in NODES:  # shapes follow the declared parents; a mismatch is a programming error
        if node.parents:
            want = (n, len(node.states)) + tuple(len(NODE[p].states) for p in node.parents)
            if tables[node.name].shape != want:
                raise RuntimeError(f"CPD {node.name}: shape {tables[node.name].shape}, expected {want}")
    return tables

