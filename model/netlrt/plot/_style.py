"""Shared look of netlrt's figures: one colour per modality in every plot (Okabe-Ito, colour-blind safe),
and new figures made one way."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes

MODALITY_COLORS: dict[str, str] = {"TAE": "#E69F00", "cTACE": "#56B4E9", "DEE-TACE": "#009E73", "Y90": "#CC79A7"}


def axes_or_new(ax: Axes | None, size: tuple[float, float]) -> Axes:
    """``ax`` itself, or the Axes of a new figure of ``size`` inches when ``ax`` is None."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax
