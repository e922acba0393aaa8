"""POST /twilio/whatsapp over HTTP, signed as Twilio signs: whole journeys, and every bad request.

The app is the one ``reslog serve`` runs (``bot.web.build_app`` with WhatsApp configured),
under uvicorn on loopback; it believes it is reached at https://bot.example.org, and every
request is signed over that URL with twilio's own ``RequestValidator``.
"""

from __future__ import annotations

import asyncio
import logging
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from bot.channels.telegram.app import cipher_of, sessions_of
from bot.channels.whatsapp.signature import SIGNATURE_HEADER
from bot.channels.whatsapp.webhook import (
    MAX_MESSAGES,
    WHATSAPP_PATH,
    WhatsAppWebhook,
    pack,
    reference,
)
from bot.web import build_app
from handlers.i18n.core import _, use_language
from storage.crypto import AddressCipher
from storage.models import (
    Answer,
    Feedback,
    InboundMessage,
    Option,
    Participant,
    ProfileAnswer,
    Question,
    Response,
)
from tests.conftest import PROJECT_DIR
from tests.fakes.loopback import serving
from tests.support.telegram import telegram_rig
from tests.support.whatsapp import (
    AUTH_TOKEN,
    SIGNED_URL,
    Phone,
    WhatsAppRig,
    number_of,
    replies_of,
    sign,
    whatsapp_rig,
    whatsapp_settings,
)

ARABIC_LIST_LINE = re.compile(r"^[٠-٩]+\. ", re.MULTILINE)
WESTERN_LIST_LINE = re.compile(r"^[0-9]+\. ", re.MULTILINE)


@pytest.fixture
async def rig(database_url: str, demo: str) -> AsyncIterator[WhatsAppRig]:
    """The web app with WhatsApp, on loopback, over the demo assembly."""
    async with whatsapp_rig(database_url) as running:
        yield running


def _said(language: str, message: str) -> str:
    with use_language(language):
        return _(message)


async def _count(sessions: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def _participant(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, phone: Phone
) -> Participant:
    async with sessions() as session:
        found = await session.execute(
            select(Participant).where(
                Participant.channel == "whatsapp",
                Participant.address_hash == cipher.lookup_hash("whatsapp", phone.number),
            )
        )
        return found.scalar_one()


async def _answers(sessions: async_sessionmaker[AsyncSession], participant_id: int) -> list[Any]:
    """A participant's stored answers in question order: option texts (English) or values."""
    async with sessions() as session:
        rows = await session.execute(
            select(Question.position, Option.text, Answer.value_int, Answer.value_text)
            .join(Answer, Answer.question_id == Question.id)
            .join(Response, Response.id == Answer.response_id)
            .outerjoin(Option, Option.id == Answer.option_id)
            .where(Response.participant_id == participant_id)
            .order_by(Question.position, Option.position)
        )
        return [
            (position, option["en"] if option else value_int if value_int is not None else text)
            for position, option, value_int, text in rows
        ]


async def test_an_arabic_participant_goes_the_whole_way_with_arabic_indic_digits(
    rig: WhatsAppRig,
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
) -> None:
    amal = Phone("+963944123456", "أمل")
    texts = await rig.say(amal, f"انضم {demo}")  # the join phrase
    assert "Please choose your language." in texts[0]
    arabic = number_of(texts, "العربية")
    texts = await rig.say(amal, arabic.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")))
    assert "Do you agree to take part" not in "\n".join(texts)
    assert _said("ar", "Data protection notice (KVKK), version {version}").format(
        version="١"
    ) in "\n".join(texts)
    assert ARABIC_LIST_LINE.search(texts[-1]) and not WESTERN_LIST_LINE.search(texts[-1])
    assert _said("ar", "Reply with the number of your answer.") in texts[-1]

    texts = await rig.say(amal, number_of(texts, _said("ar", "I agree")))
    texts = await rig.say(amal, number_of(texts, _said("ar", "Yes, ask me")))
    texts = await rig.say(amal, number_of(texts, "سوري"))
    texts = await rig.say(amal, number_of(texts, _said("ar", "Prefer not to say")))
    texts = await rig.say(amal, number_of(texts, "يشيل تبه"))
    assert "ما الخدمة التي تريد أن تحسّنها البلدية أولاً؟" in texts[-1]

    texts = await rig.say(amal, "٩")  # no option has that number: asked again, nothing stored
    assert "ما الخدمة التي تريد أن تحسّنها البلدية أولاً؟" in texts[-1]
    texts = await rig.say(amal, number_of(texts, "النقل العام"))
    assert "في أي الأنشطة تودّ المشاركة؟" in texts[-1]
    several = _said(
        "ar", "Reply with the numbers of all your answers in one message, like {example}."
    )
    assert several.format(example="١ ٣") in texts[-1]
    assert "✓" not in texts[-1]  # Done is for buttons; here the numbers are the answer

    texts = await rig.say(amal, "١ ٣")
    assert "١    ٢    ٣    ٤    ٥" in texts[-1]  # the scale, in the reader's digits
    texts = await rig.say(amal, "٤")
    texts = await rig.say(amal, number_of(texts, _said("ar", "Yes")))
    texts = await rig.say(amal, "٤٢")  # out of range: 1 to 30
    assert texts == [
        _said("ar", "Please type a number from {low} to {high}.").format(low="١", high="٣٠")
    ]
    texts = await rig.say(amal, "٤")
    texts = await rig.say(amal, "حديقة أكبر للأطفال")
    assert "/polls" in texts[0]
    texts = await rig.say(amal, "/feedback الرصيف أمام المدرسة مكسور")
    assert texts

    person = await _participant(sessions, cipher, amal)
    assert person.language == "ar" and person.consented_at is not None
    assert person.address_enc is not None and cipher.decrypt(person.address_enc) == amal.number
    assert person.last_inbound_at is not None
    assert await _answers(sessions, person.id) == [
        (0, "Public transport"),
        (1, "Turkish course"),
        (1, "Neighbourhood picnic"),
        (2, 4),
        (3, 1),
        (4, 4),
        (5, "حديقة أكبر للأطفال"),
    ]
    async with sessions() as session:
        response = (await session.execute(select(Response))).scalar_one()
        feedback = (await session.execute(select(Feedback))).scalar_one()
    assert response.language == "ar" and response.completed_at is not None
    assert (feedback.text, feedback.participant_id) == ("الرصيف أمام المدرسة مكسور", person.id)
    assert await _count(sessions, ProfileAnswer) == 3
    assert await _count(sessions, InboundMessage) == len(rig.log)
    for texts in rig.log[2:]:  # once Arabic is chosen, every list is in Arabic-Indic digits
        assert not any(WESTERN_LIST_LINE.search(text) for text in texts)


async def test_a_turkish_participant_answers_by_number_and_by_the_options_text(
    rig: WhatsAppRig,
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
) -> None:
    ayse = Phone("+905551112233", "Ayşe")
    texts = await rig.say(ayse, f"KATIL {demo.lower()}")  # the join phrase, in any case
    texts = await rig.say(ayse, number_of(texts, "Türkçe"))
    texts = await rig.say(ayse, number_of(texts, "Kabul ediyorum"))
    texts = await rig.say(ayse, number_of(texts, "Evet, sorun"))
    texts = await rig.say(ayse, number_of(texts, "Yerel halk"))
    for _question in range(2):
        texts = await rig.say(ayse, number_of(texts, "Belirtmek istemiyorum"))
    assert "1. Temizlik ve çöp toplama" in texts[-1]
    texts = await rig.say(ayse, "1")
    texts = await rig.say(ayse, "2, 4")
    texts = await rig.say(ayse, "5")
    texts = await rig.say(ayse, "hayır")  # the option's text works as well as its number
    texts = await rig.say(ayse, "3")
    texts = await rig.say(ayse, "Daha çok bank")
    assert "Teşekkürler!" in texts[0]

    person = await _participant(sessions, cipher, ayse)
    assert person.language == "tr"
    assert await _answers(sessions, person.id) == [
        (0, "Cleaning and waste collection"),
        (1, "Arabic course"),
        (1, "Vocational training"),
        (2, 5),
        (3, 0),
        (4, 3),
        (5, "Daha çok bank"),
    ]
    async with sessions() as session:
        response = (await session.execute(select(Response))).scalar_one()
    assert response.language == "tr" and response.completed_at is not None


async def test_a_first_message_in_arabic_script_offers_arabic_first(rig: WhatsAppRig) -> None:
    texts = await rig.say(Phone("+963933000111"), "مرحبا")
    assert texts[0].startswith("يُرجى اختيار لغتك.")
    assert "١. العربية\n٢. Türkçe\n٣. English" in texts[0]
    assert texts[0].endswith(
        "\n".join(
            _said(lang, "Reply with the number of your answer.") for lang in ("ar", "tr", "en")
        )
    )
    latin = await rig.say(Phone("+905330000111"), "merhaba")
    assert "1. Türkçe\n2. العربية\n3. English" in latin[0]


async def test_a_message_sent_twice_is_handled_once(
    rig: WhatsAppRig, sessions: async_sessionmaker[AsyncSession], demo: str
) -> None:
    phone = Phone("+905320000222")
    texts = await rig.say(phone, f"/start {demo}")
    texts = await rig.say(phone, number_of(texts, "Türkçe"))
    texts = await rig.say(phone, number_of(texts, "Kabul ediyorum"))
    texts = await rig.say(phone, number_of(texts, "Evet, sorun"))
    for _question in range(3):
        texts = await rig.say(phone, number_of(texts, "Belirtmek istemiyorum"))
    answer = phone.form("3")
    first = await rig.deliver(answer)
    assert "Hangi etkinliklere" in first[-1]
    assert await rig.deliver(answer) == []  # Twilio posted it again: nothing said, nothing stored
    assert await _count(sessions, Answer) == 1
    # Two copies at the same moment: one is answered, the other says nothing.
    again = phone.form("1 3")
    both = await asyncio.gather(rig.deliver(again), rig.deliver(again))
    assert sorted(len(texts) > 0 for texts in both) == [False, True]
    assert await _count(sessions, Answer) == 3
    assert await _count(sessions, InboundMessage) == 9


async def test_an_unsigned_or_wrongly_signed_request_is_refused_and_nothing_is_stored(
    rig: WhatsAppRig, sessions: async_sessionmaker[AsyncSession], demo: str
) -> None:
    phone = Phone("+905320000333")
    form = phone.form(f"/start {demo}")
    loopback = str(rig.http.base_url).rstrip("/") + WHATSAPP_PATH
    refused = {
        "unsigned": await rig.post(form, signature=""),
        "another token": await rig.post(
            form, signature=sign(SIGNED_URL, form, token="f" * len(AUTH_TOKEN))
        ),
        "garbage": await rig.post(form, signature="bm90IGEgc2lnbmF0dXJl"),
        "another URL": await rig.post(
            form, signature=sign("https://other.example.org" + WHATSAPP_PATH, form)
        ),
        "the URL the request reached": await rig.post(form, signature=sign(loopback, form)),
        "a field changed after signing": await rig.post(
            {**form, "Body": "/start OTHER"}, signature=sign(SIGNED_URL, form)
        ),
        "a field added after signing": await rig.post(
            {**form, "NumMedia": "1"}, signature=sign(SIGNED_URL, form)
        ),
        "not a form": await rig.http.post(
            WHATSAPP_PATH, content=b"\xff\xfe{}", headers={SIGNATURE_HEADER: sign(SIGNED_URL, {})}
        ),
    }
    assert {name: response.status_code for name, response in refused.items()} == dict.fromkeys(
        refused, 403
    )
    assert await _count(sessions, InboundMessage) == 0
    assert await _count(sessions, Participant) == 0
    assert replies_of(await rig.post(form)) != []  # the same form, signed as Twilio signs it


async def test_forwarded_headers_count_only_for_the_configured_host(
    rig: WhatsAppRig, sessions: async_sessionmaker[AsyncSession]
) -> None:
    phone = Phone("+905320000444")

    async def posted(signed_for: str, headers: dict[str, str], query: str = "") -> int:
        form = phone.form("/help")
        path = WHATSAPP_PATH + query
        response = await rig.post(
            form, signature=sign(signed_for + path, form), headers=headers, path=path
        )
        return response.status_code

    proxy_http = {"X-Forwarded-Proto": "http", "X-Forwarded-Host": "bot.example.org"}
    assert await posted("http://bot.example.org", proxy_http) == 200
    assert await posted("http://bot.example.org", {"X-Forwarded-Proto": "http, https"}) == 200
    assert (
        await posted("https://bot.example.org:8443", {"X-Forwarded-Host": "bot.example.org:8443"})
        == 200
    )
    assert await posted("https://bot.example.org", {}, query="?site=zeytinburnu") == 200
    assert await posted("http://bot.example.org", {}) == 403  # no proxy said so
    assert await posted("https://evil.example.net", {"X-Forwarded-Host": "evil.example.net"}) == 403
    assert (
        await posted("https://bot.example.org/x", {"X-Forwarded-Host": "bot.example.org/x"}) == 403
    )
    assert await posted("https://bot.example.org", {"X-Forwarded-Host": "evil.example.net"}) == 200
    assert await _count(sessions, InboundMessage) == 5


async def test_a_public_url_with_a_path_prefix_is_signed_with_it(
    database_url: str, demo: str
) -> None:
    async with whatsapp_rig(database_url, public_base_url="https://example.org/reslog") as rig:
        assert rig.signed_url == "https://example.org/reslog/twilio/whatsapp"
        assert replies_of(await rig.post(Phone("+905320000555").form("/help"))) != []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"From": None}, "From is missing"),
        ({"MessageSid": None}, "MessageSid is missing"),
        ({"From": "+905320000666"}, "From is not a WhatsApp number"),
        ({"MessageSid": "not-a-sid"}, "MessageSid is not a Twilio message id"),
    ],
    ids=["no-from", "no-message-sid", "sms-sender", "bad-message-sid"],
)
async def test_a_signed_form_that_is_not_a_message_is_a_bad_request(
    rig: WhatsAppRig,
    sessions: async_sessionmaker[AsyncSession],
    change: dict[str, str | None],
    reason: str,
) -> None:
    form = Phone("+905320000666").form("merhaba")
    for name, value in change.items():
        if value is None:
            del form[name]
        else:
            form[name] = value
    response = await rig.post(form)
    assert response.status_code == 400
    assert reason in response.text
    assert await _count(sessions, InboundMessage) == 0
    assert await _count(sessions, Participant) == 0


async def test_media_an_empty_body_and_a_very_long_text_are_answered_politely(
    rig: WhatsAppRig, sessions: async_sessionmaker[AsyncSession], demo: str
) -> None:
    phone = Phone("+963944000777")
    photo = phone.form(
        "صورة",
        NumMedia="1",
        MessageType="image",
        MediaContentType0="image/jpeg",
        MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM0/Media/ME0",
    )
    only_text = "I can only read text for now. Please type your answer or use the buttons."
    assert await rig.deliver(photo) == [_said("ar", only_text)]  # its caption suggests Arabic
    texts = await rig.say(phone, f"/start {demo}")
    texts = await rig.say(phone, number_of(texts, "العربية"))
    texts = await rig.say(phone, number_of(texts, _said("ar", "I agree")))
    texts = await rig.say(phone, number_of(texts, _said("ar", "Yes, ask me")))
    for _question in range(3):
        texts = await rig.say(phone, number_of(texts, _said("ar", "Prefer not to say")))
    question = texts[-1]
    assert "ما الخدمة" in question

    voice = phone.form(NumMedia="1", MessageType="audio", MediaContentType0="audio/ogg")
    assert await rig.deliver(voice) == [_said("ar", only_text), question]
    assert await rig.say(phone, "") == [question]
    long = await rig.say(phone, "ب" * 10_240)
    assert "٤٬٠٩٦" in long[0] or "٤٠٩٦" in long[0]
    assert long[-1] == question
    assert await _count(sessions, Answer) == 0
    assert await _count(sessions, Feedback) == 0
    wide = await rig.post(phone.form("x" * 300_000))
    assert wide.status_code == 413


async def test_without_whatsapp_settings_the_route_does_not_exist(database_url: str) -> None:
    async with telegram_rig(database_url, polling=False) as telegram:
        app = build_app(telegram.settings, telegram.application)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://reslog.test") as http:
            form = Phone("+905320000888").form("/help")
            response = await http.post(
                WHATSAPP_PATH, data=form, headers={SIGNATURE_HEADER: sign(SIGNED_URL, form)}
            )
    assert response.status_code == 404


async def test_a_turn_past_the_deadline_gets_an_empty_answer_and_still_stores_the_message(
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    phone = Phone("+963944000999")
    async with telegram_rig(database_url, polling=False) as telegram:
        webhook = WhatsAppWebhook(
            whatsapp_settings(),
            sessions=lambda: sessions_of(telegram.application),
            cipher=lambda: cipher_of(telegram.application),
            deadline=0.5,
        )
        app = Starlette(routes=[webhook.route()])
        form = phone.form(f"/start {demo}")
        async with serving(app) as base_url, httpx.AsyncClient(base_url=base_url) as http:
            # Another transaction holds the row the turn must write last, so it cannot commit.
            async with sessions() as holder:
                holder.add(
                    InboundMessage(channel="whatsapp", external_id="w:" + form["MessageSid"])
                )
                await holder.flush()
                started = time.monotonic()
                with caplog.at_level(logging.WARNING, logger="bot.channels.whatsapp.webhook"):
                    response = await http.post(
                        WHATSAPP_PATH, data=form, headers={SIGNATURE_HEADER: sign(SIGNED_URL, form)}
                    )
                waited = time.monotonic() - started
                assert replies_of(response) == []  # Twilio is answered in time, with nothing
                assert 0.5 <= waited < 5
                await holder.rollback()
            for _attempt in range(100):  # the turn goes on and commits once the row is free
                if await _count(sessions, Participant) == 1:
                    break
                await asyncio.sleep(0.05)
    assert await _count(sessions, Participant) == 1
    assert await _count(sessions, InboundMessage) == 1
    who = reference(cipher, phone.number)
    assert any(who in record.getMessage() for record in caplog.records)


async def test_logs_never_carry_a_phone_number(
    rig: WhatsAppRig, demo: str, caplog: pytest.LogCaptureFixture
) -> None:
    phone = Phone("+905329998877")
    with caplog.at_level(logging.DEBUG):
        texts = await rig.say(phone, f"/start {demo}")
        await rig.say(phone, number_of(texts, "Türkçe"))
        await rig.post(phone.form("imzasız"), signature="wrong")
        await rig.post({**phone.form("x"), "From": "whatsapp:+90abc"})
    assert caplog.records  # the signature mismatch at least is logged
    logged = "\n".join(f"{record.getMessage()} {record.args!r}" for record in caplog.records)
    assert "9998877" not in logged


def test_twilios_http_loggers_are_held_below_info_whatever_the_level() -> None:
    script = """
import logging
from bot.logs import configure_logging
from twilio.http.http_client import TwilioHttpClient
configure_logging(logging.DEBUG)
TwilioHttpClient().log_request({
    "method": "POST",
    "url": "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages.json",
    "params": {"To": "whatsapp:+905329998877", "Body": "merhaba"},
    "headers": {"User-Agent": "twilio-python"},
})
logging.getLogger("bot").debug("our own debug line")
print(logging.getLogger("twilio.async_http_client").isEnabledFor(logging.INFO))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=PROJECT_DIR
    )
    assert done.stdout.strip() == "False"
    assert "our own debug line" in done.stderr  # DEBUG is on for the project
    assert "9998877" not in done.stderr and "Twilio API Request" not in done.stderr


def test_a_reply_of_more_messages_than_twiml_takes_is_joined_into_ten_at_most() -> None:
    texts = [f"{n}. " + "ب" * 500 for n in range(40)]
    assert pack(texts[:MAX_MESSAGES]) == texts[:MAX_MESSAGES]  # ten go as they are
    joined = pack(texts[:25])
    assert len(joined) == 9 and all(len(text) <= 1600 for text in joined)
    assert "\n\n".join(joined).split("\n\n") == texts[:25]  # in order, nothing lost
    cut = pack(texts)
    assert len(cut) == MAX_MESSAGES
    assert "\n\n".join(cut).split("\n\n") == texts[:30]
