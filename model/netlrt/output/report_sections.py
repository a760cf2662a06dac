"""The sections of ``netlrt report``. Each patient's sections are computed by :func:`patient_parts` (case,
PSA, EVPPI) and :func:`local_parts` (tornado, Sobol), each in a worker process when there are several cores
(the model is inherited by fork, the parts come back as HTML text and file bytes), so the report's wall time
is about its CPU time divided by the cores."""

from __future__ import annotations

import html
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..decision.core import INTERNAL_POINTS, INTERNAL_REPLICATES
from ..decision.utility import COUNTED_PER, DAYS_PER_YEAR, TERM, days
from .page import Page

if TYPE_CHECKING:
    import pandas as pd

    from ..analysis.psa import PSAResult
    from ..decision.evaluation import Evaluation
    from ..evidence.patient import Patient
    from ..model import Model

__all__ = ["PatientParts", "Settings", "TRIAL_SIZE", "cases_section", "local_parts", "model_section", "patient_parts",
           "priors_section", "run_jobs", "sensitivity_section", "trials_parts", "trials_section"]

TOP = 10  # rows of a ranking shown on the page; the CSV files hold them all
SE_ROWS = 20  # EVPPI standard errors computed for the largest only (most of the ranking's cost)
TRIAL_SIZE = 60  # patients per arm of the candidate studies compared by EVSI
#: An illustrative population and cost for the expected net benefit of sampling (stated on the page).
POPULATION = {"patients_per_year": 500, "horizon_years": 10, "discount_rate": 0.03}
COST_PER_PATIENT_QALY = 0.05
TRIAL_SIZES = (20, 60, 150, 400, 1000)
CANDIDATES = 3  # parameters with the largest EVPPI whose single-parameter study is valued by EVSI


@dataclass(frozen=True)
class Settings:
    n_draws: int
    sobol_draws: int
    seed: int
    figure_format: str
    dpi: int
    article_cases: bool
    studies: bool = True


@dataclass
class PatientParts:
    """What one patient contributes: its case and sensitivity sections, its evaluation, timings, and for the
    patient whose candidate studies are valued, the studies section."""

    pid: str
    evaluation: Evaluation
    case: Page
    sensitivity: Page
    timings: dict[str, float] = field(default_factory=dict)
    trials: Page | None = None


# ------------------------------------------------------------------------------------------- model, priors

def model_section(page: Page, model: Model) -> None:
    from ..network.declarations import edges_df
    from ..plot import plot_network

    page.html('<h2 id="model">The model</h2><p>A Bayesian network: the patient findings and the chosen modality set '
              "the probability of each outcome; the outcomes' quality-adjusted life-years (QALYs) are summed over "
              "named terms, averaged over the uncertainty of every parameter, and the modality with the most expected "
              "QALYs is recommended. Solid edges are stated in the article, dashed ones are assumptions or "
              "inferences (their reasoning is in the table). The methods are in <code>docs/model.md</code> of "
              "netlrt's source (the repository and the source distribution; not installed with the package).</p>")
    page.figure(plot_network(), "network", "The network's structure.")
    page.html("<details><summary>Edges and their justification</summary>")
    page.table(edges_df(), "edges")
    page.html("</details>")


def priors_section(page: Page, model: Model) -> None:
    import pandas as pd

    from ..plot import plot_priors

    page.html('<h2 id="priors">Priors and their provenance</h2><p>Every parameter is a distribution read from the '
              "article by a stated rule (source <i>article</i>, with the quote and its reference numbers) or an "
              "assumption with its reasoning. A range of <i>k</i> study results covers (k-1)/(k+1) of the predictive "
              "distribution; a stated direction without a size has one end of its 95% interval at no effect; where the "
              "article compares nothing, the modalities share one baseline. Grey marks are the article's numbers.</p>")
    page.figure(plot_priors(model.priors), "priors", "Each uncertain prior: mean and 95% interval, by unit.")
    df = model.priors.to_df()
    df["evidence"] = [" ".join(x for x in (f"\u201c{q}\u201d" if q else "", r) if x)
                      for q, r in zip(df["quote"], df["reasoning"])]
    page.table(df[["id", "description", "unit", "distribution", "mean", "low", "high", "rule", "provenance", "refs",
                   "reading", "evidence"]], "priors")
    rows = [{"finding": k, "shares": ", ".join(f"{s} {v:.0%}" for s, v in shares.items()),
             "reasoning": model.priors.population_notes[k]} for k, shares in model.priors.population.items()]
    page.html("<h3>The treated population</h3><p>An unknown finding is averaged over these shares, which are also "
              "the case mix of the survival baseline.</p>")
    page.table(pd.DataFrame(rows), "population")


# ------------------------------------------------------------------------------------------------ patients

def patient_parts(model: Model, pid: str, patient: Patient, ev: Evaluation, settings: Settings, *,
                  trials: bool = False) -> PatientParts:
    """One patient's case section and the first half of its sensitivity section (PSA, EVPPI), given its
    evaluation ``ev``; with ``trials`` (an eligible patient), also its candidate studies, from the same PSA and
    EVPPI ranking. The second half of the sensitivity section is :func:`local_parts`, a job of its own (either
    runs in a worker process when there are several cores)."""
    timings: dict[str, float] = {}
    t = time.perf_counter()
    case = Page(settings.figure_format, settings.dpi)
    _case(case, model, pid, patient, ev, settings)
    timings["cases"] = time.perf_counter() - t
    sens = Page(settings.figure_format, settings.dpi)
    if ev.eligible:
        sens.html(f'<h3 id="sens-{html.escape(pid)}">{html.escape(pid)}</h3>')
        t = time.perf_counter()
        psa, ranking = _psa(sens, model, pid, patient, settings)
        timings["PSA and EVPPI"] = time.perf_counter() - t
        if trials:
            t = time.perf_counter()
            studies = trials_parts(model, pid, settings, psa, ranking)
            timings["studies"] = time.perf_counter() - t
            return PatientParts(pid, ev, case, sens, timings, studies)
    else:
        sens.html(f"<h3>{html.escape(pid)}</h3><p>Ineligible for transarterial therapy: no sensitivity analysis.</p>")
    return PatientParts(pid, ev, case, sens, timings)


def _case(page: Page, model: Model, pid: str, patient: Patient, ev: Evaluation, settings: Settings) -> None:
    import pandas as pd

    from ..evidence.cases import CASES, case_sources, inferred_fields
    from ..plot import plot_utility_terms

    case = next((c for c in CASES if c.id == pid), None) if settings.article_cases else None
    title = case.title if case else pid
    page.html(f'<h3 id="{html.escape(pid)}">{html.escape(title)} <span class="id">{html.escape(pid)}</span></h3>')
    rec = ev.recommended or "none (ineligible)"
    page.html(f'<p class="rec"><b>Recommended:</b> {html.escape(rec)}'
              + (' <span class="close">(close call)</span>' if ev.close_call else "")
              + (f" &mdash; the article chose {html.escape(case.article_choice)}" if case else "") + "</p><ul>"
              + "".join(f"<li>{html.escape(r)}</li>" for r in ev.reasons)
              + "".join(f'<li class="warn">warning: {html.escape(w)}</li>' for w in ev.warnings) + "</ul>")
    if case is not None:
        sources = case_sources()
        page.html("<details><summary>Findings: stated, inferred (with the inference) or unknown</summary>")
        page.table(sources[sources["case"] == pid].drop(columns="case"), f"{pid}_findings")
        page.html("</details>")
    else:
        fields = {k: v for k, v in patient.to_dict().items() if v is not None}
        page.table(pd.DataFrame({"field": list(fields), "value": [str(v) for v in fields.values()]}), f"{pid}_findings")
    page.table(ev.to_df().rename_axis("modality"), f"{pid}_outcomes", show=ev.outcome_table(), index=True,
               note=f"P(outcome) per modality ({_counted_per()}, per course otherwise), "
                    "expected procedures, expected QALYs (and how far each is behind the best, in quality-adjusted "
                    "days) and P(best), averaged over parameter uncertainty on the "
                    f"model's fixed internal sample ({INTERNAL_REPLICATES} replicates of {INTERNAL_POINTS} "
                    "stratified draws; the CSV has the Monte Carlo standard error).")
    if ev.eligible:
        page.figure(plot_utility_terms(ev), f"{pid}_terms",
                    f"{pid}: each modality's QALY terms against {ev.recommended}, in quality-adjusted days.")
        terms = ev.deciding_terms()
        page.table(terms, f"{pid}_terms", show=terms.head(6)[["label", ev.ranking[0], ev.ranking[1], "days"]],
                   note=f"The terms that separate {ev.ranking[0]} from {ev.ranking[1]} (QALYs; days: their difference "
                        "in quality-adjusted days).")
        rests = model.inferences(patient, inferred_fields(pid) if case is not None else [])
        page.html(f"<p><b>What the recommendation rests on</b>: {html.escape(rests.summary())}</p>")
        page.table(rests.to_df(), f"{pid}_inferences", digits=2,
                   note="The recommendation again with each inferred direction and inferred finding undone in "
                        "turn, all else kept: each prior whose direction is inferred from the article's words (rule "
                        "inferred_direction in netlrt's priors) fixed at no effect, each finding inferred from the "
                        "case text left unknown, a stated preference set to none. A row can leave the decision as it "
                        "was (an effect the same for every modality; a finding the patient does not have). lead_days: "
                        "the recommended modality's lead over the runner-up, in quality-adjusted days (0: tied, the "
                        "first in modality order recommended).")


def _counted_per() -> str:
    """'per treatment session for a, b and c, per arterial procedure for d', from the utility's counting."""
    unit = {"treatment_sessions": "treatment session", "procedure_sessions": "arterial procedure"}
    parts = []
    for count in unit:
        names = [TERM[o].label.lower() for o, c in COUNTED_PER.items() if c == count]
        listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        parts.append(f"per {unit[count]} for {listed}")
    return ", ".join(parts)


def _psa(page: Page, model: Model, pid: str, patient: Patient, settings: Settings) -> tuple[PSAResult, pd.DataFrame]:
    import numpy as np
    import pandas as pd

    from ..plot import plot_evppi, plot_prob_best

    psa = model.psa(patient, settings.n_draws, seed=settings.seed)
    evpi = psa.evpi()
    page.html(f"<p><b>Probabilistic sensitivity analysis</b>: {psa.n_draws:,} random draws of every uncertain "
              "prior, a sample of its own: its P(best) and expected QALYs differ from the case section's by Monte "
              "Carlo error. "
              f"Expected value of perfect information: {float(evpi):.4f} QALY (SE {evpi.se:.4f}), "
              f"{float(evpi) * DAYS_PER_YEAR:.1f} quality-adjusted days per patient: what knowing every parameter "
              f"would add to the decision within the model's {model.priors['horizon_years'].mean:g}-year horizon; "
              "what a change in survival is worth beyond it is not counted, so a longer horizon gives more "
              "(<code>horizon_years</code>'s reasoning gives the shipped 10 years' share).</p>")
    summary = psa.summary()
    eu = summary[summary["outcome"] == "expected_utility"].set_index("modality")
    best = pd.DataFrame({"P(best)": psa.prob_best(), "expected QALYs": eu["mean"], "2.5%": eu["low"],
                         "97.5%": eu["high"]}).rename_axis("modality").reset_index()
    page.figure(plot_prob_best(psa), f"{pid}_prob_best", f"{pid}: probability that each modality is best (PSA).")
    u = psa.utilities
    lead, other = eu["mean"].sort_values(ascending=False).index[:2]
    diff = (u[lead] - u[other]).to_numpy() * DAYS_PER_YEAR
    page.table(psa.to_df(), f"{pid}_psa", show=best,
               note="P(best); expected QALYs: the mean over the draws, and the 2.5th and 97.5th percentiles of the "
                    "draws (their spread under parameter uncertainty, not an interval for the mean). In this sample "
                    f"{lead} leads {other} by {days(diff.mean())} quality-adjusted days (Monte Carlo SE "
                    f"{days(diff.std(ddof=1) / np.sqrt(len(diff)))}): a lead within about two standard errors is not "
                    "an order this sample establishes.")
    ranking = psa.evppi_ranking(seed=settings.seed, se=SE_ROWS)
    shown = ranking[ranking["evppi"] > 0].head(TOP)
    page.figure(plot_evppi(ranking, top=TOP), f"{pid}_evppi",
                f"{pid}: the {len(shown)} parameters most worth learning (EVPPI).")
    page.table(ranking, f"{pid}_evppi", show=shown, note=f"EVPPI (QALYs) of the {len(shown)} largest; the CSV has all "
               f"{len(ranking)}, with standard errors for the {SE_ROWS} largest. EVPPI is what learning a parameter "
               "is worth, not what decides: in a close call a parameter that turns the decision can be worth little "
               "to learn, and a value below the PSA's noise comes out 0 (its standard error does not show that "
               "smoothing). The tornado and the deciding terms show what turns the decision.")
    return psa, ranking


def local_parts(model: Model, pid: str, patient: Patient, settings: Settings) -> tuple[Page, dict[str, float]]:
    """The second half of an eligible patient's sensitivity section: the tornado and the Sobol indices."""
    from ..plot import plot_sobol, plot_tornado

    page = Page(settings.figure_format, settings.dpi)
    timings = {}
    t = time.perf_counter()
    tornado = model.one_way(patient)
    metric = f"{tornado.metric[0].lower()}{tornado.metric[1:]}"
    page.figure(plot_tornado(tornado), f"{pid}_tornado", f"{pid}: one-way sensitivity of the {metric}, each "
                "parameter over its 95% range with the others at their prior means (so its base is not the case's "
                "expected gap, which averages over every parameter); switch points exact.")
    df = tornado.to_df()
    shown = df[["parameter", "low", "high", "metric_at_low", "metric_at_high"]].assign(
        switches=tornado.switch_text().to_numpy())  # 'TAE below 3.37', not the tuples the CSV joins with '; '
    page.table(df, f"{pid}_one_way", show=shown.head(TOP),
               note=f"The {TOP} widest swings; the CSV has every one. metric_at_low and metric_at_high: "
                    f"{metric} (QALYs), the parameter at each end of its range.")
    timings["tornado"] = time.perf_counter() - t
    t = time.perf_counter()
    sobol = model.sobol(patient, n_draws=settings.sobol_draws, seed=settings.seed)
    page.figure(plot_sobol(sobol), f"{pid}_sobol", f"{pid}: Sobol indices of the recommendation's margin with "
                f"95% confidence intervals, N = {settings.sobol_draws}.")
    df = sobol.to_df()
    notes = " ".join(f"{n}." for n in sobol.notes)
    page.table(df, f"{pid}_sobol", show=df.head(TOP), note=f"The {TOP} largest total indices. {notes}")
    timings["Sobol"] = time.perf_counter() - t
    return page, timings


def trials_parts(model: Model, pid: str, settings: Settings, psa: PSAResult, ranking: pd.DataFrame) -> Page:
    """Candidate studies for one patient by EVSI, and the best size of the most valuable, from the patient's PSA
    and its EVPPI ranking."""
    import pandas as pd

    from ..analysis.designs import default_design
    from ..analysis.evsi import enbs, evsi_curve
    from ..analysis.population_scale import PopulationScale
    from ..plot import plot_enbs

    page = Page(settings.figure_format, settings.dpi)
    rows, designs = [], {}
    for pid_param in ranking["parameter"]:
        try:
            design = designs[pid_param] = default_design(model.priors, {pid_param: TRIAL_SIZE})
        except ValueError:
            continue
        e = psa.evsi(design, seed=settings.seed)
        rows.append({"parameter": pid_param, "study": design.name, "evsi": float(e), "se": e.se,
                     "days": float(e) * DAYS_PER_YEAR})
        if len(rows) == CANDIDATES:
            break
    table = pd.DataFrame(rows, columns=["parameter", "study", "evsi", "se", "days"])
    table = table.sort_values("evsi", ascending=False, kind="stable").reset_index(drop=True)
    page.html(f'<h3 id="trials-{html.escape(pid)}">{html.escape(pid)}</h3><p>Candidate studies of {TRIAL_SIZE} '
              f"patients (per arm for a comparison), each measuring one of the {CANDIDATES} parameters with the "
              "largest EVPPI (among those with a default study design), by the expected value of sample "
              f"information per patient like {html.escape(pid)} (regression on the PSA sample; EVSI cannot exceed "
              "the EVPPI of what a study measures). A modality's hazard ratio is measured against the treated "
              "cohort's baseline survival, which the exchangeable modality effects are centred on: an idealised "
              "comparator, not a therapy one could randomise to (<code>netlrt.analysis.designs</code>).</p>")
    page.table(table, f"{pid}_evsi")
    if table.empty:
        return page
    top = table["parameter"].iloc[0]
    curve = evsi_curve(psa._u(), psa.draws, lambda n: default_design(model.priors, {top: n}), TRIAL_SIZES,
                       seed=settings.seed)
    scale = PopulationScale(**POPULATION)
    result = enbs(curve, population=scale, cost_per_patient=COST_PER_PATIENT_QALY,
                  arms=designs[top].arms)
    arms = designs[top].arms
    page.html(f"<p>Expected net benefit of sampling for a study of <code>{html.escape(top)}</code> in an illustrative "
              f"population of {POPULATION['patients_per_year']} patients a year like {html.escape(pid)} for "
              f"{POPULATION['horizon_years']} years (discounted {POPULATION['discount_rate']:.0%} a year, the first "
              f"year undiscounted), each study patient costing {COST_PER_PATIENT_QALY} QALY (money divided by a "
              f"willingness to pay): of the sizes computed ({', '.join(map(str, TRIAL_SIZES))}), the best is "
              f"{_best(result.best_n)}"
              + (f" per arm; the cost counts {'both' if arms == 2 else f'all {arms}'} arms" if arms > 1 else "")
              + ".</p>")
    page.figure(plot_enbs(result), f"{pid}_enbs", f"{pid}: expected net benefit of sampling by study size.")
    page.table(result.to_df(), f"{pid}_enbs")
    return page


# ------------------------------------------------------------------------------------------------ assembly

_JOB: dict[str, Any] = {}
#: Rough CPU seconds of each kind of job, so the longest start first and the workers finish together ("trials":
#: a patient's job that also values its candidate studies, from the same PSA and EVPPI ranking).
_COST = {"trials": 3.4, "patient": 1.9, "local": 1.6, "static": 1.6}


def _job(kind: str, pid: str | None) -> Any:
    model, settings = _JOB["model"], _JOB["settings"]
    if kind == "static":
        page = Page(settings.figure_format, settings.dpi)
        timings = {}
        for name, step in (("model", model_section), ("priors", priors_section)):
            t = time.perf_counter()
            step(page, model)
            timings[name] = time.perf_counter() - t
        return page, timings
    patient = _JOB["patients"][pid]
    if kind == "local":
        return local_parts(model, pid, patient, settings)
    return patient_parts(model, pid, patient, _JOB["evaluations"][pid], settings, trials=kind == "trials")


def _warm_imports() -> None:
    """Import what the jobs use (matplotlib, SALib and the scipy.stats it loads, the analyses) once in this
    process, so that forked workers inherit them instead of each paying ~1.5 s for the imports in every report."""
    import matplotlib.pyplot  # noqa: F401
    import SALib.analyze.sobol  # noqa: F401

    from .. import plot  # noqa: F401
    from ..analysis import designs, evsi, population_scale  # noqa: F401
    from ..analysis.sensitivity import one_way, sobol  # noqa: F401


def _start_worker() -> None:
    """A worker ignores Ctrl-C, SIGTERM and SIGHUP: a terminal signals every process of the command, and a worker
    stopped inside the pool's queue would leave its lock held and the command hung. The parent is interrupted,
    stops the workers (:func:`_stop`) and says so once.

    A worker's BLAS and OpenMP use one thread: there is a worker per core already, and each worker's linear
    algebra spreading over every core made the report on two cores 40% slower (11.7 s against 8.2 s warm).
    """
    import signal

    from threadpoolctl import threadpool_limits

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)
    threadpool_limits(1)


def _stop(pool: Any) -> None:
    """Stop ``pool``'s workers at once: they ignore signals, and waiting for their running jobs made a Ctrl-C take
    as long as the jobs, and a second one, cutting the wait short, left them blocked for good. The workers are
    killed with signals held back, so the stop itself cannot be cut short."""
    from ..files.interrupts import _critical

    with _critical():
        # _processes is private, but the only handle on the workers before Python 3.14's kill_workers()
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)


def run_jobs(model: Model, patients: Mapping[str, Patient], settings: Settings, workers: int | None,
             timings: dict[str, float]) -> tuple[Page, dict[str, PatientParts], Page | None]:
    """The model and priors sections, every patient's parts and the studies section (in the job of the patient
    it is for), as independent jobs: in worker processes (fork) when there are several cores, longest first, so
    that the workers finish together."""
    import multiprocessing

    ev = {pid: model.evaluate(p) for pid, p in patients.items()}  # also builds the internal sample, inherited
    trial = "case3_y90" if settings.article_cases and "case3_y90" in patients else \
        next((pid for pid, e in ev.items() if e.eligible), None)
    if not settings.studies:
        trial = None
    jobs = ([("trials" if pid == trial else "patient", pid) for pid in patients]
            + [("local", pid) for pid in patients if ev[pid].eligible] + [("static", None)])
    jobs.sort(key=lambda job: -_COST[job[0]])  # stable: patients keep their order within a kind
    n = min(len(jobs), os.cpu_count() or 1) if workers is None else workers
    _JOB.update(model=model, patients=dict(patients), evaluations=ev, settings=settings)
    try:
        if n > 1 and "fork" in multiprocessing.get_all_start_methods():
            from concurrent.futures import ProcessPoolExecutor

            _warm_imports()
            pool = ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("fork"),
                                       initializer=_start_worker)
            try:
                results = list(pool.map(_job, *zip(*jobs)))
            except BaseException:  # Ctrl-C or a failed job: the workers' results are no longer wanted
                _stop(pool)
                raise
            pool.shutdown()
        else:
            results = [_job(kind, pid) for kind, pid in jobs]
    finally:
        _JOB.clear()
    parts, local, static, trials = {}, {}, None, None
    for (kind, pid), result in zip(jobs, results):
        if kind in ("patient", "trials"):
            parts[pid], extra = result, result.timings
            trials = result.trials or trials
        elif kind == "local":
            local[pid], extra = result
        else:
            static, extra = result
        for k, v in extra.items():
            timings[k] = timings.get(k, 0.0) + v
    for pid, page in local.items():
        parts[pid].sensitivity.merge(page)
    return static, {pid: parts[pid] for pid in patients}, trials


def cases_section(page: Page, model: Model, patients: Mapping[str, Patient], parts: Mapping[str, PatientParts],
                  settings: Settings) -> None:
    import pandas as pd

    from ..evidence.cases import CASES

    page.html(f'<h2 id="patients">{"The article&#39;s three cases" if settings.article_cases else "Patients"}</h2>')
    choice = {c.id: c.article_choice for c in CASES} if settings.article_cases else {}
    rows = []
    for pid in patients:
        ev = parts[pid].evaluation
        page.merge(parts[pid].case)
        rows.append({"patient": pid, "article's choice": choice.get(pid, ""), "recommended": ev.recommended or "none",
                     "close call": ev.close_call, "gap (days)": ev.gap * DAYS_PER_YEAR,
                     "gap Monte Carlo SE (days)": ev.gap_se * DAYS_PER_YEAR,
                     **{f"QALYs {m}": ev.expected_utility[m] for m in ev.expected_utility.index},
                     **{f"P(best) {m}": ev.prob_best[m] for m in ev.prob_best.index}})
    page.html("<h3>Summary</h3>")
    page.table(pd.DataFrame(rows), "summary", digits=4)


def sensitivity_section(page: Page, parts: Mapping[str, PatientParts]) -> None:
    page.html('<h2 id="sensitivity">Sensitivity analyses</h2>')
    for part in parts.values():
        page.merge(part.sensitivity)


def _best(n: int | None) -> str:
    if n is None:
        return "none (no size pays for itself)"
    return f"{n}" + (" (the largest size computed: larger studies may pay more)" if n == max(TRIAL_SIZES) else "")


def trials_section(page: Page, trials: Page | None) -> None:
    page.html('<h2 id="trials">Studies worth doing</h2><p>Which proposed study would most improve the decision, and '
              "how large it should be: the expected value of sample information (EVSI), scaled to a population, "
              "against the study's cost. The population and the cost are illustrations, not estimates.</p>")
    if trials is None:
        page.html("<p>Not computed: no eligible patient, or the report was built without studies.</p>")
    else:
        page.merge(trials)
