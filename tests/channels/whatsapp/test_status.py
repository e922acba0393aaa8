"""Twilio's status callbacks on /twilio/status: signed with twilio's own RequestValidator or
refused, recorded on the outbox row without going backwards, opt-outs and closed windows acted on."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from twilio.request_validator import RequestValidator

from bot.channels.whatsapp.sender import STATUS_PATH, WhatsAppSender
from bot.channels.whatsapp.status import status_routes
from bot.outbox.dispatcher import DispatchConfig, Dispatcher
from bot.web import build_app
from handlers.notices.queue import audience_of
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.models import Notice
from tests.fakes.twilio_api import FakeTwilioApi, SentMessage
from tests.support.members import TEXTS, Member, add_members, draft_notice
from tests.support.outbox import drain, queue
from tests.support.telegram import telegram_rig
from tests.support.whatsapp_outbound import (
    AUTH_TOKEN,
    PUBLIC_BASE_URL,
    TEMPLATES,
    fake_twilio,
    outbox_rows,
    running_sender,
    stopped_ids,
    whatsapp_settings,
)

FAST = DispatchConfig(rate=200, backoff=0.05, idle_wait=0.05)
AMAL = Member(963933123456, "ar", channel="whatsapp")
AYSE = Member(905321234567, "tr", channel="whatsapp")


@pytest.fixture
async def fake(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[FakeTwilioApi]:
    """The fake Twilio API, its callbacks delivered to an app serving /twilio/status."""
    app = Starlette(routes=status_routes(whatsapp_settings(None), lambda: sessions))
    async with fake_twilio() as server:
        server.callback_transport = httpx.ASGITransport(app=app)
        yield server


@pytest.fixture
async def sender(fake: FakeTwilioApi) -> AsyncIterator[WhatsAppSender]:
    """The sender as the worker builds it."""
    async with running_sender(fake) as running:
        yield running


async def send_notice(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    sender: WhatsAppSender,
    code: str,
    members: list[Member],
) -> None:
    """Write the members, queue a notice to them, and send it with the real dispatcher."""
    await add_members(sessions, cipher, None, code, members)
    await queue(sessions, await draft_notice(sessions, code, urgent=True))
    await drain(sessions, Dispatcher(sessions, cipher, sender, FAST))


async def test_signed_reports_move_the_row_forward_and_never_back(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    fake: FakeTwilioApi,
    sender: WhatsAppSender,
    demo: str,
) -> None:
    await send_notice(sessions, cipher, sender, demo, [AMAL])
    [message] = fake.messages
    [row] = await outbox_rows(sessions)
    assert (row.status, row.external_id, row.delivery_status) == ("sent", message.sid, None)

    seen = []
    for status in ("queued", "sent", "delivered", "read", "sent", "delivered", "queued"):
        answer = await fake.send_status(message.sid, status)
        assert answer.status_code == 200
        [row] = await outbox_rows(sessions)
        seen.append(row.delivery_status)
        if status == "delivered" and len(seen) == 3:
            delivered_at = row.delivered_at
    assert seen == ["queued", "sent", "delivered", "read", "read", "read", "read"]
    assert row.status == "sent"  # the dispatcher's meaning is kept
    assert row.delivered_at == delivered_at and delivered_at is not None


async def test_reports_out_of_order_keep_the_furthest(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    fake: FakeTwilioApi,
    sender: WhatsAppSender,
    demo: str,
) -> None:
    await send_notice(sessions, cipher, sender, demo, [AMAL, AYSE])
    amal, ayse = sorted(fake.messages, key=lambda m: m.to != AMAL.address)
    for status in ("read", "delivered", "sent"):
        await fake.send_status(amal.sid, status)
    for status in ("delivered", "queued", "sent"):
        await fake.send_status(ayse.sid, status)
    by_sid = {r.external_id: r for r in await outbox_rows(sessions)}
    assert by_sid[amal.sid].delivery_status == "read"
    assert by_sid[amal.sid].delivered_at is not None
    assert by_sid[ayse.sid].delivery_status == "delivered"


async def test_unsigned_or_wrongly_signed_reports_are_refused_and_change_nothing(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    fake: FakeTwilioApi,
    sender: WhatsAppSender,
    demo: str,
) -> None:
    await send_notice(sessions, cipher, sender, demo, [AMAL])
    [message] = fake.messages
    other_url = RequestValidator(AUTH_TOKEN).compute_signature(
        "https://elsewhere.example.org" + STATUS_PATH, {"MessageSid": message.sid}
    )
    other_token = RequestValidator("another-token").compute_signature(
        PUBLIC_BASE_URL + STATUS_PATH, {"MessageSid": message.sid, "MessageStatus": "read"}
    )
    for kwargs in (
        {"signed": False},
        {"signature": "bm90IGEgc2lnbmF0dXJl"},
        {"signature": other_url},
        {"signature": other_token},
    ):
        answer = await fake.send_status(message.sid, "read", **kwargs)
        assert answer.status_code == 403
    async with httpx.AsyncClient(transport=fake.callback_transport) as http:
        garbage = await http.post(
            PUBLIC_BASE_URL + STATUS_PATH,
            content=b"\xff\xfe not a form",
            headers={"X-Twilio-Signature": "x"},
        )
    assert garbage.status_code == 403
    [row] = await outbox_rows(sessions)
    assert row.delivery_status is None


@pytest.mark.parametrize("missing", ["MessageSid", "MessageStatus"])
async def test_a_signed_report_without_the_sid_or_status_is_a_bad_request(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    fake: FakeTwilioApi,
    sender: WhatsAppSender,
    demo: str,
    missing: str,
) -> None:
    await send_notice(sessions, cipher, sender, demo, [AMAL])
    [message] = fake.messages
    omitted = (missing, "SmsSid" if missing == "MessageSid" else "SmsStatus")
    answer = await fake.send_status(message.sid, "delivered", omit=omitted)
    assert answer.status_code == 400
    [row] = await outbox_rows(sessions)
    assert row.delivery_status is None


async def test_a_report_for_an_unknown_message_or_status_is_ignored_with_200(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    fake: FakeTwilioApi,
    sender: WhatsAppSender,
    demo: str,
) -> None:
    await send_notice(sessions, cipher, sender, demo, [AMAL])
    [message] = fake.messages
    unknown = await fake.send_status(
        "SM" + "0" * 32, "delivered", url=PUBLIC_BASE_URL + STATUS_PATH
    )
    odd = await fake.send_status(message.sid, "partially_delivered")
    assert (unknown.status_code, odd.status_code) == (200, 200)
    [row] = await outbox_rows(sessions)
    assert (row.status, row.delivery_status) == ("sent", None)


async def test_a_21610_failure_blocks_the_row_and_stops_the_person_for_the_next_notice(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    fake: FakeTwilioApi,
    sender: WhatsAppSender,
    demo: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    await send_notice(sessions, cipher, sender, demo, [AMAL, AYSE])
    amal = next(m for m in fake.messages if m.to == AMAL.address)
    assert (await fake.send_status(amal.sid, "failed", error_code=21610)).status_code == 200
    rows = {r.external_id: r for r in await outbox_rows(sessions)}
    assert (rows[amal.sid].status, rows[amal.sid].delivery_status) == ("blocked", "failed")
    assert rows[amal.sid].error == "Twilio error 21610"
    assert await stopped_ids(sessions) == {rows[amal.sid].participant_id}
    async with sessions() as session:
        notice = await session.get(Notice, await draft_notice(sessions, demo, urgent=True))
        assert notice is not None
        audience = await audience_of(session, notice)
    assert [p.participant_id for p in audience] == [
        r.participant_id for r in rows.values() if r.external_id != amal.sid
    ]
    logged = caplog.text
    assert AMAL.address not in logged and str(AMAL.user_id) not in logged


def _only(messages: list[SentMessage], number: str) -> list[SentMessage]:
    return [m for m in messages if m.to == number]


async def test_a_63016_reported_for_a_free_form_message_sends_it_again_as_the_template_once(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    fake: FakeTwilioApi,
    sender: WhatsAppSender,
    demo: str,
) -> None:
    # The bot thinks Amal wrote an hour ago and Twilio accepts the free-form message; then
    # WhatsApp reports it undelivered: outside the window.
    fake.wrote(AMAL.address, seconds_ago=3600)
    recent = Member(AMAL.user_id, "ar", channel="whatsapp", last_inbound_at=utcnow())
    dispatcher = Dispatcher(sessions, cipher, sender, FAST)
    await add_members(sessions, cipher, None, demo, [recent])
    await queue(sessions, await draft_notice(sessions, demo, urgent=True))
    await drain(sessions, dispatcher)
    [free_form] = fake.messages
    assert free_form.body == TEXTS["ar"]

    await fake.send_status(free_form.sid, "undelivered", error_code=63016)
    [row] = await outbox_rows(sessions)
    assert (row.status, row.delivery_status) == ("pending", "undelivered")
    await drain(sessions, dispatcher)
    first, template = fake.messages
    assert (template.content_sid, template.text) == (TEMPLATES["ar"], TEXTS["ar"])
    assert template.at - first.at >= 5.9  # one message every six seconds to one person
    [row] = await outbox_rows(sessions)
    assert (row.status, row.external_id, row.delivery_status, row.attempts) == (
        "sent",
        template.sid,
        None,
        2,
    )
    # A late report about the first message finds nothing; the template's own is recorded.
    await fake.send_status(free_form.sid, "failed", error_code=63016)
    await fake.send_status(template.sid, "delivered")
    [row] = await outbox_rows(sessions)
    assert (row.status, row.delivery_status) == ("sent", "delivered")
    await drain(sessions, dispatcher)
    assert len(_only(fake.messages, AMAL.address)) == 2


async def test_the_status_route_is_served_only_when_whatsapp_is_configured(
    database_url: str, demo: str
) -> None:
    async with telegram_rig(database_url, polling=False) as rig:
        without = build_app(rig.settings, rig.application)
        settings = type(rig.settings)(
            **{**rig.settings.__dict__, "whatsapp": whatsapp_settings(None)}
        )
        with_whatsapp = build_app(settings, rig.application)
        for app, expected in ((without, 404), (with_whatsapp, 403)):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_BASE_URL) as http:
                answer = await http.post(STATUS_PATH, data={"MessageSid": "SM1"})
            assert answer.status_code == expected
        signed = RequestValidator(AUTH_TOKEN).compute_signature(
            PUBLIC_BASE_URL + STATUS_PATH, {"MessageSid": "SM1", "MessageStatus": "sent"}
        )
        transport = httpx.ASGITransport(app=with_whatsapp)
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_BASE_URL) as http:
            answer = await http.post(
                STATUS_PATH,
                data={"MessageSid": "SM1", "MessageStatus": "sent"},
                headers={"X-Twilio-Signature": signed},
            )
        assert answer.status_code == 200
