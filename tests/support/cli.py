"""Run the `reslog` command line as real processes, as a person or a script would."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

TIMEOUT = 120


@dataclass(frozen=True)
class Run:
    """What one `reslog` process did."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def ok(self) -> str:
        """Its output, after checking it succeeded."""
        assert self.returncode == 0, (self.args, self.stdout, self.stderr)
        return self.stdout

    def refused(self, *fragments: str) -> str:
        """Its one error line, after checking it failed with exit 2 and says each fragment."""
        assert self.returncode == 2, (self.args, self.stdout, self.stderr)
        assert "Traceback" not in self.stderr, self.stderr
        lines = self.stderr.strip().splitlines()
        assert len(lines) == 1, self.stderr
        assert lines[0].startswith("reslog: error: "), lines[0]
        for fragment in fragments:
            assert fragment in lines[0], (fragment, lines[0])
        return lines[0]


async def reslog(env: dict[str, str], *args: str | Path) -> Run:
    """Run `reslog ARGS` as its own process, in an empty directory (no stray .env)."""
    return (await reslog_all(env, [args]))[0]


async def reslog_all(env: dict[str, str], commands: Sequence[Sequence[str | Path]]) -> list[Run]:
    """Run several `reslog` commands at once."""

    async def one(args: Sequence[str | Path]) -> Run:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli.main",
            *map(str, args),
            env=env,
            cwd=env["HOME"],
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), TIMEOUT)
        assert process.returncode is not None
        return Run(tuple(map(str, args)), process.returncode, out.decode(), err.decode())

    return list(await asyncio.gather(*(one(args) for args in commands)))
