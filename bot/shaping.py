"""Drawing text in Turkish and Arabic the same on every machine: the fonts, shaping, visual order.

Pillow and matplotlib shape Arabic only where libraqm is installed, and draw it left to right.
So each line is shaped here (arabic-reshaper, limited to the font's own ligatures) and put in
visual order (python-bidi) before it is drawn. The fonts are the DejaVu Sans that matplotlib
ships: Turkish letters and Arabic presentation forms.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from arabic_reshaper import ArabicReshaper, config_for_true_type_font  # type: ignore[import-untyped]
from bidi import get_display  # type: ignore[import-untyped]


class FontMissingError(RuntimeError):
    """matplotlib's DejaVu fonts cannot be found."""


def font_path(name: str) -> Path:
    """One of the DejaVu fonts that matplotlib ships."""
    spec = find_spec("matplotlib")
    if spec is None or spec.origin is None:
        raise FontMissingError("matplotlib is not installed; drawings use its DejaVu fonts")
    path = Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf" / f"{name}.ttf"
    if not path.is_file():
        raise FontMissingError(f"font {path} is missing")
    return path


@cache
def _reshaper(name: str) -> ArabicReshaper:
    """Arabic shaping that uses only the ligatures the font has."""
    return ArabicReshaper(configuration=config_for_true_type_font(str(font_path(name))))


def visual(text: str, font: str, rtl: bool) -> str:
    """A logical line shaped and in visual order, without the invisible direction marks."""
    shaped = _reshaper(font).reshape(text)
    shown = str(get_display(shaped, base_dir="R" if rtl else "L"))
    return "".join(ch for ch in shown if unicodedata.category(ch) != "Cf")
