"""Shared look of netlrt's figures: one colour per modality in every plot (Okabe-Ito, colour-blind safe)."""

from __future__ import annotations

MODALITY_COLORS: dict[str, str] = {"TAE": "#E69F00", "cTACE": "#56B4E9", "DEE-TACE": "#009E73", "Y90": "#CC79A7"}
