"""Long-running `reslog` processes (run, serve, worker) started as deployed, for end-to-end tests."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from tests.fakes.bot_api import FakeBotApi

RESLOG = Path(sys.executable).parent / "reslog"
EXIT_TIMEOUT = 20.0


async def start_reslog(*args: str, env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    """Start `reslog <args>` with its output piped."""
    return await asyncio.create_subprocess_exec(
        str(RESLOG),
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


@asynccontextmanager
async def running_reslog(
    *args: str, env: dict[str, str], cwd: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Run `reslog <args>`; on leaving, stop it with SIGTERM and check it exits cleanly."""
    process = await start_reslog(*args, env=env, cwd=cwd)
    try:
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        try:
            _out, err = await asyncio.wait_for(process.communicate(), EXIT_TIMEOUT)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise
    assert process.returncode == 0, err.decode(errors="replace")
    assert "Traceback" not in err.decode(errors="replace")


def telegram_env(cli_env: dict[str, str], fake: FakeBotApi, **extra: str) -> dict[str, str]:
    """The process environment: the test database, and Telegram pointed at the fake."""
    return {
        **cli_env,
        "PATH": os.environ.get("PATH", ""),
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        **extra,
    }
