"""Two `reslog serve` processes on one PostgreSQL database: one person's turns never overlap.

A hundred people stand at the demo poll's first question and type its six answers quickly,
their messages going to the two processes in turn, as Telegram spreads updates over several
webhook connections behind one URL. Every answer must be stored once, on the question it was
typed for, and every reply must ask the question that follows. The same holds when each
person sends all six at once, when every update reaches both processes, when one process is
killed half-way, and when the database goes out of reach for a while.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import select

from bench.people import Demo, language_of, seed_demo_assembly, seed_people
from bot.web import WEBHOOK_PATH
from storage.crypto import AddressCipher
from storage.engine import create_engine, create_sessionmaker
from storage.models import Answer, Option, Poll, Question, Response
from tests.conftest import TEST_SECRET
from tests.fakes.bot_api import FakeBotApi, Json
from tests.support.processes import Serving, serving, telegram_env
from tests.support.tcp_proxy import TcpProxy

PEOPLE = 100
WEBHOOK_SECRET = "turns-across-processes_0123"
# What each person types, question by question (single, multiple, scale, yes/no, number, text).
TYPED = ("2", "1 3", "4", "1", "3", "Daha çok park")
FIRST_USER = 7_100_000
# No kept-alive connections: a server may close an idle one just as a request goes out on it.
NO_KEEP_ALIVE = httpx.Limits(max_keepalive_connections=0, max_connections=200)


@dataclass
class Crowd:
    """The people, the poll they answer, and the replies each chat received."""

    fake: FakeBotApi
    users: list[Json]
    demo: Demo
    texts: dict[str, list[str]]  # question texts by language, in the poll's order
    title: dict[str, str]
    posted: itertools.count[int] = field(default_factory=itertools.count)

    def replies(self, user: Json) -> list[str]:
        """Every text the bot sent to this person, in order."""
        return [
            str(call.params["text"])
            for call in self.fake.calls_to("sendMessage")
            if call.params.get("chat_id") == user["id"]
        ]


def _env(database_url: str, fake: FakeBotApi) -> dict[str, str]:
    return telegram_env(
        {"DATABASE_URL": database_url, "RESLOG_SECRET_KEY": TEST_SECRET, "LOG_LEVEL": "WARNING"},
        fake,
        TELEGRAM_WEBHOOK_URL="https://bot.reslog.example/telegram/webhook",
        TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )


@asynccontextmanager
async def _two_processes(
    fake: FakeBotApi, database_url: str, tmp_path: Path, served_url: str | None = None
) -> AsyncIterator[tuple[Crowd, list[Serving], httpx.AsyncClient]]:
    """The crowd at the poll, two `reslog serve` processes on the database (``served_url``
    when they reach it another way), and a client without kept-alive connections."""
    crowd = await _crowd(database_url, fake)
    async with (
        serving(2, _env(served_url or database_url, fake), tmp_path) as servers,
        httpx.AsyncClient(limits=NO_KEEP_ALIVE, timeout=60) as http,
    ):
        yield crowd, servers, http


async def _post(
    fake: FakeBotApi, http: httpx.AsyncClient, server: Serving, update: Json
) -> httpx.Response:
    """Deliver an update to one process's webhook, as Telegram does."""
    return await fake.post_update(http, f"{server.base_url}{WEBHOOK_PATH}", update, WEBHOOK_SECRET)


async def _crowd(database_url: str, fake: FakeBotApi) -> Crowd:
    """The demo poll open, and PEOPLE members of the demo assembly at its first question."""
    engine = create_engine(database_url)
    sessions = create_sessionmaker(engine)
    demo = await seed_demo_assembly(sessions)
    user_ids = list(range(FIRST_USER, FIRST_USER + PEOPLE))
    await seed_people(sessions, AddressCipher.from_secret(TEST_SECRET), demo, user_ids)
    async with sessions() as session:
        poll = await session.get(Poll, demo.poll_id)
        assert poll is not None
        await session.refresh(poll, ["questions"])
        texts = {lang: [q.text[lang] for q in poll.questions] for lang in ("tr", "ar", "en")}
        title = dict(poll.title)
    await engine.dispose()
    users = [fake.user(uid, f"Kişi {uid}", language_of(uid)) for uid in user_ids]
    return Crowd(fake, users, demo, texts, title)


async def _stored(database_url: str, demo: Demo) -> dict[int, list[tuple[int, str]]]:
    """Each person's stored answers as (question position, value), in the poll's order."""
    engine = create_engine(database_url)
    query = (
        select(Response.participant_id, Question.position, Option.position, Answer)
        .join(Answer, Answer.response_id == Response.id)
        .join(Question, Question.id == Answer.question_id)
        .outerjoin(Option, Option.id == Answer.option_id)
        .where(Response.poll_id == demo.poll_id)
        .order_by(Response.participant_id, Question.position, Option.position)
    )
    found: dict[int, list[tuple[int, str]]] = {}
    async with create_sessionmaker(engine)() as session:
        for participant_id, position, option, answer in (await session.execute(query)).all():
            if option is not None:
                value = str(option)
            elif answer.value_text is not None:
                value = answer.value_text
            else:
                value = str(answer.value_int)
            found.setdefault(participant_id or 0, []).append((position, value))
    await engine.dispose()
    return found


def _expected(typed: tuple[str, ...]) -> list[tuple[int, str]]:
    """The rows typed answers must leave: chosen options by position (typed from 1, stored
    from 0), then the values and the text."""
    single, multi, scale, yes, number, text = typed
    return [
        (0, str(int(single) - 1)),
        *((1, str(int(part) - 1)) for part in multi.split()),
        (2, scale),
        (3, yes),
        (4, number),
        (5, text),
    ]


async def _answer_in_turn(
    crowd: Crowd,
    user: Json,
    send: Callable[[int, Json], Awaitable[None]],
) -> None:
    """One person types the answers one after another, each once the reply came."""
    for typed in TYPED:
        await send(next(crowd.posted), crowd.fake.text_update(user, typed))


def _asked(crowd: Crowd, user: Json) -> list[int | None]:
    """For each reply to the person, the position of the question it asks (None: none)."""
    texts = crowd.texts[user["language_code"]]
    return [
        next((i for i, text in enumerate(texts) if text in reply), None)
        for reply in crowd.replies(user)
    ]


def _check_replies(crowd: Crowd) -> None:
    """Each answer was followed by the next question, in the person's language; the last by
    one message: thanks naming the poll, and the word that nothing else is waiting."""
    for user in crowd.users:
        replies = crowd.replies(user)
        assert _asked(crowd, user) == [1, 2, 3, 4, 5, None], "\n---\n".join(replies)
        thanks, rest = replies[-1].split("\n\n", 1)
        assert crowd.title[user["language_code"]] in thanks and rest


async def _check_stored(database_url: str, crowd: Crowd, typed: tuple[str, ...]) -> None:
    stored = await _stored(database_url, crowd.demo)
    assert len(stored) == PEOPLE
    wrong = {pid: rows for pid, rows in stored.items() if rows != _expected(typed)}
    assert not wrong, f"{len(wrong)} people with wrong answers, e.g. {next(iter(wrong.items()))}"


async def test_quick_answers_alternating_between_two_processes_are_stored_once_each(
    postgres_database_url: str, tmp_path: Path
) -> None:
    async with (
        FakeBotApi() as fake,
        _two_processes(fake, postgres_database_url, tmp_path) as (crowd, servers, http),
    ):

        async def send(k: int, update: Json) -> None:
            response = await _post(fake, http, servers[k % 2], update)
            assert response.status_code == 200, response.text

        await asyncio.gather(*(_answer_in_turn(crowd, user, send) for user in crowd.users))
    _check_replies(crowd)
    await _check_stored(postgres_database_url, crowd, TYPED)


async def test_six_answers_sent_at_once_to_both_processes_are_six_answers(
    postgres_database_url: str, tmp_path: Path
) -> None:
    """Each person's six messages all go at the same instant, three to each process: they are
    handled one after another, each answering the question the one before left."""
    async with (
        FakeBotApi() as fake,
        _two_processes(fake, postgres_database_url, tmp_path) as (crowd, servers, http),
    ):
        updates = [
            (k, fake.text_update(user, "1")) for user in crowd.users for k in range(len(TYPED))
        ]
        statuses = await asyncio.gather(
            *(_post(fake, http, servers[k % 2], update) for k, update in updates)
        )
    assert {response.status_code for response in statuses} == {200}
    await _check_stored(postgres_database_url, crowd, ("1", "1", "1", "1", "1", "1"))
    for user in crowd.users:  # every question asked once (the replies of messages sent at
        # the same instant reach the person in the order their webhook calls end)
        asked = _asked(crowd, user)
        assert sorted(asked, key=lambda p: -1 if p is None else p) == [None, 1, 2, 3, 4, 5]


async def test_every_update_delivered_to_both_processes_is_applied_once(
    postgres_database_url: str, tmp_path: Path
) -> None:
    async with (
        FakeBotApi() as fake,
        _two_processes(fake, postgres_database_url, tmp_path) as (crowd, servers, http),
    ):

        async def send(_k: int, update: Json) -> None:
            both = await asyncio.gather(*(_post(fake, http, server, update) for server in servers))
            assert [response.status_code for response in both] == [200, 200]

        await asyncio.gather(*(_answer_in_turn(crowd, user, send) for user in crowd.users))
    _check_replies(crowd)
    await _check_stored(postgres_database_url, crowd, TYPED)


async def test_a_process_killed_half_way_leaves_nothing_half_written(
    postgres_database_url: str, tmp_path: Path
) -> None:
    """Half-way through, one process is killed (SIGKILL) in the middle of its turns; what it
    did not answer is delivered again to the other, as Telegram redelivers an unanswered update."""
    async with (
        FakeBotApi() as fake,
        _two_processes(fake, postgres_database_url, tmp_path) as (crowd, servers, http),
    ):
        half = PEOPLE * len(TYPED) // 2
        redelivered: list[int] = []

        async def send(k: int, update: Json) -> None:
            if k == half:
                servers[0].kill()
            target = servers[k % 2] if servers[0].process.returncode is None else servers[1]
            try:
                response = await _post(fake, http, target, update)
                if response.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            redelivered.append(update["update_id"])
            response = await _post(fake, http, servers[1], update)
            assert response.status_code == 200, response.text

        await asyncio.gather(*(_answer_in_turn(crowd, user, send) for user in crowd.users))
    assert servers[0].process.returncode is not None
    assert redelivered, "the kill caught no update in flight"
    await _check_stored(postgres_database_url, crowd, TYPED)
    _check_in_order(crowd)


async def test_while_the_database_is_out_of_reach_updates_are_answered_503_and_kept_once(
    postgres_database_url: str, tmp_path: Path
) -> None:
    """The connection to PostgreSQL is cut for a while: every webhook call is answered 503
    (Telegram then delivers it again), none 200; once it is back, every answer is stored once."""
    async with (
        FakeBotApi() as fake,
        TcpProxy.to_database(postgres_database_url) as proxy,
        _two_processes(fake, postgres_database_url, tmp_path, proxy.database_url) as (
            crowd,
            servers,
            http,
        ),
    ):
        third = PEOPLE * len(TYPED) // 3
        unavailable: list[int] = []

        async def send(k: int, update: Json) -> None:
            if k == third:
                proxy.cut()
                asyncio.get_running_loop().call_later(1.0, proxy.restore)
            for attempt in itertools.count():
                server = servers[(k + attempt) % 2]
                response = await _post(fake, http, server, update)
                if response.status_code == 200:
                    return
                assert response.status_code == 503, response.text
                unavailable.append(update["update_id"])
                await asyncio.sleep(0.2)

        await asyncio.gather(*(_answer_in_turn(crowd, user, send) for user in crowd.users))
    assert unavailable, "no update arrived while the database was out of reach"
    await _check_stored(postgres_database_url, crowd, TYPED)
    # A turn whose COMMIT reached the database just as the connection was cut is answered 503
    # (its outcome unknown to the process); the copy Telegram delivers then finds it applied and
    # says nothing, so that reply is missing. No question is ever asked twice or out of order.
    _check_in_order(crowd)


def _check_in_order(crowd: Crowd) -> None:
    """No question was asked twice or out of order."""
    for user in crowd.users:
        asked = [position for position in _asked(crowd, user) if position is not None]
        assert asked == sorted(set(asked)), "\n---\n".join(crowd.replies(user))
