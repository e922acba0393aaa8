"""Long-running `reslog` processes (run, serve, worker) started as deployed, for end-to-end tests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

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


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Serving:
    """One `reslog serve` process and where it listens."""

    process: asyncio.subprocess.Process
    base_url: str

    def kill(self) -> None:
        """SIGKILL: the process dies at once, in the middle of whatever it was doing."""
        if self.process.returncode is None:
            self.process.kill()


async def _wait_healthy(base_url: str, process: asyncio.subprocess.Process) -> None:
    """Wait until the process answers /healthz; fail at once if it exits."""
    async with asyncio.timeout(EXIT_TIMEOUT * 3), httpx.AsyncClient() as http:
        while True:
            if process.returncode is not None:
                _out, err = await process.communicate()
                raise AssertionError(f"reslog serve exited: {err.decode(errors='replace')}")
            try:
                if (await http.get(f"{base_url}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)


@asynccontextmanager
async def serving(count: int, env: dict[str, str], cwd: Path) -> AsyncIterator[list[Serving]]:
    """``count`` `reslog serve` processes on one database, each on its own port, once all
    answer /healthz; on leaving, the living ones are stopped with SIGTERM and must exit cleanly."""
    started: list[Serving] = []
    try:
        for _index in range(count):
            port = free_port()
            process = await start_reslog("serve", env={**env, "PORT": str(port)}, cwd=cwd)
            started.append(Serving(process, f"http://127.0.0.1:{port}"))
        for server in started:
            await _wait_healthy(server.base_url, server.process)
        yield started
    finally:
        errors: list[str] = []
        for server in started:
            killed = server.process.returncode is not None
            if not killed:
                server.process.send_signal(signal.SIGTERM)
            try:
                _out, err = await asyncio.wait_for(server.process.communicate(), EXIT_TIMEOUT)
            except TimeoutError:
                server.kill()
                await server.process.wait()
                errors.append("reslog serve did not stop on SIGTERM")
                continue
            log = err.decode(errors="replace")
            if not killed and (server.process.returncode != 0 or "Traceback" in log):
                errors.append(log)
    assert not errors, "\n".join(errors)
