"""How fast and how exactly a notice goes out to many people, beside the bare request rate.

    python -m bench.broadcast [--backend sqlite postgres] [--channel telegram whatsapp]
                              [--recipients 20000] [--rate 500] [--kills 1]

For each database and channel: a fresh migrated database with the demo assembly and
``--recipients`` members of the channel written in bulk; a fake on loopback that knows each of
them (the Bot API, or Twilio's Messages API); the dispatcher as its own process (`reslog
worker`, ``TELEGRAM_RATE`` or ``WHATSAPP_RATE`` = ``--rate``). Then:

1. baseline: bare requests from aiohttp (the worker's own HTTP client) to the same fake, as many
   at a time as the dispatcher keeps in flight: the rate this machine gives the fake at all;
2. clean run: one urgent notice queued to everyone (the notice and its outbox rows in one
   transaction), the worker started, and the time from its first message to its last;
3. ``--kills`` killed runs: each a further notice, the worker killed with SIGKILL once half of
   it has gone, then started again until the outbox is drained. On Telegram the rows under way
   at the kill are left ``unconfirmed``; the run then does what staff's "send again" does
   (``resend_unconfirmed``) and counts once more.

For each run it counts, from what the fake received, the people who got the notice once, more
than once (duplicates) and not at all (missing), the outbox rows left ``unconfirmed``, and the
worker's CPU per message. PostgreSQL comes from RESLOG_BENCH_POSTGRES_URL (`make bench` starts
the machine's server).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import platform
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.bot_process import cpu_seconds, memory_kib
from bench.databases import (
    add_backend_argument,
    fresh_postgres,
    fresh_sqlite,
    on_each_database,
)
from bench.people import Demo, address_of, language_of, seed_demo_assembly, seed_people
from bot.outbox.dispatcher import DispatchConfig
from handlers.notices.queue import queue_notice
from storage.base import utcnow
from storage.crypto import AddressCipher, generate_secret_key
from storage.engine import create_engine, create_sessionmaker
from storage.models import Notice, OutboxMessage
from storage.outbox import pending_count, resend_unconfirmed
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.twilio_api import API_VERSION, FakeTwilioApi

GOALS = "goals: ≥ 90% of the configured rate, 0 duplicates, 0 missing, ≤ 1.5 ms CPU a message"
CHANNELS = ("telegram", "whatsapp")
FIRST_USER = {"telegram": 40_000_000, "whatsapp": 50_000_000}
TWILIO_ACCOUNT = "AC" + "0123456789abcdef" * 2
TWILIO_TOKEN = "twilio-auth-token-for-the-benchmark"
TWILIO_SENDER = "+905550000000"
TEMPLATES = "tr=HX" + "a" * 32 + ",ar=HX" + "b" * 32 + ",en=HX" + "c" * 32
BASELINE_REQUESTS = 3000
DRAIN_TIMEOUT = 900.0
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
    """What one database's run on one channel measured."""

    backend: str
    channel: str
    recipients: int
    queue_seconds: float
    baseline_rate: float
    runs: list[Run]


@dataclass(frozen=True)
class Rig:
    """One channel's fake, as the benchmark reads it."""

    channel: str
    env: dict[str, str]
    mark: Callable[[], int]  # a position in what the fake received
    received: Callable[[int], list[tuple[str, float]]]  # (address, when) since a mark
    url: str  # where a bare request goes
    form: Callable[[str], dict[str, str]]  # a bare request's fields for one address
    headers: dict[str, str] | None = None


@asynccontextmanager
async def telegram_rig(user_ids: Sequence[int]) -> AsyncIterator[Rig]:
    """A fake Bot API that knows every user."""
    async with FakeBotApi() as fake:
        for user_id in user_ids:
            fake.user(user_id, "P", language_of(user_id))

        def received(start: int) -> list[tuple[str, float]]:
            return [
                (str(c.params["chat_id"]), c.at)
                for c in fake.calls[start:]
                if c.method == "sendMessage"
            ]

        yield Rig(
            "telegram",
            {"TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.base_url},
            lambda: len(fake.calls),
            received,
            f"{fake.method_url}/sendMessage",
            lambda address: {"chat_id": address, "text": "baseline"},
        )


@asynccontextmanager
async def whatsapp_rig(user_ids: Sequence[int]) -> AsyncIterator[Rig]:
    """A fake Twilio Messages API; every number wrote within the day (free-form goes)."""
    credentials = base64.b64encode(f"{TWILIO_ACCOUNT}:{TWILIO_TOKEN}".encode()).decode()
    async with FakeTwilioApi(TWILIO_ACCOUNT, TWILIO_TOKEN, sender=TWILIO_SENDER) as fake:
        for user_id in user_ids:
            fake.wrote(address_of("whatsapp", user_id))
        yield Rig(
            "whatsapp",
            {
                "TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT,
                "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
                "TWILIO_WHATSAPP_FROM": TWILIO_SENDER,
                "TWILIO_API_BASE_URL": fake.base_url,
                "PUBLIC_BASE_URL": "https://reslog.example.org",
                "WHATSAPP_TEMPLATES": TEMPLATES,
            },
            lambda: len(fake.messages),
            lambda start: [(m.to, m.at) for m in fake.messages[start:]],
            f"{fake.base_url}/{API_VERSION}/Accounts/{TWILIO_ACCOUNT}/Messages.json",
            lambda address: {
                "To": f"whatsapp:{address}",
                "From": f"whatsapp:{TWILIO_SENDER}",
                "Body": "baseline",
            },
            {"Authorization": f"Basic {credentials}"},
        )


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


async def wait_for_messages(rig: Rig, start: int, count: int, worker: Worker) -> None:
    """Wait until ``count`` messages arrived since mark ``start`` (or the worker died)."""
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while len(rig.received(start)) < count:
        if worker.process is not None and worker.process.poll() is not None:
            raise RuntimeError(f"the worker exited early; see {worker.log_file}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(rig.received(start))} of {count} messages arrived")
        await asyncio.sleep(POLL_SECONDS)


async def drained(sessions: async_sessionmaker[AsyncSession], channel: str) -> None:
    """Wait until no row of the channel is pending or under way."""
    async with asyncio.timeout(DRAIN_TIMEOUT):
        while True:
            async with sessions() as session:
                if await pending_count(session, channel) == 0:
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


def tally(name: str, rig: Rig, start: int, addresses: set[str]) -> tuple[float, Counter[str]]:
    """Seconds from the first to the last message since mark ``start``, and messages per person."""
    got = rig.received(start)
    if not got:
        raise RuntimeError(f"{name}: nothing was sent")
    per_person = Counter(address for address, _at in got)
    unknown = set(per_person) - addresses
    if unknown:
        raise RuntimeError(f"{name}: messages went to {len(unknown)} people outside the audience")
    return got[-1][1] - got[0][1], per_person


def result(
    name: str,
    seconds: float,
    per_person: Counter[str],
    addresses: set[str],
    left: int,
    worker: Worker,
) -> Run:
    """A run's figures."""
    return Run(
        name=name,
        seconds=seconds,
        delivered_once=sum(1 for a in addresses if per_person[a] == 1),
        duplicates=sum(max(0, per_person[a] - 1) for a in addresses),
        missing=sum(1 for a in addresses if per_person[a] == 0),
        unconfirmed=left,
        worker_cpu_ms=worker.cpu / max(1, sum(per_person.values())) * 1000,
        worker_peak_rss_kib=worker.peak_rss_kib,
    )


async def baseline(rig: Rig, addresses: Sequence[str], at_once: int) -> float:
    """Bare requests per second from aiohttp to the fake, ``at_once`` at a time."""
    targets = iter(addresses[:BASELINE_REQUESTS])
    connector = aiohttp.TCPConnector(limit=at_once)
    async with aiohttp.ClientSession(connector=connector, headers=rig.headers) as client:

        async def worker() -> None:
            for address in targets:
                async with client.post(rig.url, data=rig.form(address)) as reply:
                    reply.raise_for_status()
                    await reply.read()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(at_once)))
        return min(BASELINE_REQUESTS, len(addresses)) / (time.perf_counter() - started)


async def killed_run(
    rig: Rig,
    sessions: async_sessionmaker[AsyncSession],
    demo: Demo,
    env: dict[str, str],
    log_file: Path,
    addresses: set[str],
    number: int,
) -> list[Run]:
    """A notice, the worker killed half-way and restarted; on Telegram, then the unconfirmed
    sent again as staff's button does."""
    notice_id = await queue(sessions, demo, str(number + 1))
    label = f"kill {number}"
    start = rig.mark()
    worker = Worker(env, log_file)
    worker.start()
    await wait_for_messages(rig, start, len(addresses) // 2, worker)
    await worker.stop(signal.SIGKILL)
    worker.start()
    await drained(sessions, rig.channel)
    await worker.stop()
    seconds, per_person = tally(label, rig, start, addresses)
    left = await unconfirmed(sessions, notice_id)
    runs = [result(label, seconds, per_person, addresses, left, worker)]
    if left:
        async with sessions() as session:
            await resend_unconfirmed(session, notice_id, utcnow())
            await session.commit()
        worker.start()
        await drained(sessions, rig.channel)
        await worker.stop()
        seconds, per_person = tally(label, rig, start, addresses)
        left = await unconfirmed(sessions, notice_id)
        name = f"{label}, unconfirmed then sent again"
        runs.append(result(name, seconds, per_person, addresses, left, worker))
    return runs


async def measure_channel(
    backend: str,
    channel: str,
    database_url: str,
    args: argparse.Namespace,
    folder: Path,
) -> Figures:
    """The baseline, the clean run and the killed runs on one database and channel."""
    secret = generate_secret_key()
    engine = create_engine(database_url)
    sessions = create_sessionmaker(engine)
    user_ids = [FIRST_USER[channel] + i for i in range(args.recipients)]
    addresses = [address_of(channel, user_id) for user_id in user_ids]
    rig_of = telegram_rig if channel == "telegram" else whatsapp_rig
    try:
        demo = await seed_demo_assembly(sessions)
        cipher = AddressCipher.from_secret(secret)
        await seed_people(sessions, cipher, demo, user_ids, channel)
        async with rig_of(user_ids) as rig:
            at_once = DispatchConfig(rate=args.rate).in_flight_limit
            bare = await baseline(rig, addresses, at_once)
            env = {
                "DATABASE_URL": database_url,
                "RESLOG_SECRET_KEY": secret,
                "TELEGRAM_RATE": str(args.rate),
                "WHATSAPP_RATE": str(args.rate),
                "LOG_LEVEL": "WARNING",
                **rig.env,
            }
            log_file = folder / f"worker-{backend}-{channel}.log"
            audience = set(addresses)

            queued = time.perf_counter()
            clean_notice = await queue(sessions, demo, "1")
            queue_seconds = time.perf_counter() - queued
            start = rig.mark()
            worker = Worker(env, log_file)
            worker.start()
            await wait_for_messages(rig, start, len(addresses), worker)
            await drained(sessions, channel)
            await worker.stop()
            seconds, per_person = tally("clean run", rig, start, audience)
            left = await unconfirmed(sessions, clean_notice)
            runs = [result("clean run", seconds, per_person, audience, left, worker)]
            for kill in range(args.kills):
                runs += await killed_run(rig, sessions, demo, env, log_file, audience, kill + 1)
    finally:
        await engine.dispose()
    return Figures(backend, channel, len(user_ids), queue_seconds, bare, runs)


def report(figures: Figures, args: argparse.Namespace) -> None:
    """Print one database's and channel's figures, each beside its baseline."""
    n = figures.recipients
    where = f"{figures.backend:<8} {figures.channel:<8}"
    print(
        f"{where} {'queueing the notice (notice + outbox rows, one transaction)':<62}"
        f" {figures.queue_seconds:>10.2f} s   {n / figures.queue_seconds:,.0f} rows/s"
    )
    for run in figures.runs:
        rate = run.rate(n)
        print(
            f"{where} {run.name + ': achieved rate':<62} {rate:>8,.0f}/s"
            f"   {rate / args.rate:.0%} of {args.rate:,.0f}/s configured; bare requests "
            f"{figures.baseline_rate:,.0f}/s; worker CPU {run.worker_cpu_ms:.2f} ms/message"
        )
        print(
            f"{where} {run.name + ': once / duplicates / missing / unconfirmed':<62}"
            f" {run.delivered_once:>6,} / {run.duplicates} / {run.missing} / {run.unconfirmed}"
            f"   worker peak RSS {run.worker_peak_rss_kib / 1024:.0f} MB"
        )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.broadcast", description=__doc__.split("\n")[0]
    )
    add_backend_argument(parser)
    parser.add_argument("--channel", nargs="+", choices=CHANNELS, default=["telegram"])
    parser.add_argument("--recipients", type=int, default=20_000, help="people the notice goes to")
    parser.add_argument("--rate", type=float, default=500.0, help="the channel's rate, messages/s")
    parser.add_argument(
        "--kills", type=int, default=1, help="killed runs per channel (default 1; 3 to compare)"
    )
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> int:
    """Measure on every requested database and channel and print the figures."""

    async def measure_and_report(backend: str, url: str, folder: Path) -> None:
        for number, channel in enumerate(args.channel):
            if number:  # each channel on a fresh database of its own
                url = await another_database(backend, folder / channel)
            report(await measure_channel(backend, channel, url, args, folder), args)

    heading = (
        f"RESLOG broadcast benchmark: {os.cpu_count()} CPUs, Python {platform.python_version()};"
        f" {args.recipients:,} recipients at {args.rate:,.0f}/s configured,"
        f" {args.kills} killed run(s); {GOALS}"
    )
    return await on_each_database(args.backend, "bench.broadcast", heading, measure_and_report)


async def another_database(backend: str, folder: Path) -> str:
    """A fresh database of the backend: a file in ``folder``, or again on the server."""
    if backend == "sqlite":
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        return await fresh_sqlite(folder)
    return await fresh_postgres(str(os.environ.get("RESLOG_BENCH_POSTGRES_URL")))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    return asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
