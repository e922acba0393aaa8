"""The bot as a separate process (`reslog serve`), as it runs in production, and its memory."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx

START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


def free_port() -> int:
    """A TCP port on loopback nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def memory_kib(pid: int, field: str) -> int:
    """A memory figure of a process from /proc (VmRSS now, VmHWM its peak), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/{pid}/status has no {field}")


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far (user and system, every thread)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class BotProcess:
    """`reslog serve` with the given environment, started and stopped around a block."""

    def __init__(self, env: dict[str, str], log_file: Path) -> None:
        self.port = free_port()
        self.env = {**os.environ, **env, "HOST": "127.0.0.1", "PORT": str(self.port)}
        self.log_file = log_file
        self.process: asyncio.subprocess.Process | None = None

    @property
    def base_url(self) -> str:
        """Where the bot's web server listens."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """The bot's process id."""
        if self.process is None:
            raise RuntimeError("the bot is not running")
        return self.process.pid

    async def __aenter__(self) -> BotProcess:
        """Start the bot and wait until /healthz answers 200."""
        reslog = Path(sys.executable).parent / "reslog"
        with self.log_file.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                str(reslog), "serve", env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + START_TIMEOUT
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                if self.process.returncode is not None:
                    raise RuntimeError(f"the bot exited at start-up:\n{self.log_tail()}")
                try:
                    if (await client.get(f"{self.base_url}/healthz")).status_code == 200:
                        return self
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        await self.__aexit__(None, None, None)
        raise RuntimeError(f"the bot did not answer /healthz in {START_TIMEOUT:.0f} s")

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the bot gracefully (SIGTERM), or kill it if it does not stop; show its log on failure."""
        if exc is not None and not isinstance(exc, asyncio.CancelledError | KeyboardInterrupt):
            print(f"the bot's last lines:\n{self.log_tail()}", file=sys.stderr)
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()

    def log_tail(self, lines: int = 20) -> str:
        """The last lines the bot wrote."""
        text = self.log_file.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])
