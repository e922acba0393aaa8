"""The console channel: `make run` without a token gives a working conversation."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.console import converse
from storage.crypto import AddressCipher


async def _lines(*lines: str) -> AsyncIterator[str]:
    for line in lines:
        yield line


async def test_console_conversation_in_turkish_numbers_choose_options(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str, tmp_path: Path
) -> None:
    out: list[str] = []
    await converse(
        sessions,
        cipher,
        _lines("2", "1", "1", "1", "1", "2", "1", "/mydata"),
        out.append,
        address="ayse",
        language="en_GB",
        first=f"/start {demo}",
        files_dir=tmp_path,
    )
    text = "".join(out)
    assert "  1. English" in text and "  2. Türkçe" in text
    assert "kabul ediyor musunuz?" in text and "Veri sorumlusu" in text
    assert "Zeytinburnu Uyum Meclisi" in text
    assert "soru 1/6" in text and "soru 2/6" in text
    assert "Hakkınızda sakladığımız her şey" in text
    assert (tmp_path / "my-data.json").is_file()


def test_reslog_run_without_token_talks_arabic_on_the_demo(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**cli_env, "LANG": "ar_SY.UTF-8", "RESLOG_CONSOLE_USER": "salma"}
    python = [sys.executable, "-m", "bot.cli.main"]
    subprocess.run([*python, "demo", "seed"], env=env, check=True, capture_output=True)
    run = subprocess.run(
        [*python, "run"],
        env=env,
        input="1\n1\n",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert "  1. العربية" in run.stdout
    assert "هل توافق على المشاركة" in run.stdout and "المسؤول عن البيانات" in run.stdout
    assert "أهلاً بك في ⁨مجلس الانسجام في زيتين بورنو⁩!" in run.stdout
