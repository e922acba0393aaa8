"""How fast answers go through the whole webhook path, on one or several bot processes, beside the floor.

    python -m bench.ingest [--backend sqlite postgres] [--channel telegram whatsapp]
                           [--processes 1 2 4] [--people 500] [--concurrency 100]
                           [--typing 0.05] [--rate 200] [--seconds 10]

For each database and each process count (PostgreSQL only; SQLite is measured with one process,
the only way it is run): a fresh database, migrated with `reslog db upgrade` and seeded with the
demo assembly; N bot processes (`reslog serve`) on it, talking to a fake Bot API on loopback,
with WhatsApp configured; participants of the channel written in bulk, standing at the demo
poll's first question. Message k of the run goes to process k mod N, as a load balancer would
send it, on a new connection each (no keep-alive). Telegram updates are posted with the webhook
secret and the reply rides in the answer, as Telegram would make it; an update not answered 200
is delivered again, as Telegram does. WhatsApp messages are Twilio's forms, signed with twilio's
``RequestValidator``, the replies read back from the TwiML (Arabic speakers type Arabic-Indic
digits). Then, per channel:

1. throughput: ``--concurrency`` people at a time each type their six answers ``--typing``
   seconds apart, without waiting for the replies (Telegram then delivers a chat's next update
   once the webhook call of the one before has ended, as it does; Twilio posts each WhatsApp
   message at once), until ``--people`` have answered: answers/s
   from the first POST to the last reply, the bot processes' CPU (user and system) per answer,
   and this process's share of a core (the load generator's);
2. latency: answers arrive on a fixed schedule for ``--seconds`` (0: skipped), at ``--rate``
   answers/s and again at half the throughput just measured, each person waiting for the reply
   before the next answer; the latency of each is from its scheduled time to its reply;
3. memory: the largest peak RSS (VmHWM) of the bot processes, beside their RSS just after start;
4. correctness: every stored answer against what was typed, for the people typing quickly and
   apart for those of the latency runs: ``lost`` (a question with no answer), ``doubled`` (an
   answer stored twice), ``wrong`` (another question's answer, or another value); beside them
   the messages delivered again and the errors the bot processes logged.

Per database, the floor: the same writes of one answer (the message key; read the person and
step; the response, the answer, the step; one transaction each) through the bare driver,
aiosqlite on one connection or asyncpg with as many connections as one bot process uses, in a
fresh database of its own: answers/s and this process's CPU per answer.

PostgreSQL comes from RESLOG_BENCH_POSTGRES_URL (`make bench` starts the machine's server); each
run makes a database of its own there and drops it at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import aiohttp
import aiosqlite
import asyncpg
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from twilio.request_validator import RequestValidator

from bench.bot_process import BotProcess, cpu_seconds, memory_kib
from bench.databases import (
    add_backend_argument,
    bench_database,
    postgres_server,
    postgres_unreachable,
)
from bench.people import Demo, address_of, language_of, seed_demo_assembly, seed_people
from bot import event_loop
from bot.channels.person_turns import MAX_ACTIVE
from bot.channels.whatsapp.signature import SIGNATURE_HEADER
from bot.channels.whatsapp.webhook import WHATSAPP_PATH
from bot.web import WEBHOOK_PATH
from storage.crypto import AddressCipher, generate_secret_key
from storage.engine import create_engine, create_sessionmaker
from storage.models import Answer, Poll, Response
from tests.fakes.bot_api import WEBHOOK_SECRET_HEADER, FakeBotApi

PROGRAM = "python -m bench.ingest"
TYPED_ANSWERS = ("1", "1 3", "4", "1", "3")
SUGGESTIONS = {"ar": "حديقة أكبر للأطفال", "tr": "Daha çok bank", "en": "More buses"}
WEBHOOK_SECRET = "bench-webhook-secret"
GOALS = "goals: ≥ 1,000 answers/s on SQLite, p99 < 50 ms at 200 answers/s, peak RSS < 200 MB"
THROUGHPUT_USERS = 10_000_000
LATENCY_USERS = 20_000_000
FLOOR_USERS = 30_000_000
WARM_UP_USERS = 40_000_000
CHANNELS = ("telegram", "whatsapp")
CHANNEL_OFFSET = {"telegram": 0, "whatsapp": 100_000_000}  # user ids of each channel apart
TWILIO_ACCOUNT = "AC" + "0" * 32
TWILIO_TOKEN = "bench-twilio-auth-token"
TWILIO_SENDER = "+908501234567"
PUBLIC_BASE_URL = "https://bench.example.org"
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
REDELIVERIES = 5  # an update not answered 200 is delivered again, as Telegram does
REDELIVERY_DELAY = 0.2
TELEGRAM_CONNECTIONS = 40

Row = tuple[int | None, int | None, str | None]  # an answer row: option, number, text


def typed_answers(user_id: int, channel: str = "telegram") -> tuple[str, ...]:
    """What a benchmark user types, one message per question of the demo poll."""
    language = language_of(user_id)
    typed: tuple[str, ...] = TYPED_ANSWERS
    if channel == "whatsapp" and language == "ar":
        typed = tuple(text.translate(ARABIC_DIGITS) for text in TYPED_ANSWERS)
    return (*typed, SUGGESTIONS[language])


@dataclass(frozen=True)
class Asked:
    """One question of the demo poll: its id, kind and option ids in order."""

    id: int
    kind: str
    options: tuple[int, ...]


def expected_rows(question: Asked, typed: str) -> list[Row]:
    """The answer rows the bot should store for what was typed (western digits)."""
    if question.kind == "single":
        return [(question.options[int(typed) - 1], None, None)]
    if question.kind == "multi":
        return [(question.options[int(n) - 1], None, None) for n in typed.split()]
    if question.kind == "yesno":
        return [(None, 1 if typed == "1" else 0, None)]  # the first button is Yes
    if question.kind == "text":
        return [(None, None, typed)]
    return [(None, int(typed), None)]  # scale, number


async def demo_questions(sessions: async_sessionmaker[AsyncSession], demo: Demo) -> list[Asked]:
    """The demo poll's questions in order."""
    async with sessions() as session:
        poll = (await session.execute(select(Poll).where(Poll.id == demo.poll_id))).scalar_one()
        return [Asked(q.id, q.kind, tuple(o.id for o in q.options)) for q in poll.questions]


@dataclass(frozen=True)
class Check:
    """Stored answers against what was typed, per (person, question)."""

    expected: int
    lost: int
    doubled: int
    wrong: int


async def check_answers(
    sessions: async_sessionmaker[AsyncSession], questions: Sequence[Asked], people: dict[int, int]
) -> Check:
    """Compare every stored answer of these people (participant ids by user id) with what they typed."""
    ids = set(people.values())
    query = (
        select(
            Response.participant_id,
            Answer.question_id,
            Answer.option_id,
            Answer.value_int,
            Answer.value_text,
        )
        .join(Response, Response.id == Answer.response_id)
        .where(Response.participant_id.between(min(ids), max(ids)))
    )
    stored: dict[tuple[int, int], list[Row]] = defaultdict(list)
    async with sessions() as session:
        for person, question_id, option, number, text in (await session.execute(query)).all():
            if person in ids:
                stored[person, question_id].append((option, number, text))
    lost = doubled = wrong = 0
    for user_id, person in people.items():
        for question, typed in zip(questions, typed_answers(user_id), strict=True):
            want, got = expected_rows(question, typed), stored.pop((person, question.id), [])
            if not got:
                lost += 1
            elif set(got) != set(want):
                wrong += 1
            elif max(Counter(got).values()) > 1:
                doubled += 1
    wrong += len(stored)  # answers to questions nobody was asked (none expected)
    return Check(len(people) * len(questions), lost, doubled, wrong)


class Processes:
    """The bot processes' URLs; message k of the run goes to process k mod N."""

    def __init__(self, base_urls: Sequence[str]) -> None:
        self.base_urls = list(base_urls)
        self.sent = 0
        self.redelivered = 0

    async def deliver(self, path: str, post: Callable[[str], Awaitable[bool]]) -> None:
        """POST one message to the next process; one not accepted goes again to the next one."""
        for _attempt in range(REDELIVERIES + 1):
            url = self.base_urls[self.sent % len(self.base_urls)] + path
            self.sent += 1
            if await post(url):
                return
            self.redelivered += 1
            await asyncio.sleep(REDELIVERY_DELAY)
        raise RuntimeError(f"a message was refused {REDELIVERIES + 1} times")


class Webhook(Protocol):
    """Delivers one person's message to the bot as their channel would."""

    channel: str

    async def send(self, user_id: int, text: str) -> None:
        """Deliver one message; returns once a bot process answered 200 (committed and replied)."""


class TelegramWebhook:
    """Posts Telegram updates to the bots' webhook as Telegram would."""

    channel = "telegram"

    def __init__(self, client: aiohttp.ClientSession, bots: Processes, fake: FakeBotApi) -> None:
        self.client = client
        self.bots = bots
        self.fake = fake
        self.users: dict[int, dict[str, object]] = {}

    async def send(self, user_id: int, text: str) -> None:
        """Deliver one message; the reply may ride in the 200, and the fake then makes that call."""
        user = self.users.get(user_id)
        if user is None:
            user = self.users[user_id] = self.fake.user(user_id, "P", language_of(user_id))
        body = json.dumps(self.fake.text_update(user, text)).encode()
        headers = {WEBHOOK_SECRET_HEADER: WEBHOOK_SECRET, "Content-Type": "application/json"}

        async def post(url: str) -> bool:
            async with self.client.post(url, data=body, headers=headers) as reply:
                answer = await reply.read()
                await self.fake.take_webhook_answer(reply.status, reply.content_type, answer)
                return reply.status == 200

        await self.bots.deliver(WEBHOOK_PATH, post)


class WhatsAppWebhook:
    """Posts WhatsApp messages to the bots as Twilio would: signed forms, TwiML answers."""

    channel = "whatsapp"

    def __init__(self, client: aiohttp.ClientSession, bots: Processes) -> None:
        self.client = client
        self.bots = bots
        self.validator = RequestValidator(TWILIO_TOKEN)
        self.sids = iter(range(1, 1 << 62))

    async def send(self, user_id: int, text: str) -> None:
        """Deliver one message; returns once a bot answered with the replies' TwiML."""
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

        async def post(url: str) -> bool:
            headers = {SIGNATURE_HEADER: signature}
            async with self.client.post(url, data=form, headers=headers) as reply:
                return reply.status == 200 and b"<Message>" in await reply.read()

        await self.bots.deliver(WHATSAPP_PATH, post)


def webhook_client(channel: str) -> aiohttp.ClientSession:
    """HTTP as each channel posts its webhooks: Telegram keeps up to 40 connections open to a
    webhook (its default ``max_connections``); Twilio is taken to open one per message."""
    connector = (
        aiohttp.TCPConnector(limit=TELEGRAM_CONNECTIONS)
        if channel == "telegram"
        else aiohttp.TCPConnector(force_close=True, limit=0)
    )
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120))


async def type_answers(webhook: Webhook, user_id: int, typing: float) -> None:
    """One person types every answer of the demo poll ``typing`` seconds apart, not waiting for
    the replies; returns once every reply has come. Telegram delivers one chat's updates one
    after another (the next once the webhook call of the one before has ended), so on Telegram
    a message typed early waits for that; Twilio posts each WhatsApp message at once."""
    sequenced = webhook.channel == "telegram"
    before: asyncio.Task[None] | None = None

    async def deliver(text: str, previous: asyncio.Task[None] | None) -> None:
        if previous is not None:
            await previous
        await webhook.send(user_id, text)

    async with asyncio.TaskGroup() as sent:  # cancelled with the run
        for index, text in enumerate(typed_answers(user_id, webhook.channel)):
            if index:
                await asyncio.sleep(typing)
            before = sent.create_task(deliver(text, before if sequenced else None))


async def closed_loop(
    webhook: Webhook, user_ids: Sequence[int], concurrency: int, typing: float
) -> float:
    """Everyone answers, ``concurrency`` people at a time; the seconds it took."""
    waiting = list(reversed(user_ids))

    async def worker() -> None:
        while waiting:
            await type_answers(webhook, waiting.pop(), typing)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


@dataclass(frozen=True)
class Paced:
    """One fixed-rate run: the rate asked for, the rate achieved, and each answer's latency."""

    offered: float
    achieved: float
    latencies: list[float]


async def open_loop(webhook: Webhook, user_ids: Sequence[int], rate: float) -> Paced:
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
    async with asyncio.TaskGroup() as group:  # cancelled with the run
        for index in range(total):
            due = started + index / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            person = index % len(users)
            previous[person] = group.create_task(send(index, due, previous.get(person)))
    return Paced(rate, total / (time.perf_counter() - started), latencies)


@dataclass(frozen=True)
class Figures:
    """What one run (a database, a channel, N bot processes) measured."""

    backend: str
    channel: str
    processes: int
    answers: int
    seconds: float
    bot_cpu_ms: float
    driver_cpu: float
    paced: list[Paced]
    idle_rss_kib: int
    peak_rss_kib: int
    checks: list[tuple[str, Check]]
    redelivered: int
    errors: int


def bot_errors(bot: BotProcess) -> int:
    """How many errors a bot process has logged so far (its ERROR and CRITICAL lines)."""
    lines = bot.log_file.read_text(errors="replace").splitlines()
    return sum(1 for line in lines if " ERROR " in line or " CRITICAL " in line)


def bot_environment(database_url: str, secret: str, fake: FakeBotApi) -> dict[str, str]:
    """What `reslog serve` is started with: the fake Bot API, WhatsApp through Twilio's forms."""
    return {
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


async def measure(
    backend: str, database_url: str, args: argparse.Namespace, folder: Path, count: int
) -> list[Figures]:
    """Every channel's runs on one database, through ``count`` bot processes."""
    secret = generate_secret_key()
    cipher = AddressCipher.from_secret(secret)
    engine = create_engine(database_url)
    sessions = create_sessionmaker(engine)
    figures: list[Figures] = []
    try:
        demo = await seed_demo_assembly(sessions)
        questions = await demo_questions(sessions, demo)
        async with FakeBotApi() as fake, AsyncExitStack() as stack:
            env = bot_environment(database_url, secret, fake)
            bots = [
                await stack.enter_async_context(
                    BotProcess(env, folder / f"bot-{backend}-{count}-{i}.log")
                )
                for i in range(count)
            ]
            idle_rss = max(memory_kib(bot.pid, "VmRSS") for bot in bots)
            for channel in args.channel:  # one database, each channel's people apart
                client = await stack.enter_async_context(webhook_client(channel))
                processes = Processes([bot.base_url for bot in bots])
                webhook: Webhook = (
                    WhatsAppWebhook(client, processes)
                    if channel == "whatsapp"
                    else TelegramWebhook(client, processes, fake)
                )
                offset = CHANNEL_OFFSET[channel]
                ids = [offset + THROUGHPUT_USERS + i for i in range(args.people)]
                people = await seed_people(sessions, cipher, demo, ids, channel)
                errors = sum(bot_errors(bot) for bot in bots)
                warm_up_ids = [offset + WARM_UP_USERS + i for i in range(args.warm_up)]
                people.update(await seed_people(sessions, cipher, demo, warm_up_ids, channel))
                await closed_loop(webhook, warm_up_ids, args.concurrency, args.typing)
                cpu, own_cpu = sum(cpu_seconds(bot.pid) for bot in bots), time.process_time()
                seconds = await closed_loop(webhook, ids, args.concurrency, args.typing)
                bot_cpu = sum(cpu_seconds(bot.pid) for bot in bots) - cpu
                own_cpu = time.process_time() - own_cpu
                answers = len(ids) * len(questions)
                paced: list[Paced] = []
                paced_people: dict[int, int] = {}
                for run, rate in enumerate((args.rate, answers / seconds / 2)):
                    if args.seconds <= 0:
                        break
                    first = offset + LATENCY_USERS + run * 1_000_000
                    paced_ids = [
                        first + i
                        for i in range(max(1, round(rate * args.seconds / len(questions))))
                    ]
                    paced_people.update(
                        await seed_people(sessions, cipher, demo, paced_ids, channel)
                    )
                    paced.append(await open_loop(webhook, paced_ids, rate))
                figures.append(
                    Figures(
                        backend=backend,
                        channel=channel,
                        processes=count,
                        answers=answers,
                        seconds=seconds,
                        bot_cpu_ms=bot_cpu / answers * 1000,
                        driver_cpu=own_cpu / seconds,
                        paced=paced,
                        idle_rss_kib=idle_rss,
                        peak_rss_kib=max(memory_kib(bot.pid, "VmHWM") for bot in bots),
                        checks=[
                            (
                                f"typing {args.typing:g} s apart",
                                await check_answers(sessions, questions, people),
                            ),
                            *(
                                [
                                    (
                                        "each reply awaited (latency runs)",
                                        await check_answers(sessions, questions, paced_people),
                                    )
                                ]
                                if paced_people
                                else []
                            ),
                        ],
                        redelivered=processes.redelivered,
                        errors=sum(bot_errors(bot) for bot in bots) - errors,
                    )
                )
    finally:
        await engine.dispose()
    return figures


@dataclass(frozen=True)
class Floor:
    """The bare driver's writes: how many answers, in how long, at what CPU."""

    backend: str
    answers: int
    seconds: float
    cpu_ms: float
    check: Check


@dataclass(frozen=True)
class FloorAnswer:
    """One answer to write: the message key, the person's address hash, the question and rows."""

    key: str
    address_hash: str
    index: int
    rows: list[Row]


def floor_answers(
    cipher: AddressCipher, questions: Sequence[Asked], user_ids: Sequence[int]
) -> list[list[FloorAnswer]]:
    """Each person's answers, in order, as the bot would store them."""
    return [
        [
            FloorAnswer(
                f"floor-{user_id}-{index}",
                cipher.lookup_hash("telegram", address_of("telegram", user_id)),
                index,
                expected_rows(question, typed),
            )
            for index, (question, typed) in enumerate(
                zip(questions, typed_answers(user_id), strict=True)
            )
        ]
        for user_id in user_ids
    ]


def next_step(poll_id: int, index: int, total: int) -> tuple[str, str]:
    """The step and its data (JSON) after answering question ``index``."""
    data = {"poll": poll_id, "q": index + 1, "review": False}
    return ("idle" if index + 1 == total else "poll"), json.dumps(data)


async def floor_sqlite(
    path: str, poll_id: int, questions: Sequence[Asked], people: list[list[FloorAnswer]]
) -> None:
    """The writes through bare aiosqlite on one connection (as the bot keeps), one after another."""
    async with aiosqlite.connect(path, isolation_level=None) as db:
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            await db.execute(f"PRAGMA {pragma}")
        for answers in people:
            for answer in answers:
                now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ")
                question = questions[answer.index]
                await db.execute("BEGIN")
                await db.execute(
                    "INSERT INTO inbound_messages (channel, external_id, received_at)"
                    " VALUES ('floor', ?, ?)",
                    (answer.key, now),
                )
                (person, language, _step, _data, _nonce), *_ = await db.execute_fetchall(
                    "SELECT id, language, step, step_data, step_nonce FROM participants"
                    " WHERE channel = 'telegram' AND address_hash = ?",
                    (answer.address_hash,),
                )
                found = list(
                    await db.execute_fetchall(
                        "SELECT id FROM responses WHERE poll_id = ? AND participant_id = ?",
                        (poll_id, person),
                    )
                )
                if found:
                    response = found[0][0]
                else:
                    inserted = await db.execute_insert(
                        "INSERT INTO responses (poll_id, participant_id, language, started_at)"
                        " VALUES (?, ?, ?, ?)",
                        (poll_id, person, language, now),
                    )
                    assert inserted is not None
                    response = inserted[0]
                await db.execute(
                    "DELETE FROM answers WHERE response_id = ? AND question_id = ?",
                    (response, question.id),
                )
                await db.executemany(
                    "INSERT INTO answers (response_id, question_id, option_id, value_int,"
                    " value_text, answered_at, slot) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(response, question.id, *row, now, row[0] or 0) for row in answer.rows],
                )
                step, data = next_step(poll_id, answer.index, len(questions))
                await db.execute(
                    "UPDATE participants SET step = ?, step_data = ?, step_nonce = step_nonce + 1,"
                    " last_inbound_at = ? WHERE id = ?",
                    (step, data, now, person),
                )
                await db.execute("COMMIT")


async def floor_postgres(
    dsn: str, poll_id: int, questions: Sequence[Asked], people: list[list[FloorAnswer]]
) -> None:
    """The writes through bare asyncpg, as many people at once as one bot process handles."""
    waiting = list(reversed(people))
    async with asyncpg.create_pool(dsn, min_size=MAX_ACTIVE, max_size=MAX_ACTIVE) as pool:

        async def worker() -> None:
            while waiting:
                for answer in waiting.pop():
                    async with pool.acquire() as db, db.transaction():
                        await one_answer_postgres(db, answer, poll_id, questions)

        await asyncio.gather(*(worker() for _ in range(MAX_ACTIVE)))


async def one_answer_postgres(
    db: asyncpg.Connection, answer: FloorAnswer, poll_id: int, questions: Sequence[Asked]
) -> None:
    """One answer's writes on one asyncpg connection, inside its transaction."""
    now = datetime.now(UTC)
    question = questions[answer.index]
    await db.execute(
        "INSERT INTO inbound_messages (channel, external_id, received_at) VALUES ('floor', $1, $2)",
        answer.key,
        now,
    )
    person = await db.fetchrow(
        "SELECT id, language, step, step_data, step_nonce FROM participants"
        " WHERE channel = 'telegram' AND address_hash = $1",
        answer.address_hash,
    )
    assert person is not None
    response = await db.fetchval(
        "SELECT id FROM responses WHERE poll_id = $1 AND participant_id = $2", poll_id, person["id"]
    )
    if response is None:
        response = await db.fetchval(
            "INSERT INTO responses (poll_id, participant_id, language, started_at)"
            " VALUES ($1, $2, $3, $4) RETURNING id",
            poll_id,
            person["id"],
            person["language"],
            now,
        )
    await db.execute(
        "DELETE FROM answers WHERE response_id = $1 AND question_id = $2", response, question.id
    )
    await db.executemany(
        "INSERT INTO answers (response_id, question_id, option_id, value_int, value_text,"
        " answered_at, slot) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [(response, question.id, *row, now, row[0] or 0) for row in answer.rows],
    )
    step, data = next_step(poll_id, answer.index, len(questions))
    await db.execute(
        "UPDATE participants SET step = $1, step_data = $2::json, step_nonce = step_nonce + 1,"
        " last_inbound_at = $3 WHERE id = $4",
        step,
        data,
        now,
        person["id"],
    )


async def measure_floor(backend: str, database_url: str, args: argparse.Namespace) -> Floor:
    """The bare driver's writes for ``--people`` people's answers, in a database of their own."""
    cipher = AddressCipher.from_secret(generate_secret_key())
    engine = create_engine(database_url)
    sessions = create_sessionmaker(engine)
    try:
        demo = await seed_demo_assembly(sessions)
        questions = await demo_questions(sessions, demo)
        user_ids = [FLOOR_USERS + i for i in range(args.people)]
        people = await seed_people(sessions, cipher, demo, user_ids)
        answers = floor_answers(cipher, questions, user_ids)
        cpu, started = time.process_time(), time.perf_counter()
        if backend == "sqlite":
            path = database_url.removeprefix("sqlite:///")
            await floor_sqlite(path, demo.poll_id, questions, answers)
        else:
            await floor_postgres(database_url, demo.poll_id, questions, answers)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        count = len(user_ids) * len(questions)
        check = await check_answers(sessions, questions, people)
    finally:
        await engine.dispose()
    return Floor(backend, count, seconds, cpu / count * 1000, check)


def p99(values: Sequence[float]) -> float:
    """The 99th percentile, in milliseconds."""
    return statistics.quantiles(values, n=100)[98] * 1000 if len(values) > 1 else values[0] * 1000


def report(figures: Figures, floor: Floor | None, args: argparse.Namespace) -> None:
    """Print one run's figures, the throughput beside the floor measured in the same run."""
    rate = figures.answers / figures.seconds
    beside = (
        f"floor {floor.answers / floor.seconds:,.0f}/s at {floor.cpu_ms:.2f} ms CPU; "
        if floor is not None
        else ""
    )
    rows = [
        (
            f"answers/s, {args.concurrency} people typing {args.typing:g} s apart",
            f"{rate:,.0f}/s",
            f"{beside}bot CPU {figures.bot_cpu_ms:.1f} ms per answer; "
            f"load generator {figures.driver_cpu:.0%} of a core",
        ),
        *(
            (
                f"p99 reply latency at {run.offered:,.0f} answers/s (achieved {run.achieved:,.0f}/s)",
                f"{p99(run.latencies):,.1f} ms",
                f"median {statistics.median(run.latencies) * 1000:,.1f} ms",
            )
            for run in figures.paced
        ),
        (
            "peak RSS of a bot process",
            f"{figures.peak_rss_kib / 1024:.0f} MB",
            f"just after start {figures.idle_rss_kib / 1024:.0f} MB",
        ),
        *(
            (
                f"answers checked, {people}",
                f"{check.expected:,}",
                f"lost {check.lost} doubled {check.doubled} wrong {check.wrong}",
            )
            for people, check in figures.checks
        ),
        (
            "redelivered (not answered 200); errors the bots logged",
            f"{figures.redelivered}",
            f"{figures.errors} errors",
        ),
    ]
    where = f"{figures.backend} ×{figures.processes}"
    for name, measured, baseline in rows:
        print(f"{where:<14} {figures.channel:<9} {name:<56} {measured:>10}   {baseline}")


def report_floor(floor: Floor) -> None:
    """Print the bare driver's figures."""
    driver = "aiosqlite, one connection" if floor.backend == "sqlite" else "asyncpg"
    check = floor.check
    print(
        f"{floor.backend + ' floor':<14} {'':<9} {'answers/s, the same writes through ' + driver:<56}"
        f" {floor.answers / floor.seconds:>8,.0f}/s   {floor.cpu_ms:.2f} ms CPU per answer;"
        f" lost {check.lost} doubled {check.doubled} wrong {check.wrong}"
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog=PROGRAM, description=(__doc__ or "").split("\n")[0])
    add_backend_argument(parser)
    parser.add_argument(
        "--channel", nargs="+", choices=CHANNELS, default=list(CHANNELS), help="webhooks to measure"
    )
    parser.add_argument(
        "--processes",
        nargs="+",
        type=int,
        default=[1],
        help="bot processes on one PostgreSQL database (SQLite: always 1)",
    )
    parser.add_argument("--people", type=int, default=500, help="people in the throughput run")
    parser.add_argument("--concurrency", type=int, default=100, help="people answering at once")
    parser.add_argument(
        "--warm-up",
        type=int,
        default=50,
        help="people who answer before the throughput run, outside its figures (the start-up's"
        " one-time costs: loading each language's data, compiling statements)",
    )
    parser.add_argument(
        "--typing", type=float, default=0.05, help="seconds between one person's messages"
    )
    parser.add_argument("--rate", type=float, default=200.0, help="answers/s in the latency run")
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="length of each latency run (0: none)"
    )
    args = parser.parse_args(argv)
    if min(args.processes) < 1 or args.people < 1 or args.concurrency < 1:
        parser.error("--processes, --people and --concurrency must be at least 1")
    return args


@asynccontextmanager
async def stop_on_sigterm() -> AsyncIterator[None]:
    """SIGTERM cancels the run as Ctrl-C does, so the bot processes are stopped and the
    databases dropped."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


async def run(args: argparse.Namespace) -> int:
    """Measure every backend × process count, and the floor, and print the figures."""
    server = postgres_server(args.backend, PROGRAM)
    unreachable = await postgres_unreachable(server) if server is not None else None
    if unreachable is not None:
        print(f"{PROGRAM}: {unreachable}", file=sys.stderr)
        return 2
    print(
        f"RESLOG ingest benchmark: {os.cpu_count()} CPUs, Python {platform.python_version()}; {GOALS}"
    )
    async with stop_on_sigterm():
        with tempfile.TemporaryDirectory(prefix="reslog-bench-") as tmp:
            folder = Path(tmp)
            for backend in args.backend:
                async with bench_database(backend, folder, server, "floor") as url:
                    floor = await measure_floor(backend, url, args)
                report_floor(floor)
                counts = sorted(set(args.processes)) if backend == "postgres" else [1]
                for count in counts:
                    async with bench_database(backend, folder, server, f"ingest{count}") as url:
                        for figures in await measure(backend, url, args, folder, count):
                            report(figures, floor, args)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(argv)
    try:
        return event_loop.run(run(args))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print(f"{PROGRAM}: interrupted; the bot processes are stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
