"""Pixel helpers for the browser tests (PIL + NumPy)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

#: Screenshots of every browser test (git-ignored).
ARTIFACTS = Path(__file__).parent / "artifacts"


def image(png: bytes) -> np.ndarray:
    """(H, W, 3) uint8 RGB of a PNG screenshot."""
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def fraction_near(img: np.ndarray, rgb: tuple[int, int, int], tol: int = 12) -> float:
    """Fraction of pixels within ``tol`` (per channel) of ``rgb``."""
    d = np.abs(img.astype(int) - np.asarray(rgb, int)).max(axis=2)
    return float((d <= tol).mean())


def near_at(img: np.ndarray, x: float, y: float, rgb: tuple[int, int, int], tol: int = 40, r: int = 2) -> bool:
    """Is any pixel within ``r`` px of (x, y) within ``tol`` of ``rgb``?"""
    xi, yi = int(round(x)), int(round(y))
    box = img[max(yi - r, 0): yi + r + 1, max(xi - r, 0): xi + r + 1]
    if box.size == 0:
        return False
    return bool((np.abs(box.astype(int) - np.asarray(rgb, int)).max(axis=2) <= tol).any())
