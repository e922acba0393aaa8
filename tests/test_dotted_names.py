"""Every module a docstring or comment names by its dotted path (``handlers.polls.file``) exists."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
NAMED = re.compile(r"``((?:handlers|bot|storage)(?:\.\w+)+)``")


def _resolves(dotted: str) -> bool:
    """Whether the longest importable prefix of a dotted name has the rest as attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(found, attribute):
                return False
            found = getattr(found, attribute)
        return True
    return False


def test_every_dotted_module_name_in_the_code_resolves() -> None:
    broken = [
        f"{path.relative_to(PROJECT_DIR)}: {name}"
        for folder in ("handlers", "bot", "storage", "tests", "bench")
        for path in sorted((PROJECT_DIR / folder).rglob("*.py"))
        for name in NAMED.findall(path.read_text(encoding="utf-8"))
        if not _resolves(name)
    ]
    assert broken == []
