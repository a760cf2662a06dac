"""Shared fixtures. Figures are drawn with the non-interactive Agg backend and matplotlib's default settings (an
empty matplotlibrc, so a developer's own settings do not change what the tests compare)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ["MATPLOTLIBRC"] = str(Path(__file__).with_name("matplotlibrc"))
# A job a script starts in the background (`cmd &`) inherits Ctrl-C ignored, and so would every process the tests
# interrupt as a terminal does; they need the default, as in a terminal.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

REPO = Path(__file__).resolve().parents[1]
SEED_DIR = REPO.parent / "shared" / "seed"


@pytest.fixture(scope="session")
def model():
    import netlrt

    return netlrt.load_model()


@pytest.fixture(scope="session")
def cases():
    import netlrt

    return netlrt.cases.article_cases()


@pytest.fixture(scope="session")
def article_text() -> str:
    """The seed article, whitespace-normalised; the test is skipped where ../shared/seed is absent."""
    files = sorted(SEED_DIR.glob("*.md")) if SEED_DIR.is_dir() else []
    if not files:
        pytest.skip(f"seed article not found under {SEED_DIR}; quote checks need ../shared/seed/")
    return " ".join(" ".join(f.read_text(encoding="utf-8") for f in files).split())
