"""``netlrt report``: one self-contained HTML page with the figures and tables it shows, written safely.

The page covers the model (network and edge reasons), the priors with their provenance and reading rules, the
treated population, and for each patient (by default the article's three cases) the outcomes, the expected
QALYs with the terms that decide, the recommendation and its reasons, and the sensitivity analyses (PSA with
P(best) and EVPI, the EVPPI ranking, a tornado, Sobol indices), then candidate studies by EVSI. The report is
built in a hidden folder inside the target and published only when complete; a folder holding files netlrt did
not write is refused, and only an earlier report's files are replaced (:mod:`netlrt.files`). Each patient's
sections are computed in a separate process when the machine has more than one core.

Examples
--------
>>> import netlrt, tempfile, os
>>> report = build_report(netlrt.load_model(), os.path.join(tempfile.mkdtemp(), "report"), n_draws=500,
...                       sobol_draws=32, progress=False, workers=1, studies=False)
>>> (report.path / "index.html").exists(), report.timings["cases"] >= 0
(True, True)
"""

from __future__ import annotations

import datetime
import html
import os
import re
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..analysis import MIN_DRAWS

if TYPE_CHECKING:
    from ..evidence.patient import Patient
    from ..evidence.priors import PriorSet
    from ..model import Model
    from .page import Page

__all__ = ["DISCLAIMER", "README_TEXT", "Report", "build_report", "priors_fingerprint"]

DEFAULT_OUT = "reports"
DISCLAIMER = ("Research use only. netlrt is not clinical advice and must not guide the care of any patient. Its "
              "numbers are priors read from one review article (Gaba et al., Semin Intervent Radiol 2017;34:101-108, "
              "doi:10.1055/s-0037-1602590) "
              "by stated rules, plus assumptions, each with its reasoning, where the review gives no number.")

#: Written into the report folder as README.md; the repository's reports/README.md holds the same text, which is
#: why the default folder counts as netlrt's own (:func:`netlrt.files.publish_folder`'s ``adopt``).
README_TEXT = """\
# reports/

`netlrt report` writes here by default: one self-contained HTML page (`index.html`) with the figures
(PNG) and tables (CSV) it shows. Everything in this folder except this README is generated output and is
not committed; delete it freely and run `netlrt report` again.
"""
#: The README.md of a report folder other than the default one (which is the repository's ``reports/``); it names
#: the manifest, :data:`netlrt.files.MANIFEST`.
_OTHER_README = """\
# A netlrt report

`netlrt report` wrote this folder: one self-contained HTML page (`index.html`) with the figures (PNG) and tables
(CSV) it shows. Running it again into this folder replaces only the files it wrote, which `.netlrt-report.json`
lists; files you add are kept.
"""
#: Longest patient id: ids name the report's files ("<id>_prob_best.png"), and a file name has at most 255 bytes.
MAX_ID_LENGTH = 100
_ID = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_.-]{{0,{MAX_ID_LENGTH - 1}}}")


@dataclass(frozen=True)
class Report:
    """What ``build_report`` wrote: the folder, the files, and how long each part took (seconds)."""

    path: Path
    files: tuple[str, ...]
    timings: dict[str, float]

    @property
    def seconds(self) -> float:
        return self.timings["total"]

    def timing_line(self) -> str:
        """One line: the slowest parts first."""
        parts = sorted(((k, v) for k, v in self.timings.items() if k != "total"), key=lambda kv: -kv[1])
        return ", ".join(f"{k} {v:.1f} s" for k, v in parts)


def _readme(out_dir: str | os.PathLike) -> bytes:
    """The README.md of the report folder: one the researcher edited after an earlier report, kept as it is;
    :data:`README_TEXT` in ``reports/`` here (by any name) or in a folder that holds it already (a clone's
    ``reports/`` reached from elsewhere, whose committed file must not change); the other text elsewhere."""
    ours = README_TEXT.encode(), _OTHER_README.encode()
    readme = Path(out_dir) / "README.md"
    try:
        old = readme.read_bytes() if readme.is_file() else None
    except OSError:
        old = None
    if old is not None and old not in ours:
        return old  # with no earlier report's manifest, the folder is refused for it before anything is written
    return ours[0] if old == ours[0] or os.path.realpath(out_dir) == os.path.realpath(DEFAULT_OUT) else ours[1]


def _priors_label(path: Path) -> str:
    """The priors folder as a reader should see it: 'the shipped priors', or a path relative to here."""
    from ..evidence.priors_files import is_shipped

    if is_shipped(path):
        from .. import __version__

        return f"the priors shipped with netlrt {__version__}"
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return path.name


def priors_fingerprint(priors: PriorSet) -> str:
    """12 hex digits of a SHA-256 of the priors in use: every entry with its params and provenance, the population
    shares and the preference profiles. Two reports with the same fingerprint used the same numbers, whatever the
    folder was called; a paper can cite it beside netlrt's version.

    Examples
    --------
    >>> import netlrt
    >>> m = netlrt.load_model()
    >>> priors_fingerprint(m.priors) == priors_fingerprint(netlrt.load_model().priors)
    True
    >>> priors_fingerprint(m.with_priors({"or_pes_y90": 0.5}).priors) == priors_fingerprint(m.priors)
    False
    """
    import hashlib
    import json

    content = {"priors": [p.to_entry() for p in priors.values()], "population": priors.population,
               "profiles": priors.profiles}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=repr).encode()).hexdigest()[:12]


def _changed_priors(priors: PriorSet) -> str:
    """', changed: a, b (see their provenance)' for the priors edited, changed or updated from what netlrt
    ships; empty when there are none."""
    changed = [p.id for p in priors.values() if p.modified or p.updates]
    return f", changed: {', '.join(changed)} (see {'its' if len(changed) == 1 else 'their'} provenance)" if changed \
        else ""


def build_report(model: Model, out_dir: str | os.PathLike = DEFAULT_OUT, *,
                 patients: Mapping[str, Patient] | None = None, n_draws: int = 10_000, sobol_draws: int = 1024,
                 seed: int = 0, progress: bool = True, figure_format: str = "png", dpi: int = 110,
                 workers: int | None = None, studies: bool = True) -> Report:
    """Write the report folder and return what was written.

    Parameters
    ----------
    model
        The model to report on.
    out_dir
        Target folder: absent, empty, or holding an earlier netlrt report (only that report's files are replaced).
    patients
        Patient id -> Patient; ``None`` for the article's three cases (with their sources and the article's choice).
    n_draws
        PSA draws per patient, at least :data:`netlrt.analysis.MIN_DRAWS`.
    sobol_draws
        Sobol base sample size (SALib's N; a power of two).
    seed
        Seed of every random analysis, so a report can be reproduced.
    progress
        Show which part is running (stderr, a terminal only).
    figure_format, dpi
        Format (``png``, ``svg`` or ``pdf``) and resolution of the figure files beside the page; the page
        embeds PNG.
    workers
        Processes for the patients' sections (default: the machine's cores, at most the number of patients);
        1 runs everything in this process.
    studies
        Value candidate studies by EVSI (the slowest section); ``False`` leaves it out and says so.

    Raises
    ------
    ValueError
        For bad options or a target that cannot be used; nothing is left behind.
    """
    from ..checks import positive_int, power_of_two
    from ..evidence.cases import article_cases
    from ..files import build_folder, publish_folder
    from . import report_sections as sections
    from .page import FIGURE_FORMATS, MAX_DPI, MIN_DPI, Page

    started = time.perf_counter()
    n_draws = positive_int("n_draws", n_draws, minimum=MIN_DRAWS)
    sobol_draws = power_of_two("sobol_draws", positive_int("sobol_draws", sobol_draws, minimum=8))
    dpi = positive_int("dpi", dpi, minimum=MIN_DPI, maximum=MAX_DPI)
    if workers is not None:
        workers = positive_int("workers", workers)
    if figure_format not in FIGURE_FORMATS:
        raise ValueError(f"figure_format: {figure_format!r}; allowed: {', '.join(FIGURE_FORMATS)}")
    if not model.priors.uncertain:  # before any work: the PSA, sensitivity and VOI sections would all be empty
        raise ValueError("priors: every parameter is fixed; allowed: priors with at least one uncertain parameter "
                         "(for a deterministic base case, use netlrt evaluate)")
    given = dict(article_cases() if patients is None else patients)
    if not given:
        raise ValueError("patients: no patients to report on")
    for pid in given:
        if not _ID.fullmatch(str(pid)):  # ids name files and page anchors
            raise ValueError(f"patients: id {pid!r} not allowed; allowed: up to {MAX_ID_LENGTH} letters, digits, "
                             "'_', '-' and '.', starting with a letter or digit")
    folded: dict[str, str] = {}
    for pid in map(str, given):  # on macOS and Windows file names ignore case: one patient's files would replace
        other = folded.setdefault(pid.casefold(), pid)  # the other's
        if other != pid:
            raise ValueError(f"patients: ids {other!r} and {pid!r} differ only in case; allowed: ids that differ "
                             "in more than case (they name files)")
    settings = sections.Settings(n_draws, sobol_draws, seed, figure_format, dpi, patients is None, studies)
    adopt = {"README.md": README_TEXT.encode()}
    with build_folder(out_dir, adopt=adopt) as tmp:
        timings: dict[str, float] = {}
        page = Page(figure_format, dpi)
        if progress and sys.stderr.isatty():
            print(f"netlrt report: {len(given)} patients, {n_draws:,} PSA draws each ...", file=sys.stderr)
        static, per_patient, trials = sections.run_jobs(model, given, settings, workers, timings)
        page.merge(static)
        sections.cases_section(page, model, given, per_patient, settings)
        sections.sensitivity_section(page, per_patient)
        sections.trials_section(page, trials)
        page.files["README.md"] = _readme(out_dir)
        timings["total"] = time.perf_counter() - started
        page.files["index.html"] = _html(page, model, settings).encode()
        for name, data in page.files.items():
            (tmp / name).write_bytes(data)
        publish_folder(tmp, out_dir, adopt=adopt)
    return Report(Path(out_dir), tuple(sorted(page.files)), timings)


_CSS = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; max-width: 1180px;
       margin: 0 auto; padding: 0 24px 48px; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #ddd; padding-bottom: 4px; margin-top: 2em; }
h3 .id { font: 13px monospace; color: #777; margin-left: 8px; }
.disclaimer { background: #fff4e5; border-left: 5px solid #e69f00; padding: 10px 16px; font-weight: 600; }
.meta, .file { color: #666; font-size: 13px; }
nav a { margin-right: 14px; }
.scroll { overflow-x: auto; max-width: 100%; }
table.data { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
table.data th, table.data td { border-bottom: 1px solid #e3e3e3; padding: 3px 8px; text-align: left;
                               vertical-align: top; }
table.data th { background: #f5f5f5; }
table.data td { max-width: 38em; }
figure { margin: 12px 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 13px; color: #555; }
.rec { font-size: 16px; } li.warn { color: #a33; } .close { color: #8a5a00; }
details { margin: 6px 0; } summary { cursor: pointer; color: #0072b2; }
"""


#: The article's math markup (its text is Markdown with TeX, quoted verbatim), as the page shows it; the CSV files
#: keep the verbatim text that the quote check compares with the article.
_ARTICLE_MATH = {"$&gt;$": "&gt;", "$&lt;$": "&lt;", "$\\leq$": "&le;", "$\\geq$": "&ge;", "$\\mu$": "&micro;",
                 "$^{90}\\text{Y}$": "<sup>90</sup>Y"}


def _html(page: Page, model: Model, settings: Any) -> str:
    from .. import __version__

    stamp = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    files = sorted(k for k in page.files if k != "index.html")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>netlrt report</title><style>{_CSS}</style></head>
<body>
<h1>netlrt report</h1>
<p class="disclaimer">{html.escape(DISCLAIMER)}</p>
<p class="meta">netlrt {__version__} &middot; generated {stamp} &middot;
priors: {html.escape(_priors_label(model.priors.path))}{html.escape(_changed_priors(model.priors))}
(fingerprint {priors_fingerprint(model.priors)})
&middot; seed {settings.seed} &middot; {settings.n_draws:,} PSA draws &middot; Sobol N = {settings.sobol_draws}
&middot; QALYs over {model.priors['horizon_years'].mean:g} years,
discounted {100 * model.priors['discount_rate'].mean:g}% a year</p>
<nav><a href="#model">Model</a><a href="#priors">Priors</a><a href="#patients">Patients</a>
<a href="#sensitivity">Sensitivity</a><a href="#trials">Studies worth doing</a></nav>
{_plain_math("".join(page.parts))}
<p class="meta">Figures and tables are also in this folder: {", ".join(html.escape(f) for f in files)}.</p>
</body></html>
"""


def _plain_math(text: str) -> str:
    """HTML ``text`` with the article's math markup (:data:`_ARTICLE_MATH`) as the symbols it stands for."""
    for tex, shown in _ARTICLE_MATH.items():
        text = text.replace(tex, shown)
    return text
