"""``netlrt report``: one self-contained HTML page with the figures (PNG) and tables (CSV) it shows.

The page covers the model (network drawing and edge table), the priors with their provenance, and for
each patient (by default the article's three cases) the outcome table, the recommendation with its
reasons, and the sensitivity analyses. Everything is written to a temporary folder next to the target
and moved into place only when complete, so a failure never leaves half a report.

Examples
--------
>>> import netlrt, tempfile, os
>>> from netlrt.report import build_report
>>> out = build_report(netlrt.load_model(), os.path.join(tempfile.mkdtemp(), "report"),
...                    n_draws=200, sobol_n=32, progress=False)
>>> (out / "index.html").exists()
True
"""

from __future__ import annotations

import argparse
import base64
import datetime
import html
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from .model import Model
    from .patient import Patient

DEFAULT_OUT = "reports"
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
DEFAULT_DRAWS = 10_000
DEFAULT_SOBOL_N = 1024

DISCLAIMER = ("Research use only. netlrt is not clinical advice and must not guide the care of any patient. "
              "Its numbers are priors fitted to the ranges one review article reports (Gaba et al., Semin Intervent "
              "Radiol 2017;34:101-108), plus assumptions where the review is silent.")

#: Written into the report folder as README.md; the repository's reports/README.md holds the same text,
#: so a default report run inside the repository leaves it unchanged.
README_TEXT = """\
# reports/

`netlrt report` writes here by default: one self-contained HTML page (`index.html`) with the figures
(PNG) and tables (CSV) it shows. Everything in this folder except this README is generated output and is
not committed; delete it freely and run `netlrt report` again.
"""


@dataclass
class _Page:
    """What the sections share: the model, the options, the folder being written and the HTML so far."""

    model: Model
    patients: dict[str, Patient]
    folder: Path
    n_draws: int
    sobol_n: int
    seed: int
    article_cases: bool
    parts: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def figure(self, ax: Any, name: str, caption: str) -> None:
        """Save the figure holding ``ax`` as PNG, close it, and embed it in the page (base64)."""
        import matplotlib.pyplot as plt
        import numpy as np

        fig = np.asarray(ax).ravel()[0].figure
        path = self.folder / f"{name}.png"
        fig.savefig(path, dpi=110, bbox_inches="tight")
        plt.close(fig)
        self.files.append(path.name)
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        self.parts.append(f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(caption)}" '
                          f'data-file="{path.name}"><figcaption>{html.escape(caption)} '
                          f'<a href="{path.name}">{path.name}</a></figcaption></figure>')

    def table(self, df: pd.DataFrame, name: str, *, show: pd.DataFrame | None = None, index: bool = False,
              floats: str = "{:.3g}", note: str = "") -> None:
        """Write ``df`` as CSV and show it (or the compact view ``show``) as an HTML table."""
        path = self.folder / f"{name}.csv"
        df.to_csv(path, index=index)
        self.files.append(path.name)
        shown = df if show is None else show
        self.parts.append('<div class="scroll">'
                          + shown.to_html(index=index, index_names=False, float_format=floats.format,
                                          classes="data", border=0, escape=True, na_rep="")
                          + f'</div><p class="file">{html.escape(note)} Table: <a href="{path.name}">{path.name}</a></p>')

    def html(self, text: str) -> None:
        self.parts.append(text)


# ------------------------------------------------------------------------------------------ sections

def _section_model(page: _Page) -> None:
    from .plot import plot_network
    from .structure import edges_df

    page.html('<h2 id="model">The model</h2><p>A Bayesian network: the patient findings and the chosen modality '
              "set the probability of each outcome; a preference profile weighs the outcomes into an expected "
              "utility per modality, and the recommendation is the modality with the highest. Solid edges are "
              "stated in the article, dashed ones are assumptions (their reasoning is in the table).</p>")
    page.figure(plot_network(page.model), "network", "The network's structure.")
    page.html("<h3>Edges and their justification</h3>")
    page.table(edges_df(), "edges")


def _section_priors(page: _Page) -> None:
    from .plot import plot_priors

    page.html('<h2 id="priors">Priors and their provenance</h2><p>Every parameter is a distribution fitted to an '
              "interval read from the article (source <i>article</i>, with the quote and its reference numbers) or "
              "set by reasoning where the article is silent (source <i>assumption</i>). Grey bands are the ranges "
              f"the article quotes. Folder: <code>{html.escape(str(page.model.priors.path))}</code></p>")
    page.figure(plot_priors(page.model), "priors", "Each prior's mean and 95% interval, by unit.")
    df = page.model.priors.to_df()
    # An assumption's reasoning refers to its supporting sentence as "(quoted)", so show that sentence too.
    df["evidence"] = [q if s == "article" else (f"{r} Quoted: \u201c{q}\u201d" if q else r)
                      for q, r, s in zip(df["quote"], df["reasoning"], df["source"])]
    df["refs"] = df["refs"].str.replace(",", ", ")
    page.table(df[["id", "description", "unit", "distribution", "mean", "low", "high", "source", "refs",
                   "evidence"]], "priors")


def _section_patients(page: _Page) -> None:
    import pandas as pd

    from .cases import CASES, case_sources

    title = "The article's three cases" if page.article_cases else "Patients"
    page.html(f'<h2 id="patients">{title}</h2>')
    rows = []
    choice = {c.id: c.article_choice for c in CASES} if page.article_cases else {}
    sources = case_sources() if page.article_cases else None
    for pid, patient in page.patients.items():
        ev = page.model.evaluate(patient)
        rows.append({"patient": pid, "article's choice": choice.get(pid, ""),
                     "recommended": ev.recommended or "none (ineligible)",
                     **{f"EU {m}": ev.expected_utility[m] for m in ev.expected_utility.index}})
        heading = next((c.title for c in CASES if c.id == pid), pid) if page.article_cases else pid
        page.html(f'<h3 id="{html.escape(pid)}">{html.escape(heading)} <span class="id">{html.escape(pid)}</span></h3>')
        page.html(f'<p class="rec"><b>Recommended:</b> {html.escape(ev.recommended or "none (ineligible)")}'
                  + (f" &mdash; the article chose {html.escape(choice[pid])}" if pid in choice else "") + "</p>"
                  + "<ul>" + "".join(f"<li>{html.escape(r)}</li>" for r in ev.reasons)
                  + "".join(f'<li class="warn">warning: {html.escape(w)}</li>' for w in ev.warnings) + "</ul>")
        if sources is not None:
            page.html("<details><summary>Findings and where they come from</summary>")
            page.table(sources[sources["case"] == pid].drop(columns="case"), f"{pid}_findings")
            page.html("</details>")
        else:
            fields = {k: v for k, v in patient.to_dict().items() if v is not None}
            page.table(pd.DataFrame({"field": list(fields), "value": [str(v) for v in fields.values()]}),
                       f"{pid}_findings")
        out = ev.to_df()
        # Shown with outcomes as rows; the CSV keeps one row per modality.
        page.table(out.rename_axis("modality").reset_index(), f"{pid}_outcomes", show=ev.outcome_table(),
                   index=True, floats="{:.3f}", note="Probability of each outcome, and the expected utility, per modality.")
    page.html("<h3>Summary</h3>")
    page.table(pd.DataFrame(rows), "summary", floats="{:.3f}")


#: Rows of a ranking shown on the page (the CSV files hold them all).
TOP = 10
_ONE_WAY_SHOWN = ("parameter", "low", "high", "metric_at_low", "metric_at_high", "swing", "best_at_low",
                  "best_at_high")


def _section_sensitivity(page: _Page, pid: str) -> None:
    import pandas as pd

    from .plot import plot_evppi, plot_prob_best, plot_sobol, plot_tornado

    patient = page.patients[pid]
    if not page.model.evaluate(patient).eligible:
        page.html(f'<h3>{html.escape(pid)}</h3><p>Ineligible for transarterial therapy: no sensitivity analysis.</p>')
        return
    page.html(f'<h3 id="sens-{html.escape(pid)}">{html.escape(pid)}</h3>')
    psa = page.model.psa(patient, page.n_draws, seed=page.seed, progress=False)
    evpi = psa.evpi()
    page.html(f"<p><b>Probabilistic sensitivity analysis</b>: {psa.n_draws:,} draws of every uncertain prior. "
              f"Expected value of perfect information (EVPI): {float(evpi):.4f} (SE {evpi.se:.4f}) on the utility "
              "scale; what resolving all the uncertainty would add to the expected utility of the decision.</p>")
    summary = psa.summary()
    eu = summary[summary["outcome"] == "expected_utility"].set_index("modality")
    best = pd.DataFrame({"P(best)": psa.prob_best(), "expected utility": eu["mean"],
                         "2.5%": eu["low"], "97.5%": eu["high"]}).rename_axis("modality").reset_index()
    page.figure(plot_prob_best(psa), f"{pid}_prob_best", f"{pid}: probability that each modality is best (PSA).")
    page.table(psa.to_df(), f"{pid}_psa", show=best, floats="{:.3f}",
               note="Probability that each modality is best, and its expected utility with a 95% interval.")
    ranking = psa.evppi_ranking(seed=page.seed)
    page.figure(plot_evppi(ranking), f"{pid}_evppi", f"{pid}: which parameter is most worth learning (EVPPI).")
    page.table(ranking, f"{pid}_evppi", show=ranking.head(TOP), floats="{:.3g}",
               note=f"Expected value of partial perfect information per parameter: the {TOP} largest.")
    tornado = page.model.one_way(patient)
    page.figure(plot_tornado(tornado), f"{pid}_tornado",
                f"{pid}: one-way sensitivity (tornado) of the gap between the best and second-best modality.")
    df = tornado.to_df()
    page.table(df, f"{pid}_one_way", show=df[[c for c in _ONE_WAY_SHOWN if c in df]].head(TOP),
               note=f"The {TOP} widest swings; the CSV has every parameter.")
    sobol = page.model.sobol(patient, n=page.sobol_n, seed=page.seed)
    page.figure(plot_sobol(sobol), f"{pid}_sobol",
                f"{pid}: Sobol indices (first order S1 and total ST) of the recommendation's margin, "
                f"n = {page.sobol_n}.")
    df = sobol.to_df()
    shown = df[[c for c in ("parameter", "S1", "S1_conf", "ST", "ST_conf") if c in df]].head(TOP)
    page.table(df, f"{pid}_sobol", show=shown, note=f"The {TOP} largest total indices; the CSV has all.")


# -------------------------------------------------------------------------------------------- build

def build_report(model: Model, out_dir: str | Path = DEFAULT_OUT, *, patients: Mapping[str, Patient] | None = None,
                 n_draws: int = DEFAULT_DRAWS, sobol_n: int = DEFAULT_SOBOL_N, seed: int = 0,
                 progress: bool = True) -> Path:
    """Write the report folder (``index.html``, PNG figures, CSV tables, README.md) and return its path.

    Parameters
    ----------
    model
        The model to report on.
    out_dir
        Target folder; its parent must exist. An existing folder is replaced, but only once the new
        report is complete.
    patients
        Patient id -> Patient; ``None`` for the article's three cases (with their sources).
    n_draws
        Draws of the probabilistic sensitivity analysis per patient.
    sobol_n
        Base sample size of the Sobol analysis (SALib's ``N``; a power of two).
    seed
        Seed of every random analysis, so a report can be reproduced.
    progress
        Show a tqdm progress bar (on stderr, and only when it is a terminal).

    Raises
    ------
    ValueError
        When the target cannot be written (missing parent, a file in the way, no permission), or for
        bad options; nothing is left behind.

    Examples
    --------
    See the module's example; from the command line, ``netlrt report``.
    """
    from tqdm import tqdm

    from .cases import article_cases

    for name, value in (("n_draws", n_draws), ("sobol_n", sobol_n)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}: must be a positive integer, got {value!r}")
    for pid in patients or ():
        if not _ID.fullmatch(str(pid)):  # ids name files and page anchors
            raise ValueError(f"patients: id {pid!r} not allowed; allowed: letters, digits, '_', '-' and '.'")
    target = Path(out_dir)
    parent = target.absolute().parent
    if target.exists() and not target.is_dir():
        raise ValueError(f"out: {str(target)!r} exists and is not a folder")
    if not parent.is_dir():
        raise ValueError(f"out: folder {str(parent)!r} does not exist")
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
    except OSError as exc:
        raise ValueError(f"out: cannot write in {str(parent)!r}: {exc.strerror}") from None

    page = _Page(model, dict(article_cases() if patients is None else patients), tmp, n_draws, sobol_n, seed,
                 patients is None)
    steps: list[tuple[str, Callable[[], None]]] = [
        ("model", lambda: _section_model(page)),
        ("priors", lambda: _section_priors(page)),
        ("patients", lambda: _section_patients(page)),
        ("sensitivity", lambda: page.html('<h2 id="sensitivity">Sensitivity analyses</h2>')),
    ]
    steps += [(f"sensitivity {pid}", lambda pid=pid: _section_sensitivity(page, pid)) for pid in page.patients]
    try:
        bar = tqdm(steps, desc="netlrt report", unit="section", disable=not progress or not sys.stderr.isatty())
        for name, step in bar:
            bar.set_postfix_str(name)
            step()
        (tmp / "index.html").write_text(_html(page), encoding="utf-8")
        (tmp / "README.md").write_text(README_TEXT, encoding="utf-8")
        _move_into_place(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _move_into_place(tmp: Path, target: Path) -> None:
    """Rename the finished folder onto ``target``; an old report is set aside first and then deleted."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=tmp.parent))
        os.replace(target, old)  # onto the empty folder just made: an atomic rename on POSIX
    try:
        os.replace(tmp, target)
    except OSError:
        if old is not None:
            os.replace(old, target)  # put the previous report back
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


_CSS = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; max-width: 1180px;
       margin: 0 auto; padding: 0 24px 48px; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #ddd; padding-bottom: 4px; margin-top: 2em; }
h3 .id { font: 13px monospace; color: #777; margin-left: 8px; }
.disclaimer { background: #fff4e5; border-left: 5px solid #e69f00; padding: 10px 16px; font-weight: 600; }
.meta, .file { color: #666; font-size: 13px; }
nav a { margin-right: 14px; }
.scroll { overflow-x: auto; }
table.data { border-collapse: collapse; font-size: 13px; margin: 8px 0; width: 100%; }
table.data th, table.data td { border-bottom: 1px solid #e3e3e3; padding: 3px 8px; text-align: left;
                               vertical-align: top; }
table.data th { background: #f5f5f5; }
table.data td:first-child { white-space: nowrap; }
figure { margin: 12px 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 13px; color: #555; }
.rec { font-size: 16px; } li.warn { color: #a33; }
details { margin: 6px 0; } summary { cursor: pointer; color: #0072b2; }
"""


def _html(page: _Page) -> str:
    from . import __version__

    stamp = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>netlrt report</title><style>{_CSS}</style></head>
<body>
<h1>netlrt report</h1>
<p class="disclaimer">{html.escape(DISCLAIMER)}</p>
<p class="meta">netlrt {__version__} &middot; generated {stamp} &middot; priors
<code>{html.escape(str(page.model.priors.path))}</code> &middot; seed {page.seed} &middot;
{page.n_draws} PSA draws &middot; Sobol n = {page.sobol_n}</p>
<nav><a href="#model">Model</a><a href="#priors">Priors</a><a href="#patients">Patients</a>
<a href="#sensitivity">Sensitivity</a></nav>
{"".join(page.parts)}
<p class="meta">Figures and tables are also in this folder: {", ".join(html.escape(f) for f in page.files)}.</p>
</body></html>
"""


# ------------------------------------------------------------------------------------------ patients

def read_patients(path: str | Path) -> dict[str, Patient]:
    """Patients from a YAML file (a list of mappings, or a mapping id -> fields) or a CSV file (one row each).

    An ``id`` field names a patient (default ``patient1``, ``patient2``, ...). In a CSV file an empty cell
    means the field's default, and booleans are ``true``/``false`` (or yes/no, 1/0).

    Raises
    ------
    ValueError
        Naming the file, the patient and the field that is wrong.

    Examples
    --------
    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "p.csv"
    >>> _ = f.write_text("id,grade,burden,distribution,biliary,ecog\\nA,G1,low,unilobar_oligo,intact,1\\n")
    >>> read_patients(f)["A"].ecog
    1
    """
    import yaml

    from .patient import Patient

    path = Path(path)
    where = f"patients file {str(path)!r}"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{where}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None
    if path.suffix.lower() == ".csv":
        return _read_csv_patients(where, text)
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise ValueError(f"{where}: unknown file type {path.suffix!r}; allowed: .yaml, .yml, .csv")
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        raise ValueError(f"{where}: not valid YAML") from None
    if isinstance(doc, dict) and all(isinstance(v, dict) for v in doc.values()):
        records = [{"id": str(k), **v} for k, v in doc.items()]
    elif isinstance(doc, list):
        records = doc
    else:
        raise ValueError(f"{where}: expected a list of patients or a mapping id -> patient fields")
    if not records:
        raise ValueError(f"{where}: no patients in it")
    out: dict[str, Patient] = {}
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            raise ValueError(f"{where}: patient #{i + 1} is not a mapping of field: value")
        rec = dict(rec)
        pid = str(rec.pop("id", f"patient{i + 1}"))
        if pid in out:
            raise ValueError(f"{where}: duplicate patient id {pid!r}")
        try:
            out[pid] = Patient(**rec)
        except ValueError as exc:
            raise ValueError(f"{where}: patient {pid!r}: {exc}") from None
    return out


def _read_csv_patients(where: str, text: str) -> dict[str, Patient]:
    """A CSV table of patients, parsed by the cohort rules (one parser for every table of patients)."""
    import io

    import pandas as pd

    from .cohort import ID_COLUMN, parse_patients

    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ValueError(f"{where}: not a valid CSV table ({' '.join(str(exc).split())})") from None
    if df.empty:
        raise ValueError(f"{where}: no patients in it")
    df = df.rename(columns={"id": ID_COLUMN})
    df.index = pd.RangeIndex(1, len(df) + 1)  # data rows counted from 1 below the header
    if ID_COLUMN not in df.columns:
        df[ID_COLUMN] = [f"patient{i}" for i in df.index]
    try:
        patients, problems = parse_patients(df)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    if problems:
        raise ValueError(f"{where}: " + "; ".join(problems))
    return {str(k): v for k, v in patients.items()}


def add_cli_parser(sub: Any) -> None:
    """Declare ``netlrt report``."""
    p = sub.add_parser("report", help="the HTML report: model, priors, the article's cases, sensitivity analyses")
    p.add_argument("--out", metavar="DIR", default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT}/)")
    p.add_argument("--patients", metavar="FILE", help="YAML or CSV file of patients (default: the article's cases)")
    p.add_argument("--draws", type=int, default=DEFAULT_DRAWS, help=f"PSA draws per patient (default: {DEFAULT_DRAWS})")
    p.add_argument("--seed", type=int, default=0, help="seed of the random analyses (default: 0)")
    p.add_argument("--priors", metavar="DIR", help="priors folder (default: the shipped priors)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def run_cli(args: argparse.Namespace) -> int:
    """Run ``netlrt report``; a mistake raises ValueError, which the CLI reports in one line."""
    from .model import load_model

    patients = read_patients(args.patients) if args.patients else None
    out = build_report(load_model(args.priors), args.out, patients=patients, n_draws=args.draws, seed=args.seed,
                       progress=not args.quiet)
    print(f"wrote {out / 'index.html'}")
    return 0
