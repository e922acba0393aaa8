"""The webhook web app: secret first, then parsing; updates handled once; the health check."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from bot.web import SECRET_HEADER, WEBHOOK_PATH, build_app
from storage.crypto import webhook_secret
from storage.models import InboundMessage, Participant
from tests.conftest import TEST_SECRET
from tests.support.telegram import TelegramRig, telegram_rig

SECRET = "s3cret_Token-for-the-webhook"


@pytest.fixture
async def rig(database_url: str, demo: str) -> AsyncIterator[TelegramRig]:
    """The bot without an updater (webhook mode), against the fake Bot API."""
    async with telegram_rig(database_url, polling=False, webhook_secret=SECRET) as running:
        yield running


@pytest.fixture
async def client(rig: TelegramRig) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the web app, in process."""
    app: Starlette = build_app(rig.settings, rig.application)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://reslog.test") as http:
        yield http


async def _count(sessions: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_a_wrong_or_missing_secret_is_refused_before_anything_is_read(
    rig: TelegramRig,
    client: httpx.AsyncClient,
    demo: str,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    update = rig.fake.text_update(rig.fake.user(900001, "Ayşe", "tr"), f"/start {demo}")
    for headers in ({SECRET_HEADER: "wrong"}, {}, {SECRET_HEADER: SECRET + "x"}):
        response = await client.post(WEBHOOK_PATH, json=update, headers=headers)
        assert response.status_code == 403
    response = await client.post(WEBHOOK_PATH, content=b"not json", headers={SECRET_HEADER: "x"})
    assert response.status_code == 403  # the secret is checked before the body is parsed
    await rig.idle()
    assert await _count(sessions, InboundMessage) == 0
    assert await _count(sessions, Participant) == 0
    assert rig.fake.calls_to("sendMessage") == []


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2, 3]",
        b'"text"',
        b"{}",
        b'{"update_id": "1"}',
        b"\xff\xfe",
        b'{"update_id": 1, "message": "x"}',
        b'{"update_id": 1, "message": {"chat": 5}}',
    ],
    ids=[
        "not-json",
        "array",
        "string",
        "no-update-id",
        "update-id-not-int",
        "not-utf8",
        "message-not-object",
        "message-without-date",
    ],
)
async def test_a_body_that_is_not_an_update_is_a_bad_request(
    rig: TelegramRig, client: httpx.AsyncClient, body: bytes
) -> None:
    response = await client.post(WEBHOOK_PATH, content=body, headers={SECRET_HEADER: SECRET})
    assert response.status_code == 400
    await rig.idle()
    assert rig.fake.calls_to("sendMessage") == []


async def test_a_valid_update_is_committed_and_answered_before_the_200_and_handled_once(
    rig: TelegramRig,
    client: httpx.AsyncClient,
    demo: str,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    fake = rig.fake
    ayse = fake.user(900002, "Ayşe", "tr")
    update = fake.text_update(ayse, f"/start {demo}")
    first = await client.post(WEBHOOK_PATH, json=update, headers={SECRET_HEADER: SECRET})
    # The 200 comes only once the update is committed and answered: Telegram redelivers an
    # update it got no 200 for, so a crash while handling loses nothing. The reply rides in
    # the 200 itself, as a sendMessage call that Telegram makes.
    assert first.status_code == 200
    assert first.json()["method"] == "sendMessage"
    assert first.json()["chat_id"] == ayse["id"]
    assert fake.calls_to("sendMessage") == []
    assert await _count(sessions, InboundMessage) == 1
    await fake.take_webhook_reply(first)
    again = await fake.post_update(client, WEBHOOK_PATH, update, SECRET)
    assert (again.status_code, again.content) == (200, b"")  # handled once: nothing to say
    await fake.post_update(client, WEBHOOK_PATH, fake.text_update(ayse, "/help"), SECRET)
    await rig.idle()  # one person's updates are handled in order: /help comes last

    sent = fake.calls_to("sendMessage")
    assert all(call.via_webhook for call in sent)
    texts = [call.params["text"] for call in sent]
    assert len(texts) == 2
    assert "Lütfen dilinizi seçin." in texts[0]
    assert "/feedback" in texts[1]
    assert await _count(sessions, InboundMessage) == 2
    assert await _count(sessions, Participant) == 1


async def test_a_button_pressed_through_the_webhook_is_answered_and_disarmed(
    rig: TelegramRig, client: httpx.AsyncClient, demo: str
) -> None:
    fake = rig.fake
    ayse = fake.user(900003, "Ayşe", "tr")
    await fake.post_update(client, WEBHOOK_PATH, fake.text_update(ayse, f"/start {demo}"), SECRET)
    await rig.idle()
    response = await fake.post_update(
        client, WEBHOOK_PATH, fake.press_update(ayse, "Türkçe"), SECRET
    )
    assert response.status_code == 200
    await rig.idle()
    assert fake.unanswered_queries() == []
    assert len(fake.calls_to("editMessageReplyMarkup")) == 1
    assert "kabul ediyor musunuz?" in fake.calls_to("sendMessage")[-1].params["text"]


async def test_health_is_ok_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_health_is_503_when_the_database_does_not_answer() -> None:
    async with telegram_rig("sqlite:////nonexistent-reslog-dir/none.db", polling=False) as rig:
        app = build_app(rig.settings, rig.application)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://reslog.test") as http:
            response = await http.get("/healthz")
    assert (response.status_code, response.json()) == (503, {"status": "unavailable"})


async def test_without_a_configured_secret_the_derived_one_is_required(
    database_url: str, demo: str
) -> None:
    async with telegram_rig(database_url, polling=False) as rig:
        app = build_app(rig.settings, rig.application)
        transport = httpx.ASGITransport(app=app)
        update = rig.fake.text_update(rig.fake.user(900004, "Ayşe", "tr"), "/help")
        async with httpx.AsyncClient(transport=transport, base_url="http://reslog.test") as http:
            refused = await rig.fake.post_update(http, WEBHOOK_PATH, update)
            accepted = await rig.fake.post_update(
                http, WEBHOOK_PATH, update, webhook_secret(TEST_SECRET)
            )
        await rig.idle()
    assert (refused.status_code, accepted.status_code) == (403, 200)
    assert app.state.refused.telegram == 1
    assert len(rig.fake.calls_to("sendMessage")) == 1


async def test_only_the_explicit_insecure_setting_serves_the_webhook_without_a_secret(
    database_url: str, demo: str
) -> None:
    async with telegram_rig(database_url, polling=False) as rig:
        app = build_app(replace(rig.settings, telegram_webhook_insecure=True), rig.application)
        transport = httpx.ASGITransport(app=app)
        update = rig.fake.text_update(rig.fake.user(900006, "Ayşe", "tr"), "/help")
        async with httpx.AsyncClient(transport=transport, base_url="http://reslog.test") as http:
            response = await rig.fake.post_update(http, WEBHOOK_PATH, update)
        await rig.idle()
    assert response.status_code == 200
    assert len(rig.fake.calls_to("sendMessage")) == 1


async def test_a_redelivered_button_press_leaves_the_edited_keyboard_alone(
    rig: TelegramRig, client: httpx.AsyncClient, demo: str
) -> None:
    fake = rig.fake
    ayse = fake.user(900005, "Ayşe", "tr")

    async def deliver(update: dict[str, object]) -> None:
        response = await fake.post_update(client, WEBHOOK_PATH, update, SECRET)
        assert response.status_code == 200
        await rig.idle()

    await deliver(fake.text_update(ayse, f"/start {demo}"))
    for label in (
        "Türkçe",
        "Kabul ediyorum",
        "Evet, sorun",
        *["Belirtmek istemiyorum"] * 3,
        "Toplu taşıma",
    ):
        await deliver(fake.press_update(ayse, label))
    toggle = fake.press_update(ayse, "Mahalle pikniği")
    await deliver(toggle)
    assert "☑ Mahalle pikniği" in fake.shown(ayse)
    calls = len(fake.calls)
    await deliver(toggle)  # Telegram delivers the same update again
    assert [c.method for c in fake.calls[calls:]] == ["answerCallbackQuery"]
    assert "☑ Mahalle pikniği" in fake.shown(ayse) and "Tamam ✓" in fake.shown(ayse)
