"""How fast and how exactly a notice goes out to many people, beside the bare request rate.

    python -m bench.broadcast [--backend sqlite postgres] [--recipients 20000] [--rate 500]

For each database: a fresh migrated database with the demo assembly and ``--recipients``
members written in bulk; a fake Bot API on loopback that knows each of them; the dispatcher as
its own process (`reslog worker`, ``TELEGRAM_RATE=--rate``). Then:

1. baseline: bare ``sendMessage`` requests from httpx to the same fake, as many at a time as
   the dispatcher sends in one round: the rate this machine gives the fake at all;
2. clean run: one urgent notice queued to everyone (the notice and its outbox rows in one
   transaction), the worker started, and the time from its first message to its last;
3. killed run: a second notice, the worker killed with SIGKILL once half of it has gone, then
   started again until the outbox is drained.

For each run it counts, from what the fake received, the people who got the notice once,
more than once (duplicates) and not at all (missing), and the outbox rows left
``unconfirmed`` (under way at the kill: not sent again, since they may have arrived).
PostgreSQL comes from RESLOG_BENCH_POSTGRES_URL (`make bench` starts the machine's server).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.bot_process import cpu_seconds, memory_kib
from bench.databases import add_backend_argument, on_each_database
from bench.people import Demo, language_of, seed_demo_assembly, seed_people
from bot.outbox.dispatcher import DispatchConfig
from handlers.notices.queue import queue_notice
from storage.base import utcnow
from storage.crypto import AddressCipher, generate_secret_key
from storage.engine import create_engine, create_sessionmaker
from storage.models import Notice, OutboxMessage
from storage.outbox import pending_count
from tests.fakes.bot_api import FakeBotApi

GOALS = "goals: ≥ 95% of the configured rate, 0 duplicates, 0 missing"
FIRST_USER = 40_000_000
BASELINE_REQUESTS = 3000
DRAIN_TIMEOUT = 600.0
POLL_SECONDS = 0.1
STOP_TIMEOUT = 15.0


@dataclass(frozen=True)
class Run:
    """One broadcast: how long it took and what the fake received."""

    name: str
    seconds: float
    delivered_once: int
    duplicates: int
    missing: int
    unconfirmed: int
    worker_cpu_ms: float
    worker_peak_rss_kib: int

    def rate(self, recipients: int) -> float:
        """Messages per second from the first to the last."""
        return (recipients - self.missing) / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class Figures:
    """What one database's run measured."""

    backend: str
    recipients: int
    queue_seconds: float
    baseline_rate: float
    runs: list[Run]


class Worker:
    """`reslog worker` as its own process, its output kept in a log file."""

    def __init__(self, env: dict[str, str], log_file: Path) -> None:
        self.env = {**os.environ, **env}
        self.log_file = log_file
        self.process: subprocess.Popen[bytes] | None = None
        self.cpu = 0.0
        self.peak_rss_kib = 0

    def start(self) -> None:
        """Start the worker."""
        reslog = Path(sys.executable).parent / "reslog"
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                [str(reslog), "worker"], env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def _measure(self) -> None:
        """Add up the CPU the worker used and remember its peak memory, while it still runs."""
        if self.process is not None and self.process.poll() is None:
            self.cpu += cpu_seconds(self.process.pid)
            self.peak_rss_kib = max(self.peak_rss_kib, memory_kib(self.process.pid, "VmHWM"))

    async def stop(self, sig: signal.Signals = signal.SIGTERM) -> None:
        """Stop it with ``sig`` (SIGTERM: gracefully; SIGKILL: at once) and wait for it."""
        if self.process is None:
            return
        self._measure()
        self.process.send_signal(sig)
        try:
            await asyncio.to_thread(self.process.wait, STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            await asyncio.to_thread(self.process.wait)
        if sig == signal.SIGTERM and self.process.returncode != 0:
            tail = self.log_file.read_text(errors="replace").splitlines()[-20:]
            raise RuntimeError("the worker failed:\n" + "\n".join(tail))
        self.process = None


def sent_texts(fake: FakeBotApi, start: int) -> list[tuple[int, str]]:
    """(chat, text) of every sendMessage the fake received from call ``start`` on."""
    return [
        (int(call.params["chat_id"]), str(call.params["text"]))
        for call in fake.calls[start:]
        if call.method == "sendMessage"
    ]


async def wait_for_messages(fake: FakeBotApi, start: int, count: int, worker: Worker) -> None:
    """Wait until ``count`` messages arrived since call ``start`` (or the worker died)."""
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while len(sent_texts(fake, start)) < count:
        if worker.process is not None and worker.process.poll() is not None:
            raise RuntimeError(f"the worker exited early; see {worker.log_file}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(sent_texts(fake, start))} of {count} messages arrived")
        await asyncio.sleep(POLL_SECONDS)


async def drained(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Wait until no Telegram row is pending or under way."""
    async with asyncio.timeout(DRAIN_TIMEOUT):
        while True:
            async with sessions() as session:
                if await pending_count(session, "telegram") == 0:
                    return
            await asyncio.sleep(POLL_SECONDS)


async def queue(sessions: async_sessionmaker[AsyncSession], demo: Demo, label: str) -> int:
    """An urgent notice to the whole demo assembly, confirmed; its id."""
    texts = {"tr": f"Duyuru {label}", "ar": f"إشعار {label}", "en": f"Notice {label}"}
    async with sessions() as session:
        notice = Notice(assembly_id=demo.assembly_id, text=texts, urgent=True)
        session.add(notice)
        await session.flush()
        await queue_notice(session, notice, utcnow())
        await session.commit()
        return notice.id


async def unconfirmed(sessions: async_sessionmaker[AsyncSession], notice_id: int) -> int:
    """Rows of a notice left under way by a killed worker."""
    async with sessions() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.notice_id == notice_id, OutboxMessage.status == "unconfirmed")
        )
    return int(count or 0)


def tally(
    name: str, fake: FakeBotApi, start: int, user_ids: Sequence[int]
) -> tuple[float, Counter[int]]:
    """Seconds from the first to the last message since call ``start``, and messages per person."""
    calls = [c for c in fake.calls[start:] if c.method == "sendMessage"]
    if not calls:
        raise RuntimeError(f"{name}: nothing was sent")
    per_person = Counter(int(c.params["chat_id"]) for c in calls)
    unknown = set(per_person) - set(user_ids)
    if unknown:
        raise RuntimeError(f"{name}: messages went to {len(unknown)} people outside the audience")
    return calls[-1].at - calls[0].at, per_person


def result(
    name: str,
    seconds: float,
    per_person: Counter[int],
    user_ids: Sequence[int],
    left: int,
    worker: Worker,
) -> Run:
    """A run's figures."""
    return Run(
        name=name,
        seconds=seconds,
        delivered_once=sum(1 for u in user_ids if per_person[u] == 1),
        duplicates=sum(max(0, per_person[u] - 1) for u in user_ids),
        missing=sum(1 for u in user_ids if per_person[u] == 0),
        unconfirmed=left,
        worker_cpu_ms=worker.cpu / max(1, sum(per_person.values())) * 1000,
        worker_peak_rss_kib=worker.peak_rss_kib,
    )


async def baseline(fake: FakeBotApi, user_ids: Sequence[int], at_once: int) -> float:
    """Bare sendMessage requests per second from httpx to the fake, ``at_once`` at a time."""
    url = f"{fake.method_url}/sendMessage"
    targets = iter(user_ids[:BASELINE_REQUESTS])
    limits = httpx.Limits(max_connections=at_once)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:

        async def worker() -> None:
            for user_id in targets:
                reply = await client.post(url, json={"chat_id": user_id, "text": "baseline"})
                reply.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(at_once)))
        return min(BASELINE_REQUESTS, len(user_ids)) / (time.perf_counter() - started)


async def measure(
    backend: str, database_url: str, args: argparse.Namespace, folder: Path
) -> Figures:
    """The baseline and the two broadcasts on one database."""
    secret = generate_secret_key()
    engine = create_engine(database_url)
    sessions = create_sessionmaker(engine)
    user_ids = [FIRST_USER + i for i in range(args.recipients)]
    try:
        demo = await seed_demo_assembly(sessions)
        await seed_people(sessions, AddressCipher.from_secret(secret), demo, user_ids)
        async with FakeBotApi() as fake:
            for user_id in user_ids:
                fake.user(user_id, "P", language_of(user_id))
            at_once = DispatchConfig(rate=args.rate).in_flight_limit
            bare = await baseline(fake, user_ids, at_once)
            env = {
                "DATABASE_URL": database_url,
                "RESLOG_SECRET_KEY": secret,
                "TELEGRAM_BOT_TOKEN": fake.token,
                "TELEGRAM_API_BASE_URL": fake.base_url,
                "TELEGRAM_RATE": str(args.rate),
                "LOG_LEVEL": "WARNING",
            }
            log_file = folder / f"worker-{backend}.log"

            queued = time.perf_counter()
            clean_notice = await queue(sessions, demo, "1")
            queue_seconds = time.perf_counter() - queued
            start = len(fake.calls)
            worker = Worker(env, log_file)
            worker.start()
            await wait_for_messages(fake, start, len(user_ids), worker)
            await drained(sessions)
            await worker.stop()
            seconds, per_person = tally("clean run", fake, start, user_ids)
            left = await unconfirmed(sessions, clean_notice)
            clean = result("clean run", seconds, per_person, user_ids, left, worker)

            killed_notice = await queue(sessions, demo, "2")
            start = len(fake.calls)
            worker = Worker(env, log_file)
            worker.start()
            await wait_for_messages(fake, start, len(user_ids) // 2, worker)
            await worker.stop(signal.SIGKILL)
            worker.start()
            await drained(sessions)
            await worker.stop()
            seconds, per_person = tally("killed run", fake, start, user_ids)
            left = await unconfirmed(sessions, killed_notice)
            killed = result(
                "killed half-way, restarted", seconds, per_person, user_ids, left, worker
            )
    finally:
        await engine.dispose()
    return Figures(backend, len(user_ids), queue_seconds, bare, [clean, killed])


def report(figures: Figures, args: argparse.Namespace) -> None:
    """Print one database's figures, each beside its baseline."""
    n = figures.recipients
    print(
        f"{figures.backend:<10} {'queueing the notice (notice + outbox rows, one transaction)':<62}"
        f" {figures.queue_seconds:>10.2f} s   {n / figures.queue_seconds:,.0f} rows/s"
    )
    for run in figures.runs:
        rate = run.rate(n)
        print(
            f"{figures.backend:<10} {run.name + ': achieved rate':<62} {rate:>8,.0f}/s"
            f"   {rate / args.rate:.0%} of {args.rate:,.0f}/s configured; bare requests "
            f"{figures.baseline_rate:,.0f}/s; worker CPU {run.worker_cpu_ms:.1f} ms/message"
        )
        print(
            f"{figures.backend:<10} {run.name + ': once / duplicates / missing':<62}"
            f" {run.delivered_once:>6,} / {run.duplicates} / {run.missing}"
            f"   unconfirmed rows {run.unconfirmed}; worker peak RSS"
            f" {run.worker_peak_rss_kib / 1024:.0f} MB"
        )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.broadcast", description=__doc__.split("\n")[0]
    )
    add_backend_argument(parser)
    parser.add_argument("--recipients", type=int, default=20_000, help="people the notice goes to")
    parser.add_argument("--rate", type=float, default=500.0, help="TELEGRAM_RATE, messages/s")
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> int:
    """Measure on every requested database and print the figures."""

    async def measure_and_report(backend: str, url: str, folder: Path) -> None:
        report(await measure(backend, url, args, folder), args)

    heading = (
        f"RESLOG broadcast benchmark: {os.cpu_count()} CPUs, Python {platform.python_version()};"
        f" {args.recipients:,} recipients at {args.rate:,.0f}/s configured; {GOALS}"
    )
    return await on_each_database(args.backend, "bench.broadcast", heading, measure_and_report)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    return asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
