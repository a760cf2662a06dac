"""The README's Python examples run as written, in order, in one session (as a reader pastes them)."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_python_blocks_run_in_order():
    import matplotlib.pyplot as plt

    blocks = re.findall(r"^```python\n(.*?)^```", README.read_text(encoding="utf-8"), flags=re.S | re.M)
    assert len(blocks) >= 3
    session: dict = {}
    try:
        for i, block in enumerate(blocks, start=1):
            exec(compile(block, f"README.md python block {i}", "exec"), session)  # noqa: S102 (our own README)
    finally:
        plt.close("all")
    # what the last block ends with: the user's studies are in the updated priors, with their citations
    assert session["updated"].priors["or_pes_y90"].updates == ("your study: authors, journal, year",)
    assert session["ev"].recommended in ("TAE", "cTACE", "DEE-TACE", "Y90")
