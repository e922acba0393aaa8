"""GET /metrics: Prometheus's text, behind a bearer token, its figures checked against what
happened: WhatsApp turns and answers, refused calls, the flood limit, the outbox's rows."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.whatsapp.sender import STATUS_PATH
from bot.web import SECRET_HEADER, WEBHOOK_PATH, build_app
from handlers.i18n.core import _, use_language
from handlers.notices.queue import queue_notice
from storage.base import utcnow
from storage.models import Answer, Notice
from tests.fakes.loopback import serving
from tests.support.members import draft_notice
from tests.support.metrics import Samples, samples_of, value
from tests.support.whatsapp import (
    PUBLIC_BASE_URL,
    Phone,
    WhatsAppRig,
    number_of,
    sign,
    whatsapp_rig,
)

TOKEN = "metrics-token-for-tests-0123456789"
FLOOD_LIMIT = 8


@pytest.fixture
async def rig(database_url: str, demo: str) -> AsyncIterator[WhatsAppRig]:
    """The web app with WhatsApp and metrics on, a person may send eight messages a minute."""
    async with whatsapp_rig(
        database_url, flood_messages=FLOOD_LIMIT, metrics_token=TOKEN
    ) as running:
        yield running


async def _scrape(http: httpx.AsyncClient) -> tuple[str, Samples]:
    reply = await http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/plain")
    return reply.text, samples_of(reply.text)


def _said(language: str, message: str) -> str:
    with use_language(language):
        return _(message)


async def test_the_figures_match_what_happened_and_carry_no_person(
    rig: WhatsAppRig, sessions: async_sessionmaker[AsyncSession], demo: str
) -> None:
    amal = Phone("+963944777001", "أمل")
    texts = await rig.say(amal, f"انضم {demo}")
    texts = await rig.say(amal, number_of(texts, "العربية"))
    texts = await rig.say(amal, number_of(texts, _said("ar", "I agree")))
    texts = await rig.say(amal, number_of(texts, _said("ar", "No, skip them")))
    texts = await rig.say(amal, number_of(texts, _said("ar", "Prefer not to say")))
    texts = await rig.say(amal, number_of(texts, "يشيل تبه"))
    texts = await rig.say(amal, number_of(texts, "النقل العام"))  # answer 1
    texts = await rig.say(amal, "١ ٣")  # answer 2
    assert await rig.say(amal, "حديقة")  # message 9: over the limit of 8, warned
    assert await rig.say(amal, "حديقة") == []  # ignored
    async with sessions() as session:
        answered = select(func.count(func.distinct(Answer.question_id)))
        assert (await session.execute(answered)).scalar_one() == 2  # questions, not option rows

    forged = await rig.post(amal.form("١"), signature="forged")
    assert forged.status_code == 403
    assert (await rig.http.post(WEBHOOK_PATH, json={"update_id": 1})).status_code == 403
    for status, code in (("undelivered", "63016"), ("delivered", ""), ("failed", "²")):
        report = {"MessageSid": "SM" + "1" * 32, "MessageStatus": status, "ErrorCode": code}
        signature = sign(PUBLIC_BASE_URL + STATUS_PATH, report)
        answer = await rig.post(report, signature=signature, path=STATUS_PATH)
        assert answer.status_code == 200  # "²" is not a code, and no reason to fail
    fake = rig.telegram.fake
    update = fake.text_update(fake.user(7_700_001, "Sam", "en"), "/help")
    secret = rig.telegram.settings.webhook_secret()
    assert secret is not None
    delivered = await rig.http.post(WEBHOOK_PATH, json=update, headers={SECRET_HEADER: secret})
    assert delivered.status_code == 200

    async with sessions() as session:
        notice_id = await draft_notice(sessions, demo)
        notice = await session.get(Notice, notice_id)
        assert notice is not None
        queued = await queue_notice(session, notice, utcnow())
        await session.commit()

    body, samples = await _scrape(rig.http)
    assert value(samples, "reslog_turns_total", channel="whatsapp") == 10
    assert value(samples, "reslog_answers_total", channel="whatsapp") == 2
    assert value(samples, "reslog_turns_total", channel="telegram") == 1
    assert value(samples, "reslog_answers_total", channel="telegram") == 0
    assert value(samples, "reslog_webhook_responses_total", route=WEBHOOK_PATH, status="200") == 1
    assert value(samples, "reslog_turn_seconds_count", channel="whatsapp") == 10
    route = "/twilio/whatsapp"
    assert value(samples, "reslog_webhook_responses_total", route=route, status="200") == 10
    assert value(samples, "reslog_webhook_responses_total", route=route, status="403") == 1
    assert value(samples, "reslog_webhook_responses_total", route=WEBHOOK_PATH, status="403") == 1
    assert value(samples, "reslog_flood_messages_total", channel="whatsapp", outcome="warned") == 1
    assert value(samples, "reslog_flood_messages_total", channel="whatsapp", outcome="ignored") == 1
    assert value(samples, "reslog_outbox_rows", channel="whatsapp", status="pending") == queued
    assert value(samples, "reslog_outbox_rows", channel="whatsapp", status="sent") == 0
    reports = "reslog_delivery_reports_total"
    assert value(samples, reports, status="undelivered", error_code="63016") == 1
    assert value(samples, reports, status="delivered", error_code="") == 1
    assert value(samples, reports, status="failed", error_code="") == 1
    for private in ("963944777001", "أمل", "حديقة", "النقل"):
        assert private not in body

    _text, again = await _scrape(rig.http)  # scrapes are counted too
    assert value(again, "reslog_webhook_responses_total", route="/metrics", status="200") == 1
    assert value(again, "reslog_turns_total", channel="whatsapp") == 10


async def test_without_the_token_the_figures_are_refused(rig: WhatsAppRig) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        reply = await rig.http.get("/metrics", headers=headers)
        assert reply.status_code == 401
        assert reply.headers["www-authenticate"] == "Bearer"
        assert "reslog" not in reply.text


async def test_without_metrics_token_there_is_no_metrics_route(
    rig: WhatsAppRig, database_url: str
) -> None:
    settings = dataclasses.replace(rig.telegram.settings, metrics_token=None)
    app = build_app(settings, rig.telegram.application)
    async with serving(app) as base_url, httpx.AsyncClient(base_url=base_url) as http:
        reply = await http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert reply.status_code == 404
