"""The conversation core and storage never reach a channel library or the wiring above them, and
all SQL lives in storage/: the core only passes its session to storage's repositories."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
FORBIDDEN = ("telegram", "twilio", "starlette", "uvicorn", "httpx", "aiohttp", "aiosmtplib", "bot")
# Below the conversation core, but not for it to run: schema changes are the wiring's to make.
MIGRATIONS = ("storage.migrations", "storage.migrate", "alembic")
SESSION_TYPE = ("sqlalchemy.ext.asyncio", "AsyncSession")


def _imports(path: Path) -> list[str]:
    """Every module a file imports, and every name it imports from one (``module.name``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _within(name: str, modules: tuple[str, ...]) -> bool:
    """Whether a dotted name is one of these modules or lies inside one."""
    return any(name == module or name.startswith(f"{module}.") for module in modules)


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


def test_handlers_take_nothing_from_sqlalchemy_but_the_session_type() -> None:
    """No select, update, func or ORM query in the core: it hands its ``AsyncSession`` to
    storage's repositories, and may only add, flush and commit on it."""
    offending: list[str] = []
    for path in sorted((PROJECT_DIR / "handlers").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found = [a.name for a in node.names if a.name.split(".")[0] == "sqlalchemy"]
            elif (
                isinstance(node, ast.ImportFrom)
                and (node.module or "").split(".")[0] == "sqlalchemy"
            ):
                found = [
                    f"{node.module}.{a.name}"
                    for a in node.names
                    if (node.module, a.name) != SESSION_TYPE
                ]
            else:
                continue
            offending += [f"{path.relative_to(PROJECT_DIR)} imports {name}" for name in found]
    assert offending == []


def test_handlers_import_no_migrations() -> None:
    """The core neither runs nor reads the schema's migrations."""
    offending = [
        f"{path.relative_to(PROJECT_DIR)} imports {name}"
        for path in sorted((PROJECT_DIR / "handlers").rglob("*.py"))
        for name in _imports(path)
        if _within(name, MIGRATIONS)
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
