"""The WhatsApp sender, through the real twilio client, against the fake Twilio API on loopback:
free-form inside the 24-hour window, the language's template outside it, Twilio's errors mapped."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from bot.channels.whatsapp.sender import STATUS_PATH, WhatsAppSender, whatsapp_sender
from bot.outbox.dispatcher import Outbound
from bot.outbox.send_errors import ContactStopped, Rejected, SendError, Throttled, Unreachable
from bot.settings import SettingsError
from storage.base import utcnow
from tests.fakes.twilio_api import FakeTwilioApi
from tests.support.whatsapp_outbound import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_BASE_URL,
    SENDER,
    TEMPLATES,
    fake_twilio,
    running_sender,
    whatsapp_settings,
)

AMAL = "+963933123456"
AYSE = "+905321234567"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTwilioApi]:
    """A fake Twilio API on loopback."""
    async with fake_twilio() as server:
        yield server


@pytest.fixture
async def sender(fake: FakeTwilioApi) -> AsyncIterator[WhatsAppSender]:
    """The sender as the worker builds it."""
    async with running_sender(fake) as running:
        yield running


def recent() -> Outbound:
    """Amal wrote an hour ago: inside her window."""
    return Outbound(AMAL, "الاجتماع يوم الثلاثاء", "ar", utcnow() - timedelta(hours=1))


async def test_inside_the_window_the_text_goes_free_form_with_the_status_callback(
    fake: FakeTwilioApi, sender: WhatsAppSender
) -> None:
    fake.wrote(AMAL, seconds_ago=3600)
    sid = await sender.send(recent())
    [message] = fake.messages
    assert sid == message.sid and sid.startswith("SM")
    assert (message.to, message.sender) == (AMAL, SENDER)
    assert message.body == "الاجتماع يوم الثلاثاء"
    assert message.content_sid is None
    assert message.status_callback == PUBLIC_BASE_URL + STATUS_PATH


@pytest.mark.parametrize("hours_ago", [None, 24, 30 * 24], ids=["never-wrote", "24h", "a-month"])
async def test_outside_the_window_the_text_goes_as_the_template_of_its_language(
    fake: FakeTwilioApi, sender: WhatsAppSender, hours_ago: int | None
) -> None:
    last = utcnow() - timedelta(hours=hours_ago) if hours_ago is not None else None
    for number, language, text in (
        (AMAL, "ar", "الاجتماع\nيوم   الثلاثاء\tالساعة ٦"),
        (AYSE, "tr", "Toplantı salı\n\n18:00'de"),
    ):
        await sender.send(Outbound(number, text, language, last))
    amal, ayse = fake.messages
    assert (amal.content_sid, amal.body) == (TEMPLATES["ar"], None)
    assert amal.content_variables == {"1": "الاجتماع يوم الثلاثاء الساعة ٦"}
    assert (ayse.content_sid, ayse.content_variables) == (
        TEMPLATES["tr"],
        {"1": "Toplantı salı 18:00'de"},
    )
    assert {amal.status_callback, ayse.status_callback} == {PUBLIC_BASE_URL + STATUS_PATH}


async def test_a_63016_to_a_free_form_message_is_sent_again_as_the_template(
    fake: FakeTwilioApi, sender: WhatsAppSender
) -> None:
    # Our record says Amal wrote an hour ago; WhatsApp does not know of it.
    sid = await sender.send(recent())
    first, second = fake.requests
    assert (first.status, first.code, "Body" in first.form) == (400, 63016, True)
    assert (second.status, second.form["ContentSid"]) == (201, TEMPLATES["ar"])
    assert json.loads(second.form["ContentVariables"]) == {"1": "الاجتماع يوم الثلاثاء"}
    assert [m.sid for m in fake.messages] == [sid]


async def test_a_message_already_refused_free_form_goes_as_the_template_even_in_the_window(
    fake: FakeTwilioApi, sender: WhatsAppSender
) -> None:
    fake.wrote(AMAL)
    message = recent()
    await sender.send(Outbound(message.address, message.text, "ar", utcnow(), template_only=True))
    [sent] = fake.messages
    assert sent.content_sid == TEMPLATES["ar"]


async def test_no_template_for_the_language_is_refused_naming_the_setting_and_nothing_is_sent(
    fake: FakeTwilioApi,
) -> None:
    async with running_sender(fake, templates={"tr": TEMPLATES["tr"]}) as sender:
        with pytest.raises(Rejected, match=r"WHATSAPP_TEMPLATES") as refused:
            await sender.send(Outbound(AMAL, "نص", "ar", None))
    assert "'ar'" in str(refused.value)
    assert fake.requests == []


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        (21610, 400, ContactStopped),
        (63014, 400, ContactStopped),
        (30004, 400, ContactStopped),
        (20429, 429, Throttled),
        (63018, 400, Throttled),
        (20500, 500, Unreachable),
        (20503, 503, Unreachable),
        (21211, 400, Rejected),
        (21617, 400, Rejected),
        (20404, 404, Rejected),
    ],
)
async def test_twilio_errors_map_onto_the_dispatchers_send_errors(
    fake: FakeTwilioApi,
    sender: WhatsAppSender,
    code: int,
    status: int,
    expected: type[SendError],
) -> None:
    fake.wrote(AMAL)
    fake.fail_next(code, status, message=f"The 'To' number whatsapp:{AMAL} is refused")
    with pytest.raises(expected) as raised:
        await sender.send(recent())
    assert type(raised.value) is expected
    assert str(code) in str(raised.value)
    assert AMAL not in str(raised.value) and AMAL[1:] not in str(raised.value)
    assert fake.messages == []


async def test_a_429_asks_to_wait_as_long_as_retry_after_says_or_a_second_without_one(
    fake: FakeTwilioApi, sender: WhatsAppSender
) -> None:
    fake.wrote(AMAL)
    fake.fail_next(20429, 429, retry_after=7)
    with pytest.raises(Throttled) as told:
        await sender.send(recent())
    assert told.value.retry_after == 7
    fake.fail_next(20429, 429)
    with pytest.raises(Throttled) as guessed:
        await sender.send(recent())
    assert guessed.value.retry_after == 1.0


async def test_twilio_out_of_reach_is_unreachable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    async with whatsapp_sender(whatsapp_settings(None, api_base_url=closed)) as sender:
        with pytest.raises(Unreachable):
            await sender.send(recent())


async def test_refused_credentials_stop_the_sender_at_start_with_one_line(
    fake: FakeTwilioApi,
) -> None:
    fake.auth_token = "another-token"
    with pytest.raises(SettingsError, match="TWILIO_AUTH_TOKEN were refused"):
        async with running_sender(fake):
            pass
    assert fake.messages == []


def _auth(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"From": f"whatsapp:{SENDER}", "Body": "x"}, 21604),
        ({"To": AMAL, "From": f"whatsapp:{SENDER}", "Body": "x"}, 21211),
        ({"To": f"whatsapp:{AMAL}", "Body": "x"}, 21603),
        ({"To": f"whatsapp:{AMAL}", "From": "whatsapp:+10000000000", "Body": "x"}, 63007),
        ({"To": f"whatsapp:{AMAL}", "From": f"whatsapp:{SENDER}"}, 21619),
        (
            {
                "To": f"whatsapp:{AMAL}",
                "From": f"whatsapp:{SENDER}",
                "Body": "x",
                "ContentSid": TEMPLATES["ar"],
            },
            21619,
        ),
        ({"To": f"whatsapp:{AMAL}", "From": f"whatsapp:{SENDER}", "Body": "x" * 1601}, 21617),
        ({"To": f"whatsapp:{AMAL}", "From": f"whatsapp:{SENDER}", "ContentSid": "HX12"}, 21655),
        (
            {
                "To": f"whatsapp:{AMAL}",
                "From": f"whatsapp:{SENDER}",
                "ContentSid": TEMPLATES["ar"],
                "ContentVariables": "[1]",
            },
            21656,
        ),
        (
            {
                "To": f"whatsapp:{AMAL}",
                "From": f"whatsapp:{SENDER}",
                "ContentSid": TEMPLATES["ar"],
                "StatusCallback": "not a url",
            },
            21609,
        ),
    ],
    ids=[
        "no-to",
        "to-without-prefix",
        "no-from",
        "another-sender",
        "no-content",
        "body-and-template",
        "body-too-long",
        "bad-content-sid",
        "variables-not-an-object",
        "bad-callback",
    ],
)
async def test_the_fake_refuses_what_twilio_refuses(
    fake: FakeTwilioApi, form: dict[str, str], code: int
) -> None:
    fake.wrote(AMAL)
    url = f"{fake.base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    async with httpx.AsyncClient() as http:
        answer = await http.post(url, data=form, headers=_auth(ACCOUNT_SID, AUTH_TOKEN))
        unauthorised = await http.post(url, data=form, headers=_auth(ACCOUNT_SID, "wrong"))
    assert (answer.status_code, answer.json()["code"]) == (400, code)
    assert (unauthorised.status_code, unauthorised.json()["code"]) == (401, 20003)
    assert fake.messages == []


async def test_each_template_sent_is_told_with_its_language_and_free_form_is_not(
    fake: FakeTwilioApi, sender: WhatsAppSender
) -> None:
    templates: list[str] = []
    counted = WhatsAppSender(sender.client, sender.settings, on_template=templates.append)
    fake.wrote(AMAL, seconds_ago=3600)
    await counted.send(recent())  # inside the window: free form
    await counted.send(Outbound(AYSE, "Toplantı salı", "tr", None))  # never wrote: template
    assert templates == ["tr"]
    assert [m.content_sid for m in fake.messages] == [None, TEMPLATES["tr"]]
