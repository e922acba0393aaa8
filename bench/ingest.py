"""How fast answers go through the whole webhook path, Telegram's and WhatsApp's, beside the bare inserts.

    python -m bench.ingest [--backend sqlite postgres] [--channel telegram whatsapp]
                           [--people 500] [--concurrency 100] [--rate 200] [--seconds 10]

For each database: a fresh migrated database with the demo assembly; the bot as its own process
(`reslog serve`) talking to a fake Bot API on loopback, with WhatsApp configured; participants
of the channel written in bulk, standing at the demo poll's first question. Telegram updates
are posted with the webhook secret and the reply rides in the answer, as Telegram would make
it; WhatsApp messages are Twilio's forms, signed with twilio's ``RequestValidator``, and the
replies come back as TwiML (Arabic speakers type Arabic-Indic digits). Then, per channel:

1. throughput: ``--concurrency`` people at a time each type their six answers, waiting for each
   reply, until ``--people`` have answered: answers/s from the first POST to the last reply;
2. latency: answers arrive on a fixed schedule for ``--seconds``, at ``--rate`` answers/s and
   again at half the throughput just measured; the latency of each is from its scheduled time
   (so a stall is counted, not hidden) to the end of its webhook call, which ends only once the
   answer is committed and the reply sent;
3. baseline: the same writes (inbound-message record, response, answer, conversation step, one
   transaction per answer) made directly through storage/, as many at once as the bot allows;
4. memory: the bot's peak RSS (VmHWM), beside its RSS when it had just started.

Every answer is then counted in the database. PostgreSQL comes from RESLOG_BENCH_POSTGRES_URL
(`make bench` starts the machine's server); the benchmark uses a database of its own there.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from twilio.request_validator import RequestValidator

from bench.bot_process import BotProcess, cpu_seconds, memory_kib
from bench.databases import add_backend_argument, on_each_database
from bench.people import (
    Demo,
    address_of,
    answered_questions,
    language_of,
    seed_demo_assembly,
    seed_people,
)
from bot.channels.person_turns import MAX_ACTIVE
from bot.channels.whatsapp.signature import SIGNATURE_HEADER
from bot.channels.whatsapp.webhook import WHATSAPP_PATH
from bot.web import WEBHOOK_PATH
from storage.base import utcnow
from storage.crypto import AddressCipher, generate_secret_key
from storage.engine import create_engine, create_sessionmaker
from storage.models import InboundMessage, Participant, Poll
from storage.polls import replace_answer, start_response
from tests.fakes.bot_api import FakeBotApi

TYPED_ANSWERS = ("1", "1 3", "4", "1", "3")
SUGGESTIONS = {"ar": "حديقة أكبر للأطفال", "tr": "Daha çok bank", "en": "More buses"}
WEBHOOK_SECRET = "bench-webhook-secret"
GOALS = "goals: ≥ 1,000 answers/s on SQLite, p99 < 50 ms at 200 answers/s, peak RSS < 200 MB"
THROUGHPUT_USERS = 10_000_000
LATENCY_USERS = 20_000_000
RAW_USERS = 30_000_000
CHANNELS = ("telegram", "whatsapp")
CHANNEL_OFFSET = {"telegram": 0, "whatsapp": 100_000_000}  # user ids of each channel apart
TWILIO_ACCOUNT = "AC" + "0" * 32
TWILIO_TOKEN = "bench-twilio-auth-token"
TWILIO_SENDER = "+908501234567"
PUBLIC_BASE_URL = "https://bench.example.org"
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def typed_answers(user_id: int, channel: str = "telegram") -> tuple[str, ...]:
    """What a benchmark user types, one message per question of the demo poll."""
    language = language_of(user_id)
    typed: tuple[str, ...] = TYPED_ANSWERS
    if channel == "whatsapp" and language == "ar":
        typed = tuple(text.translate(ARABIC_DIGITS) for text in TYPED_ANSWERS)
    return (*typed, SUGGESTIONS[language])


@dataclass(frozen=True)
class Paced:
    """One fixed-rate run: the rate asked for, the rate achieved, and each answer's latency."""

    offered: float
    achieved: float
    latencies: list[float]


@dataclass(frozen=True)
class Figures:
    """What one database's run measured."""

    backend: str
    answers: int
    seconds: float
    raw_answers: int
    raw_seconds: float
    raw_latencies: list[float]
    paced: list[Paced]
    idle_rss_kib: int
    peak_rss_kib: int
    stored: int
    expected: int
    driver_cpu: float
    bot_cpu_ms: float
    channel: str = "telegram"


class Webhook(Protocol):
    """Delivers one person's message to the bot as their channel would."""

    channel: str

    async def send(self, user_id: int, text: str) -> None:
        """Deliver one message; returns once the bot answered 200 (committed and replied)."""


class TelegramWebhook:
    """Posts Telegram updates to the bot's webhook as Telegram would."""

    channel = "telegram"

    def __init__(self, client: httpx.AsyncClient, url: str, fake: FakeBotApi) -> None:
        self.client = client
        self.url = url
        self.fake = fake
        self.users: dict[int, dict[str, object]] = {}

    async def send(self, user_id: int, text: str) -> None:
        """Deliver one message; returns once the bot answered 200 (committed and replied).

        The reply may ride in the 200 itself; the fake then makes that call, as Telegram does.
        """
        user = self.users.get(user_id)
        if user is None:
            user = self.users[user_id] = self.fake.user(user_id, "P", language_of(user_id))
        update = self.fake.text_update(user, text)
        reply = await self.fake.post_update(self.client, self.url, update, WEBHOOK_SECRET)
        if reply.status_code != 200:
            raise RuntimeError(f"the webhook answered {reply.status_code}: {reply.text[:200]}")


class WhatsAppWebhook:
    """Posts WhatsApp messages to the bot as Twilio would: signed forms, TwiML answers."""

    channel = "whatsapp"

    def __init__(self, client: httpx.AsyncClient, url: str) -> None:
        self.client = client
        self.url = url
        self.validator = RequestValidator(TWILIO_TOKEN)
        self.sids = iter(range(1, 1 << 62))

    async def send(self, user_id: int, text: str) -> None:
        """Deliver one message; returns once the bot answered with the replies' TwiML."""
        sid = f"SM{next(self.sids):032x}"
        form = {
            "MessageSid": sid,
            "SmsMessageSid": sid,
            "AccountSid": TWILIO_ACCOUNT,
            "From": "whatsapp:" + address_of("whatsapp", user_id),
            "To": "whatsapp:" + TWILIO_SENDER,
            "Body": text,
            "NumMedia": "0",
            "ProfileName": "P",
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        signature = self.validator.compute_signature(PUBLIC_BASE_URL + WHATSAPP_PATH, form)
        reply = await self.client.post(self.url, data=form, headers={SIGNATURE_HEADER: signature})
        if reply.status_code != 200 or b"<Message>" not in reply.content:
            raise RuntimeError(f"the webhook answered {reply.status_code}: {reply.text[:200]}")


async def answer_all(webhook: Webhook, user_id: int) -> None:
    """One person types every answer of the demo poll, waiting for each reply."""
    for text in typed_answers(user_id, webhook.channel):
        await webhook.send(user_id, text)


async def closed_loop(webhook: Webhook, user_ids: Sequence[int], concurrency: int) -> float:
    """Everyone answers, ``concurrency`` people at a time; the seconds it took."""
    waiting: asyncio.Queue[int] = asyncio.Queue()
    for user_id in user_ids:
        waiting.put_nowait(user_id)

    async def worker() -> None:
        while not waiting.empty():
            await answer_all(webhook, waiting.get_nowait())

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


async def open_loop(
    webhook: Webhook, user_ids: Sequence[int], rate: float
) -> tuple[list[float], float]:
    """Answers sent on a fixed schedule at ``rate``; each one's latency from its scheduled time.

    Answer i comes from person i mod n, so one person's answers are n/rate seconds apart; a
    person's next answer still waits for the previous one's reply, as a person would.
    """
    users = list(user_ids)
    texts = [typed_answers(u, webhook.channel) for u in user_ids]
    total = sum(len(t) for t in texts)
    latencies: list[float] = []
    previous: dict[int, asyncio.Task[None]] = {}

    async def send(index: int, due: float, before: asyncio.Task[None] | None) -> None:
        person = index % len(users)
        if before is not None:
            await before
        await webhook.send(users[person], texts[person][index // len(users)])
        latencies.append(time.perf_counter() - due)

    started = time.perf_counter()
    for index in range(total):
        due = started + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        person = index % len(users)
        previous[person] = asyncio.create_task(send(index, due, previous.get(person)))
    await asyncio.gather(*previous.values())
    return latencies, total / (time.perf_counter() - started)


async def raw_inserts(
    sessions: async_sessionmaker[AsyncSession],
    demo: Demo,
    participant_ids: Sequence[int],
    concurrency: int,
    key_space: str = "bench",
) -> tuple[float, list[float]]:
    """The bot's writes for every answer, without the bot: the seconds and each one's latency."""
    async with sessions() as session:
        poll = (await session.execute(select(Poll).where(Poll.id == demo.poll_id))).scalar_one()
    questions = poll.questions
    latencies: list[float] = []
    waiting: asyncio.Queue[int] = asyncio.Queue()
    for participant_id in participant_ids:
        waiting.put_nowait(participant_id)
    message_ids = iter(range(1, 1 << 62))

    async def one_answer(participant_id: int, index: int) -> None:
        question = questions[index]
        began = time.perf_counter()
        async with sessions() as session:
            session.add(
                InboundMessage(
                    channel=key_space, external_id=str(next(message_ids)), received_at=utcnow()
                )
            )
            person = await session.get(Participant, participant_id)
            assert person is not None
            response = await start_response(
                session, demo.poll_id, person.id, person.language or "tr"
            )
            options = [o.id for o in question.options]
            await replace_answer(
                session,
                response.id,
                question,
                option_ids=options[:1]
                if question.kind == "single"
                else options[::2]
                if question.kind == "multi"
                else (),
                value_int={"scale": 4, "yesno": 1, "number": 3}.get(question.kind),
                value_text=SUGGESTIONS["en"] if question.kind == "text" else None,
            )
            last = index + 1 == len(questions)
            if last:
                response.completed_at = utcnow()
            person.step = "idle" if last else "poll"
            person.step_data = {"poll": demo.poll_id, "q": index + 1, "review": False}
            person.step_nonce += 1
            await session.commit()
        latencies.append(time.perf_counter() - began)

    async def worker() -> None:
        while not waiting.empty():
            participant_id = waiting.get_nowait()
            for index in range(len(questions)):
                await one_answer(participant_id, index)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies


async def measure(
    backend: str, database_url: str, args: argparse.Namespace, folder: Path, channel: str
) -> Figures:
    """Run the three measurements on one database, through one channel's webhook."""
    secret = generate_secret_key()
    cipher = AddressCipher.from_secret(secret)
    engine = create_engine(database_url)
    sessions = create_sessionmaker(engine)
    offset = CHANNEL_OFFSET[channel]
    try:
        demo = await seed_demo_assembly(sessions)
        per_person = demo.questions
        throughput_ids = [offset + THROUGHPUT_USERS + i for i in range(args.people)]
        raw_ids = [offset + RAW_USERS + i for i in range(args.people)]
        people = await seed_people(sessions, cipher, demo, throughput_ids, channel)
        async with FakeBotApi() as fake:
            env = {
                "DATABASE_URL": database_url,
                "RESLOG_SECRET_KEY": secret,
                "TELEGRAM_BOT_TOKEN": fake.token,
                "TELEGRAM_API_BASE_URL": fake.base_url,
                "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
                "TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT,
                "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
                "TWILIO_WHATSAPP_FROM": TWILIO_SENDER,
                "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
                "LOG_LEVEL": "WARNING",
            }
            async with BotProcess(env, folder / f"bot-{backend}-{channel}.log") as bot:
                idle_rss = memory_kib(bot.pid, "VmRSS")
                # Idle connections are dropped before the server's keep-alive timeout (5 s) ends
                # them, so a request never goes out on a connection the server is closing.
                limits = httpx.Limits(max_connections=args.concurrency + 50, keepalive_expiry=1)
                async with httpx.AsyncClient(limits=limits, timeout=60) as client:
                    webhook: Webhook = (
                        WhatsAppWebhook(client, bot.base_url + WHATSAPP_PATH)
                        if channel == "whatsapp"
                        else TelegramWebhook(client, bot.base_url + WEBHOOK_PATH, fake)
                    )
                    cpu, bot_cpu = time.process_time(), cpu_seconds(bot.pid)
                    seconds = await closed_loop(webhook, throughput_ids, args.concurrency)
                    driver_cpu = (time.process_time() - cpu) / seconds
                    bot_cpu = cpu_seconds(bot.pid) - bot_cpu
                    paced: list[Paced] = []
                    capacity = len(throughput_ids) * per_person / seconds
                    for run, rate in enumerate((args.rate, capacity / 2)):
                        count = max(1, round(rate * args.seconds / per_person))
                        first = offset + LATENCY_USERS + run * 1_000_000
                        ids = [first + i for i in range(count)]
                        people.update(await seed_people(sessions, cipher, demo, ids, channel))
                        latencies, achieved = await open_loop(webhook, ids, rate)
                        paced.append(Paced(rate, achieved, latencies))
                peak_rss = memory_kib(bot.pid, "VmHWM")
        raw_people = await seed_people(sessions, cipher, demo, raw_ids)
        raw_seconds, raw_latencies = await raw_inserts(
            sessions, demo, [raw_people[u] for u in raw_ids], MAX_ACTIVE, f"bench-{channel}"
        )
        bot_people = list(people.values())
        stored, _complete = await answered_questions(sessions, bot_people)
        raw_stored, _ = await answered_questions(sessions, list(raw_people.values()))
        if raw_stored != len(raw_ids) * per_person:
            raise RuntimeError(
                f"the bare inserts stored {raw_stored} answers, not {len(raw_ids) * per_person}"
            )
    finally:
        await engine.dispose()
    return Figures(
        backend=backend,
        answers=len(throughput_ids) * per_person,
        seconds=seconds,
        raw_answers=len(raw_ids) * per_person,
        raw_seconds=raw_seconds,
        raw_latencies=raw_latencies,
        paced=paced,
        idle_rss_kib=idle_rss,
        peak_rss_kib=peak_rss,
        stored=stored,
        expected=len(bot_people) * per_person,
        driver_cpu=driver_cpu,
        bot_cpu_ms=bot_cpu / (len(throughput_ids) * per_person) * 1000,
        channel=channel,
    )


def p99(values: Sequence[float]) -> float:
    """The 99th percentile, in milliseconds."""
    return statistics.quantiles(values, n=100)[98] * 1000


def report(figures: Figures, args: argparse.Namespace) -> None:
    """Print one database's figures, each beside its baseline."""
    rate = figures.answers / figures.seconds
    raw_rate = figures.raw_answers / figures.raw_seconds
    rows = [
        (
            f"answers/s through the {figures.channel} webhook ({args.concurrency} at once)",
            f"{rate:,.0f}/s",
            f"bare inserts {raw_rate:,.0f}/s; ratio {rate / raw_rate:.2f}; "
            f"bot CPU {figures.bot_cpu_ms:.1f} ms per answer",
        ),
        *(
            (
                f"p99 reply latency at {run.offered:,.0f} answers/s (achieved {run.achieved:,.0f}/s)",
                f"{p99(run.latencies):,.1f} ms",
                f"bare insert p99 {p99(figures.raw_latencies):.1f} ms; "
                f"median {statistics.median(run.latencies) * 1000:,.1f} ms",
            )
            for run in figures.paced
        ),
        (
            "peak RSS of the bot process",
            f"{figures.peak_rss_kib / 1024:.0f} MB",
            f"just after start {figures.idle_rss_kib / 1024:.0f} MB",
        ),
        (
            "answers stored / sent",
            f"{figures.stored:,} / {figures.expected:,}",
            f"load generator CPU {figures.driver_cpu:.0%} of one core",
        ),
    ]
    for name, measured, baseline in rows:
        print(f"{figures.backend:<10} {figures.channel:<9} {name:<58} {measured:>14}   {baseline}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.ingest", description=__doc__.split("\n")[0]
    )
    add_backend_argument(parser)
    parser.add_argument(
        "--channel", nargs="+", choices=CHANNELS, default=list(CHANNELS), help="webhooks to measure"
    )
    parser.add_argument("--people", type=int, default=500, help="people in the throughput run")
    parser.add_argument("--concurrency", type=int, default=100, help="people answering at once")
    parser.add_argument("--rate", type=float, default=200.0, help="answers/s in the latency run")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each latency run")
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> int:
    """Measure on every requested database and print the figures."""

    async def measure_and_report(backend: str, url: str, folder: Path) -> None:
        for channel in args.channel:  # one database, each channel's people apart
            report(await measure(backend, url, args, folder, channel), args)

    heading = f"RESLOG ingest benchmark: {os.cpu_count()} CPUs, Python {platform.python_version()}; {GOALS}"
    return await on_each_database(args.backend, "bench.ingest", heading, measure_and_report)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    return asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
