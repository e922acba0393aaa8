"""The Telegram webhook is never open: forged updates are refused by a real `reslog serve`.

Telegram ids are not secret, so an update naming a staff member or a participant proves nothing
by itself; only the secret header does. These run `reslog serve` as deployed, with the secret
derived from RESLOG_SECRET_KEY and with a configured one, and check that forged updates (a
notice walked to the end, a digest recipient added, a participant's /forget) are 403s that
change no row, while the same updates with the right header are acted upon.
"""

from __future__ import annotations

import asyncio
import signal
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.web import SECRET_HEADER, WEBHOOK_PATH
from storage.crypto import AddressCipher, webhook_secret
from storage.models import (
    DigestRecipient,
    InboundMessage,
    Municipality,
    Notice,
    OutboxMessage,
    Participant,
    StaffConversation,
)
from storage.staff import FACILITATOR, MUNICIPAL
from tests.conftest import TEST_SECRET
from tests.fakes.bot_api import FakeBotApi, Json
from tests.support.members import Member, add_members
from tests.support.processes import EXIT_TIMEOUT, start_reslog, telegram_env
from tests.support.staff import add_staff

WEBHOOK_URL = "https://bot.reslog.example/telegram/webhook"
CONFIGURED_SECRET = "configured-Secret_0123456789"
FACILITATOR_ID = 870001
MUNICIPAL_ID = 870002
RESIDENT_ID = 870003
WATCHED = (
    Notice,
    OutboxMessage,
    DigestRecipient,
    Participant,
    StaffConversation,
    InboundMessage,
)


def _free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    """A running `reslog serve`: where it listens, and what it logged once stopped."""

    base: str
    process: asyncio.subprocess.Process
    log: str = ""


@asynccontextmanager
async def serving(env: dict[str, str], cwd: Path) -> AsyncIterator[Served]:
    """`reslog serve` until the block ends; then SIGTERM, a clean exit, and its log kept."""
    port = _free_port()
    process = await start_reslog("serve", env={**env, "PORT": str(port)}, cwd=cwd)
    served = Served(f"http://127.0.0.1:{port}", process)
    try:
        async with httpx.AsyncClient() as http, asyncio.timeout(EXIT_TIMEOUT):
            while process.returncode is None:
                try:
                    await http.get(f"{served.base}/healthz")
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.05)
        assert process.returncode is None, "reslog serve stopped at start"
        yield served
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(process.communicate(), EXIT_TIMEOUT)
        served.log = err.decode(errors="replace")
    assert process.returncode == 0, served.log
    assert "Traceback" not in served.log


async def _counts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """How many rows each watched table holds."""
    counts: dict[str, int] = {}
    async with sessions() as session:
        for model in WATCHED:
            query = select(func.count()).select_from(model)
            counts[model.__name__] = int((await session.execute(query)).scalar_one())
    return counts


async def _people(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str, fake: FakeBotApi
) -> tuple[Json, Json, Json]:
    """A facilitator, a municipal staff member and a participant who joined, as Telegram users."""
    async with sessions() as session:
        municipality = (await session.execute(select(Municipality.id))).scalar_one()
    await add_staff(sessions, cipher, FACILITATOR_ID, FACILITATOR, code=demo)
    await add_staff(sessions, cipher, MUNICIPAL_ID, MUNICIPAL, municipality_id=municipality)
    members = [Member(RESIDENT_ID, "en", {"community": "syrian"})]
    members += [Member(871000 + i, "ar", {"community": "syrian"}) for i in range(3)]
    users = await add_members(sessions, cipher, fake, demo, members)
    facilitator = fake.user(FACILITATOR_ID, "Fatma", "en")
    municipal = fake.user(MUNICIPAL_ID, "Mehmet", "en")
    return facilitator, municipal, users[RESIDENT_ID]


def _attack(fake: FakeBotApi, facilitator: Json, municipal: Json, resident: Json) -> list[Json]:
    """What an attacker who knows three Telegram ids posts: a notice to everyone, a digest
    recipient of their own, and a participant's erasure."""
    fake_notice = "FAKE notice: call +1 900 000"
    return [
        fake.text_update(facilitator, "/notice"),
        *(fake.text_update(facilitator, fake_notice) for _ in range(3)),
        fake.text_update(municipal, "/digest"),
        fake.text_update(municipal, "attacker@example.org"),
        fake.text_update(resident, "/forget"),
    ]


async def _post_forged(http: httpx.AsyncClient, url: str, updates: list[Json]) -> list[int]:
    """Post every update with no secret header, an empty one and a wrong one; the statuses."""
    statuses = []
    for headers in ({}, {SECRET_HEADER: ""}, {SECRET_HEADER: webhook_secret("x" * 40)}):
        for update in updates:
            statuses.append((await http.post(url, json=update, headers=headers)).status_code)
    return statuses


@pytest.mark.parametrize("configured", [False, True], ids=["derived-secret", "configured-secret"])
async def test_forged_updates_naming_staff_or_a_participant_are_refused_and_change_nothing(
    cli_env: dict[str, str],
    demo: str,
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    tmp_path: Path,
    configured: bool,
) -> None:
    secret = CONFIGURED_SECRET if configured else webhook_secret(TEST_SECRET)
    async with FakeBotApi() as fake:
        facilitator, municipal, resident = await _people(sessions, cipher, demo, fake)
        extra = {"TELEGRAM_WEBHOOK_SECRET": CONFIGURED_SECRET} if configured else {}
        env = telegram_env(cli_env, fake, TELEGRAM_WEBHOOK_URL=WEBHOOK_URL, **extra)
        async with serving(env, tmp_path) as served, httpx.AsyncClient() as http:
            url = served.base + WEBHOOK_PATH
            await fake.wait_until(lambda: fake.calls_to("setWebhook"), what="setWebhook")
            before = await _counts(sessions)
            forged = await _post_forged(http, url, _attack(fake, facilitator, municipal, resident))
            after = await _counts(sessions)
            sent_while_forged = len(fake.calls_to("sendMessage"))

            # The same person, with the right header, is answered and acted upon.
            asked = await fake.post_update(http, url, fake.text_update(resident, "/forget"), secret)
            erased = await fake.post_update(
                http, url, fake.press_update(resident, "Erase everything"), secret
            )
            remaining = await _counts(sessions)
    assert set(forged) == {403} and len(forged) == 21
    assert after == before
    assert sent_while_forged == 0
    assert (asked.status_code, erased.status_code) == (200, 200)
    assert remaining["Participant"] == before["Participant"] - 1
    [registered] = fake.calls_to("setWebhook")
    assert registered.params["url"] == WEBHOOK_URL
    assert registered.params["secret_token"] == secret
    refusals = [line for line in served.log.splitlines() if "refused a call to" in line]
    assert len(refusals) == 21
    assert "(21 refused since start)" in refusals[-1]
    assert "FAKE notice" not in served.log and "attacker@example.org" not in served.log


async def test_a_facilitator_with_the_right_header_walks_a_notice_to_the_end(
    cli_env: dict[str, str],
    demo: str,
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    tmp_path: Path,
) -> None:
    secret = webhook_secret(TEST_SECRET)
    async with FakeBotApi() as fake:
        facilitator, _municipal, _resident = await _people(sessions, cipher, demo, fake)
        env = telegram_env(cli_env, fake, TELEGRAM_WEBHOOK_URL=WEBHOOK_URL)
        async with serving(env, tmp_path) as served, httpx.AsyncClient() as http:
            url = served.base + WEBHOOK_PATH

            async def say(update: Json) -> None:
                response = await fake.post_update(http, url, update, secret)
                assert response.status_code == 200

            await say(fake.text_update(facilitator, "/notice"))
            for text in ("Toplantı salı 18:00'de", "الاجتماع يوم الثلاثاء", "Meeting on Tuesday"):
                await say(fake.text_update(facilitator, text))
            await say(fake.press_update(facilitator, "Everyone in the assembly"))
            await say(fake.press_update(facilitator, "Send now"))
            counts = await _counts(sessions)
    assert counts["Notice"] == 1
    assert counts["OutboxMessage"] == 4
    assert "refused a call to" not in served.log


async def test_without_any_secret_setting_the_derived_secret_is_registered_rather_than_none(
    cli_env: dict[str, str], demo: str, tmp_path: Path
) -> None:
    async with FakeBotApi() as fake:
        env = telegram_env(cli_env, fake, TELEGRAM_WEBHOOK_URL=WEBHOOK_URL)
        async with serving(env, tmp_path) as served, httpx.AsyncClient() as http:
            await fake.wait_until(lambda: fake.calls_to("setWebhook"), what="setWebhook")
            update = fake.text_update(fake.user(872001, "Ayşe", "tr"), "/help")
            refused = await http.post(served.base + WEBHOOK_PATH, json=update)
    [registered] = fake.calls_to("setWebhook")
    derived = registered.params["secret_token"]
    assert derived == webhook_secret(TEST_SECRET)
    assert derived != webhook_secret("another secret key of at least 32 chars")
    assert len(derived) == 43 and set(derived) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
    )
    assert refused.status_code == 403
    assert derived not in served.log


async def test_serving_without_a_secret_needs_the_explicit_setting_and_warns_at_every_start(
    cli_env: dict[str, str], demo: str, tmp_path: Path
) -> None:
    async with FakeBotApi() as fake:
        env = telegram_env(
            cli_env,
            fake,
            TELEGRAM_WEBHOOK_URL=WEBHOOK_URL,
            TELEGRAM_WEBHOOK_INSECURE="1",
        )
        async with serving(env, tmp_path) as served, httpx.AsyncClient() as http:
            await fake.wait_until(lambda: fake.calls_to("setWebhook"), what="setWebhook")
            update = fake.text_update(fake.user(872002, "Ayşe", "tr"), "/help")
            accepted = await fake.post_update(http, served.base + WEBHOOK_PATH, update)
    assert accepted.status_code == 200
    [registered] = fake.calls_to("setWebhook")
    assert registered.params.get("secret_token") is None
    warnings = [line for line in served.log.splitlines() if "WARNING" in line]
    assert any("served with no secret" in line and "any participant" in line for line in warnings)


@pytest.mark.parametrize(
    ("extra", "line"),
    [
        (
            {"TELEGRAM_WEBHOOK_URL": "http://bot.reslog.example/telegram/webhook"},
            "reslog: error: TELEGRAM_WEBHOOK_URL 'http://bot.reslog.example/telegram/webhook' "
            "is not https://: Telegram would send every update and its secret in the clear "
            "(TELEGRAM_WEBHOOK_INSECURE=1 allows it)",
        ),
        (
            {"TELEGRAM_WEBHOOK_URL": WEBHOOK_URL, "TELEGRAM_WEBHOOK_SECRET": "has spaces in it"},
            "reslog: error: TELEGRAM_WEBHOOK_SECRET must be 1 to 256 characters of A-Z, a-z, "
            "0-9, _ and - (what Telegram accepts); leave it unset to use one derived from "
            "RESLOG_SECRET_KEY",
        ),
        (
            {"TELEGRAM_WEBHOOK_URL": WEBHOOK_URL, "TELEGRAM_WEBHOOK_INSECURE": "maybe"},
            "reslog: error: TELEGRAM_WEBHOOK_INSECURE 'maybe' is not 1 or 0 (true or false)",
        ),
    ],
    ids=["http-url", "bad-secret", "bad-flag"],
)
async def test_an_unsafe_or_malformed_webhook_setting_stops_serve_with_one_line(
    cli_env: dict[str, str], tmp_path: Path, extra: dict[str, str], line: str
) -> None:
    async with FakeBotApi() as fake:
        process = await start_reslog(
            "serve", env=telegram_env(cli_env, fake, **extra), cwd=tmp_path
        )
        _out, err = await asyncio.wait_for(process.communicate(), EXIT_TIMEOUT)
    assert process.returncode == 2
    assert err.decode().strip() == line
    assert fake.calls_to("setWebhook") == []
