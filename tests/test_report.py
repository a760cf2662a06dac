"""``netlrt report`` as a user meets it: the console script with its default folder ``reports/`` (which holds the
README the repository commits), the page it writes, and a second run that replaces only the report's own files.

The reports here use ``--draws 200 --sobol-draws 32``: every section is drawn, only the Monte Carlo error is larger.
Folder safety with real files, symlinks and signals is in test_cli_files.py.
"""

from __future__ import annotations

import html
import io
import json
import os
import re
import shutil
import stat
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import netlrt
from netlrt.cli import main
from netlrt.files import MANIFEST
from netlrt.output.report import DISCLAIMER, README_TEXT, priors_fingerprint

REPO = Path(__file__).resolve().parents[1]
CASES = ("case1_tae", "case2_tace", "case3_y90")
FAST = ["--draws", "200", "--sobol-draws", "32", "--quiet"]


def netlrt_exe() -> list[str]:
    beside = Path(sys.executable).with_name("netlrt")  # the venv's console script
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "netlrt"]


def listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def manifest(folder: Path) -> set[str]:
    return set(json.loads((folder / MANIFEST).read_text())["files"])


@pytest.fixture(scope="module")
def repo_like(tmp_path_factory) -> Path:
    """A folder like a fresh clone as far as the report is concerned: reports/ holding only the committed README."""
    root = tmp_path_factory.mktemp("clone")
    (root / "reports").mkdir()
    shipped = REPO / "reports" / "README.md"
    (root / "reports" / "README.md").write_bytes(shipped.read_bytes() if shipped.exists() else README_TEXT.encode())
    return root


@pytest.fixture(scope="module")
def first_run(repo_like) -> subprocess.CompletedProcess:
    """`netlrt report` with its defaults (the article's cases, reports/, PNG) but fewer draws, run by the script."""
    return subprocess.run([*netlrt_exe(), "report", *FAST], cwd=repo_like, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def built(first_run, repo_like) -> Path:
    assert first_run.returncode == 0, first_run.stderr
    return repo_like / "reports"


@pytest.fixture(scope="module")
def page(built) -> str:
    return (built / "index.html").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------------ the first run

def test_the_default_report_runs_in_the_folder_with_the_committed_readme(first_run, built):
    assert first_run.returncode == 0 and first_run.stderr == ""
    # one line: where, how long, and the parts slowest first
    assert re.fullmatch(r"wrote reports/index\.html in \d+\.\d s \(([a-zA-Z ]+ \d+\.\d s, )+[a-zA-Z ]+ \d+\.\d s\)\n",
                        first_run.stdout), first_run.stdout
    readme = REPO / "reports" / "README.md"
    if readme.exists():
        assert (built / "README.md").read_bytes() == readme.read_bytes()
    names = {p.name for p in built.iterdir()}
    assert names == manifest(built) | {MANIFEST}  # nothing hidden left behind, every file listed
    assert {"index.html", "README.md", "network.png", "priors.png", "summary.csv", "edges.csv"} <= names


def test_a_readme_the_user_edited_is_not_adopted(tmp_path, monkeypatch, capsys):
    (tmp_path / "reports").mkdir()
    readme = tmp_path / "reports" / "README.md"
    readme.write_text(README_TEXT + "My notes: run 3 used the edited priors.\n")
    monkeypatch.chdir(tmp_path)
    assert main(["report", *FAST]) == 2
    assert capsys.readouterr().err == ("netlrt: error: --out: 'reports' holds files netlrt did not write "
                                       "('README.md'); nothing was changed; choose an empty or new folder\n")
    assert os.listdir(tmp_path / "reports") == ["README.md"] and readme.read_text().endswith("edited priors.\n")


def test_page_is_self_contained_and_starts_with_the_disclaimer(page, built):
    assert page.index(html.escape(DISCLAIMER)) < page.index('id="model"')
    pngs = sorted(p.name for p in built.glob("*.png"))
    assert page.count('src="data:image/png;base64,') == len(pngs) >= 3 * 5 + 2
    assert not re.search(r'src="(?!data:)', page)  # nothing loaded from elsewhere: it opens offline
    for link in re.findall(r'href="([^"#][^"]*)"', page):
        assert (built / link).is_file(), link  # every link is a file beside the page
    for case in CASES:
        assert f'id="{case}"' in page and f'id="sens-{case}"' in page
        for suffix in ("outcomes.csv", "evppi.csv", "one_way.csv", "sobol.csv", "tornado.png", "sobol.png"):
            assert (built / f"{case}_{suffix}").is_file()


def test_header_names_the_priors_not_a_site_packages_path(page):
    meta = re.search(r'<p class="meta">(.*?)</p>', page, re.S).group(1)
    assert f"priors: the priors shipped with netlrt {netlrt.__version__}" in meta
    assert "site-packages" not in page and "/priors" not in meta
    assert "seed 0" in meta and "200 PSA draws" in meta and "Sobol N = 32" in meta
    assert f"(fingerprint {priors_fingerprint(netlrt.load_model().priors)})" in meta  # the numbers used, citable


def test_wide_tables_scroll_inside_the_page(page):
    css = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    assert re.search(r"\.scroll\s*\{[^}]*overflow-x:\s*auto", css)
    tables = page.count("<table")
    assert tables > 20 and page.count('<div class="scroll"><table') == tables


def test_the_articles_math_markup_is_shown_as_symbols_and_kept_verbatim_in_the_csv(page, built):
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)
    assert re.findall(r"\$[^$\s]{1,20}\$", text) == []
    assert "bilirubin &gt; 3.0 mg/dL" in text and "(ECOG &le; 2)" in text
    assert "bilirubin $>$ 3.0 mg/dL" in (built / "priors.csv").read_text(encoding="utf-8")  # the quote, verbatim


def test_tables_show_rounded_numbers_without_float_noise(page):
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)
    numbers = [c.strip() for c in re.findall(r"<td>([^<]*)</td>", text)
               if re.fullmatch(r"-?\d+(\.\d+)?(e[-+]\d+)?", c.strip())]
    assert len(numbers) > 100
    digits = [re.sub(r"e.*", "", c).lstrip("-").replace(".", "").lstrip("0") for c in numbers]
    noisy = [c for c, d in zip(numbers, digits) if len(d) > 4]
    assert noisy == []  # at most 4 significant digits: 0.4999999999999989 is shown as 0.5


def test_outcome_tables_are_the_python_evaluation(built, model, cases):
    for case in CASES:
        table = pd.read_csv(built / f"{case}_outcomes.csv").set_index("modality")
        expected = model.evaluate(cases[case]).to_df()
        cols = [c for c in expected.columns if pd.api.types.is_numeric_dtype(expected[c])]
        np.testing.assert_allclose(table[cols].to_numpy(float), expected[cols].to_numpy(float), rtol=1e-12)


def test_each_case_says_what_its_recommendation_rests_on(built, page, model, cases):
    for case in CASES:
        expected = model.inferences(cases[case], netlrt.cases.inferred_fields(case))
        table = pd.read_csv(built / f"{case}_inferences.csv", keep_default_na=False)
        assert table["undone"].tolist() == expected.to_df()["undone"].tolist()
        assert table["recommended"].tolist() == expected.to_df()["recommended"].tolist()
        assert f"<b>What the recommendation rests on</b>: {html.escape(expected.summary())}</p>" in page
    assert "renal_insufficiency = True left unknown, Y90 would be best" in page  # case 1 (docs/model.md, 9)


def test_psa_tables_say_what_their_percentiles_are_and_how_sure_the_order_is(built, page):
    said = re.findall(r"In this sample (\S+) leads (\S+) by ([0-9.e-]+) quality-adjusted days \(Monte Carlo SE "
                      r"[0-9.e-]+\)", page)
    assert len(said) == len(CASES)
    for case, (lead, other, days) in zip(CASES, said):  # the sections in order
        psa = pd.read_csv(built / f"{case}_psa.csv")
        eu = psa[psa["outcome"] == "expected_utility"].set_index("modality")["mean"].sort_values(ascending=False)
        assert [lead, other] == list(eu.index[:2]), case
        assert float(days) == pytest.approx((eu[lead] - eu[other]) * 365.25, rel=0.05), case
    assert page.count("not an interval for the mean") == len(CASES) and "95% intervals." not in page
    assert "of the sizes computed (20, 60, 150, 400, 1000), the best is" in page


def test_summary_has_the_articles_choice_beside_the_recommendation(built, model, cases):
    s = pd.read_csv(built / "summary.csv").set_index("patient")
    assert list(s.index) == list(CASES)
    assert list(s["article's choice"]) == [c.article_choice for c in netlrt.cases.CASES]
    for case in CASES:
        ev = model.evaluate(cases[case])
        assert s.loc[case, "recommended"] == ev.recommended
        assert bool(s.loc[case, "close call"]) == ev.close_call


def test_tornado_switch_points_are_the_exact_threshold(built, page, model, cases):
    assert not re.search(r"<td>\((?:[^<]*,)?\)</td>", page)  # switch points as text, not Python's tuples
    table = pd.read_csv(built / "case3_y90_one_way.csv")
    switching = table[table["changes"]].head(2)
    assert len(switching) >= 1
    for _, row in switching.iterrows():
        values = [float(x) for x in str(row["switch_values"]).split("; ")]  # the points, not a Python tuple
        exact = model.threshold(cases["case3_y90"], row["parameter"]).thresholds
        inside = [x for x in exact if row["low"] <= x <= row["high"]]
        np.testing.assert_allclose(values, inside, rtol=1e-8)


def test_sobol_shows_its_intervals_and_says_when_n_is_too_small(built, page):
    for case in CASES:
        table = pd.read_csv(built / f"{case}_sobol.csv")
        assert {"S1", "S1_conf", "ST", "ST_conf", "flag"} <= set(table.columns)
        assert (table["S1_conf"] >= 0).all() and (table["S1_conf"] > 0).sum() >= 3
    assert page.count("is not established at N = 32") == len(CASES)  # the sentences end with a full stop
    assert page.count("exchangeable effects). ") == len(CASES)


def test_evppi_figure_and_table_name_the_same_rows(page, built):
    for case in CASES:
        section = page[page.index(f'id="sens-{case}"'):]
        caption = re.search(rf"{case}: the (\d+) parameters most worth learning \(EVPPI\)", section)
        assert caption is not None
        table = section[section.index("<table", caption.end()):section.index("</table>", caption.end())]
        shown = int(caption.group(1))
        assert table.count("<tr") - 1 == shown  # the header row, then one row per parameter drawn
        ranking = pd.read_csv(built / f"{case}_evppi.csv")
        assert shown == min(10, int((ranking["evppi"] > 0).sum()))


# ------------------------------------------------------------------------------------------------ the second run

@pytest.fixture(scope="module")
def second_run(built, tmp_path_factory) -> tuple[Path, int, dict[str, bytes]]:
    """The first report copied into a new clone, with the user's own files added, the folder made 0750 and
    index.html 0600; then `netlrt report` again with the defaults but one ineligible patient, SVG figures at 72
    dpi and a priors folder with one assumption edited (its file gives no note)."""
    root = tmp_path_factory.mktemp("clone2")
    reports = root / "reports"
    shutil.copytree(built, reports, symlinks=True)
    (reports / "notes.txt").write_text("my notes on the report\n")
    (reports / "drafts").mkdir()
    (reports / "drafts" / "ch1.tex").write_text("work\n")
    os.chmod(reports / "index.html", 0o600)
    os.chmod(reports, 0o750)
    before = listing(reports)
    (root / "p.yaml").write_text("patient_id: frail\necog: 4\ngrade: G2\n")
    cwd = os.getcwd()
    os.chdir(root)
    try:
        assert main(["priors", "init", "mypriors"]) == 0
        f = root / "mypriors" / "complications.yaml"
        text = f.read_text()
        at = text.index("- id: or_pes_y90")
        f.write_text(text[:at] + text[at:].replace("interval: [0.1, 1.0]", "interval: [0.3, 1.0]", 1))
        assert main(["priors", "refit", "mypriors"]) == 0
        code = main(["report", "--patients", "p.yaml", *FAST, "--figure-format", "svg", "--dpi", "72",
                     "--workers", "1", "--priors", "mypriors"])
    finally:
        os.chdir(cwd)
    return reports, code, before


def test_second_run_replaces_only_its_own_files(second_run, built):
    reports, code, before = second_run
    assert code == 0
    assert (reports / "notes.txt").read_text() == "my notes on the report\n"
    assert (reports / "drafts" / "ch1.tex").read_text() == "work\n"
    assert stat.S_IMODE(reports.stat().st_mode) == 0o750
    assert stat.S_IMODE((reports / "index.html").stat().st_mode) == 0o600  # a replaced file keeps its mode
    assert (reports / "README.md").read_bytes() == before["README.md"]
    names = {p.name for p in reports.iterdir()}
    assert names == manifest(reports) | {MANIFEST, "notes.txt", "drafts"}
    assert not (reports / "case1_tae_outcomes.csv").exists()  # the earlier report's files are gone ...
    assert (reports / "frail_outcomes.csv").is_file()  # ... replaced by this one's
    assert (reports / "index.html").read_bytes() != before["index.html"]


def test_report_figures_have_savefigs_pixels(tmp_path, monkeypatch):
    # The report draws each figure once (netlrt.output.page.figure_bytes); savefig draws it twice, laying it out
    # first. The two give the same PNG files for every figure of the report.
    from netlrt.output import page as page_module
    from netlrt.output.report import build_report

    model = netlrt.load_model()
    options = {"progress": False, "n_draws": 200, "sobol_draws": 32}
    build_report(model, tmp_path / "once", **options)
    one_pass = page_module.figure_bytes

    def savefig(fig, fmt, dpi, name):
        if fmt != "png":
            return one_pass(fig, fmt, dpi, name)
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=dpi, pil_kwargs={"compress_level": 3})
        return out.getvalue()

    monkeypatch.setattr(page_module, "figure_bytes", savefig)
    build_report(model, tmp_path / "twice", **options)
    pngs = sorted(p.name for p in (tmp_path / "once").glob("*.png"))
    assert len(pngs) == 18 and pngs == sorted(p.name for p in (tmp_path / "twice").glob("*.png"))
    for name in pngs:
        assert (tmp_path / "once" / name).read_bytes() == (tmp_path / "twice" / name).read_bytes(), name


def test_figure_format_and_dpi(second_run):
    reports, _, _ = second_run
    for name in ("network", "priors"):
        assert (reports / f"{name}.svg").read_text().lstrip().startswith("<?xml")
        png = (reports / f"{name}.png").read_bytes()
        i = png.index(b"pHYs")
        x, y, unit = struct.unpack(">IIB", png[i + 4:i + 13])
        assert unit == 1 and x == y == round(72 / 0.0254)  # pixels per metre at 72 dpi
    page = (reports / "index.html").read_text(encoding="utf-8")
    assert '<a href="network.svg">network.svg</a>' in page


def test_header_names_an_edited_priors_folder_relative_to_here(second_run):
    page = (second_run[0] / "index.html").read_text(encoding="utf-8")
    said = re.search(r"priors: mypriors, changed: or_pes_y90 \(see its provenance\)\s*\(fingerprint ([0-9a-f]{12})\)"
                     r"\s*&middot;", page)
    assert said and said.group(1) != priors_fingerprint(netlrt.load_model().priors)
    priors = pd.read_csv(second_run[0] / "priors.csv").set_index("id")
    assert priors.loc["or_pes_y90", "provenance"] == (f"assumption (modified: differs from netlrt "
                                                      f"{netlrt.__version__}'s default (lognormal, direction "
                                                      "interval [0.1, 1] covering 95%))")
    assert (priors.drop(index="or_pes_y90")["provenance"].isin(["article", "assumption"])).all()
    assert "none (ineligible)" in page and "Ineligible for transarterial therapy" in page


# ------------------------------------------------------------------------------------------------ failures

def test_a_failing_build_keeps_the_earlier_report_and_leaves_nothing(tmp_path, monkeypatch, capsys):
    from netlrt.output import report_sections

    def boom(*args, **kwargs):
        raise RuntimeError("section failed")

    monkeypatch.setattr(report_sections, "run_jobs", boom)
    old = tmp_path / "old"
    old.mkdir()
    (old / "index.html").write_text("previous report")
    (old / MANIFEST).write_text(json.dumps({"files": ["index.html"]}))
    with pytest.raises(RuntimeError, match="section failed"):  # a bug is a bug: its traceback is wanted
        main(["report", "--out", str(old), *FAST])
    with pytest.raises(RuntimeError):
        main(["report", "--out", str(tmp_path / "new"), *FAST])
    assert sorted(os.listdir(tmp_path)) == ["old"]  # the new folder was removed again
    assert sorted(os.listdir(old)) == [MANIFEST, "index.html"]  # no hidden build folder
    assert (old / "index.html").read_text() == "previous report"


def test_worker_processes_write_the_same_report_as_one_process(tmp_path):
    """The jobs (case and PSA, tornado and Sobol, studies, static sections) run in any order on any number of
    workers and come back to the same files; an ineligible patient gets no tornado or Sobol job."""
    from netlrt.evidence.cases import article_cases
    from netlrt.output.report import build_report

    if os.cpu_count() == 1:
        pytest.skip("one core: the report never forks")
    model = netlrt.load_model()
    patients = {"case3_y90": article_cases()["case3_y90"], "frail": netlrt.Patient(ecog=4, grade="G2")}
    built = {}
    for workers in (1, 2):
        report = build_report(model, tmp_path / f"w{workers}", patients=patients, n_draws=200, sobol_draws=32,
                              progress=False, workers=workers)
        files = listing(report.path)
        files["index.html"] = re.sub(rb"generated [^&]*&middot;", b"", files["index.html"])
        built[workers] = files
        assert report.timings["Sobol"] > 0 and "frail_sobol.csv" not in files
    assert built[1].keys() == built[2].keys()
    assert [k for k in built[1] if built[1][k] != built[2][k]] == []
    readme = built[1]["README.md"].decode()  # not the repository's reports/ README, which says "writes here by default"
    assert readme.startswith("# A netlrt report\n") and f"`{MANIFEST}`" in readme
    page = built[2]["index.html"].decode()
    assert page.index('id="sens-case3_y90"') < page.index("case3_y90_tornado.png") < page.index("case3_y90_sobol.png")


def test_the_repositorys_readme_is_kept_by_any_name_and_written_only_there(model, tmp_path, monkeypatch):
    from netlrt.output.report import build_report

    clone = tmp_path / "clone"
    (clone / "reports").mkdir(parents=True)
    (clone / "reports" / "README.md").write_text(README_TEXT)
    fast = {"patients": {"frail": netlrt.Patient(ecog=4)}, "n_draws": 200, "sobol_draws": 32, "progress": False,
            "workers": 1}
    monkeypatch.chdir(tmp_path)  # elsewhere: the clone's reports/ by its full name
    build_report(model, clone / "reports", **fast)
    assert (clone / "reports" / "README.md").read_text() == README_TEXT
    for out in (tmp_path / "mine", tmp_path / "elsewhere" / "reports"):
        out.parent.mkdir(exist_ok=True)
        build_report(model, out, **fast)
        assert (out / "README.md").read_text().startswith("# A netlrt report\n"), out
    monkeypatch.chdir(clone / "reports")
    build_report(model, "../reports", **fast)  # reports/ here, spelt otherwise
    assert (clone / "reports" / "README.md").read_text() == README_TEXT
    for readme in (clone / "reports" / "README.md", tmp_path / "mine" / "README.md"):  # after a report there
        readme.write_text(readme.read_text() + "My notes: run 3 used the edited priors.\n")
        build_report(model, readme.parent, **fast)
        assert readme.read_text().endswith("My notes: run 3 used the edited priors.\n"), readme  # not replaced


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"sobol_draws": 1000}, r"sobol_draws: must be a power of two .* got 1000; allowed e\.g\. 512 or 1024"),
    ({"sobol_draws": 4}, r"sobol_draws: expected an integer >= 8, got 4"),
    ({"dpi": 10}, r"dpi: expected an integer >= 30 and <= 1,200, got 10"),
    ({"figure_format": "gif"}, r"figure_format: 'gif'; allowed: png, svg, pdf"),
    ({"patients": {"p" * 101: netlrt.Patient()}}, r"patients: id 'p{101}' not allowed; allowed: up to 100 letters"),
    ({"patients": {"-2": netlrt.Patient()}}, r"patients: id '-2' not allowed; .* starting with a letter or digit"),
    ({"patients": {"A": netlrt.Patient(), "b": netlrt.Patient(), "a": netlrt.Patient()}},
     r"patients: ids 'A' and 'a' differ only in case; allowed: ids that differ in more than case"),
])
def test_build_report_refuses_bad_settings_before_writing(model, tmp_path, kwargs, match):
    from netlrt.output.report import build_report

    with pytest.raises(ValueError, match=match):
        build_report(model, tmp_path / "r", progress=False, **kwargs)
    assert os.listdir(tmp_path) == []


def test_a_report_needs_an_uncertain_parameter_and_survives_having_no_study_to_value(model, tmp_path):
    """Every prior fixed: refused before any work (its PSA and analyses would be empty). One uncertain utility: no
    candidate study has a default design, and the studies section says so instead of failing (KeyError)."""
    from netlrt.output.report import build_report

    fixed = model.with_priors({k: model.priors[k].mean for k in model.priors.uncertain}, note="base case")
    with pytest.raises(ValueError, match=r"^priors: every parameter is fixed; .*use netlrt evaluate"):
        build_report(fixed, tmp_path / "r", progress=False)
    assert os.listdir(tmp_path) == []
    one = model.with_priors({k: model.priors[k].mean for k in model.priors.uncertain if k != "utility_alive"},
                            note="only the utility of life uncertain")
    build_report(one, tmp_path / "r", progress=False, patients={"p": netlrt.Patient()}, n_draws=200,
                 sobol_draws=16, workers=1)
    assert pd.read_csv(tmp_path / "r" / "p_evsi.csv").empty


def test_a_worker_keeps_its_linear_algebra_to_one_thread():
    """One worker per core already: a worker's BLAS spreading over every core made the report slower."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from threadpoolctl import threadpool_info

    from netlrt.output.report_sections import _start_worker

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("the report's workers are forked")
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"), initializer=_start_worker) as pool:
        pools = pool.submit(threadpool_info).result()
    assert pools and {p["num_threads"] for p in pools} == {1}
