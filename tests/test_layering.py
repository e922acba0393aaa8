"""The conversation core and storage never reach a channel library or the wiring above them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
FORBIDDEN = ("telegram", "twilio", "starlette", "uvicorn", "httpx", "aiosmtplib", "bot")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


@pytest.mark.parametrize("package", ["handlers", "storage"])
def test_package_imports_no_channel_library(package: str) -> None:
    offending = [
        f"{path.relative_to(PROJECT_DIR)} imports {name}"
        for path in sorted((PROJECT_DIR / package).rglob("*.py"))
        for name in _imports(path)
        if name.split(".")[0] in FORBIDDEN
    ]
    assert offending == []


def test_storage_imports_nothing_above_it() -> None:
    """Storage is the bottom layer: it never imports the conversation core or the wiring."""
    offending = [
        f"{path.relative_to(PROJECT_DIR)} imports {name}"
        for path in sorted((PROJECT_DIR / "storage").rglob("*.py"))
        for name in _imports(path)
        if name.split(".")[0] in ("handlers", "bot")
    ]
    assert offending == []


@pytest.mark.parametrize("package", ["handlers", "bot"])
def test_few_top_level_modules_and_every_package_says_what_it_is_for(package: str) -> None:
    """One package a feature: at most 8 modules at the top, a docstring in every package."""
    top = [p.name for p in (PROJECT_DIR / package).glob("*.py") if p.name != "__init__.py"]
    assert len(top) <= 8, top
    for init in sorted((PROJECT_DIR / package).rglob("__init__.py")):
        tree = ast.parse(init.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"{init.relative_to(PROJECT_DIR)} has no docstring"


@pytest.mark.parametrize(("channel", "other"), [("telegram", "whatsapp"), ("whatsapp", "telegram")])
def test_one_channel_never_imports_the_other(channel: str, other: str) -> None:
    """Telegram's adapter and WhatsApp's share only what lies above them in bot/channels/."""
    offending = [
        f"{path.relative_to(PROJECT_DIR)} imports {name}"
        for path in sorted((PROJECT_DIR / "bot" / "channels" / channel).rglob("*.py"))
        for name in _imports(path)
        if name.startswith(f"bot.channels.{other}")
        or name.split(".")[0] == {"whatsapp": "twilio", "telegram": "telegram"}[other]
    ]
    assert offending == []
