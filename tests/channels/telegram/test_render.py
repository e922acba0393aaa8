"""Rendering the core's answers with a real python-telegram-bot Bot talking HTTP to the fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import Bot

from bot.channels.telegram.render import (
    CallResult,
    Pressed,
    deliver,
    joined,
    keyboard,
    keyboard_json,
    send,
)
from bot.channels.telegram.webhook_reply import WebhookReply
from handlers.core.events import Choice, OutFile, Outgoing
from tests.fakes.bot_api import FakeBotApi, Json, UploadedFile

REF = "p:test"
CHOICES = (Choice("Evet", "4:v:1"), Choice("Hayır", "4:v:0"))


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    """A running fake Bot API."""
    async with FakeBotApi() as running:
        yield running


@pytest.fixture
async def bot(fake: FakeBotApi) -> AsyncIterator[Bot]:
    """A real Bot pointed at the fake."""
    async with Bot(fake.token, base_url=fake.base_url) as started:
        yield started


@pytest.fixture
def person(fake: FakeBotApi) -> Json:
    """Someone with a private chat with the bot."""
    return fake.user(31337, "Ayşe", "tr")


async def test_a_long_text_arrives_in_parts_with_the_keyboard_on_the_last(
    fake: FakeBotApi, bot: Bot, person: Json
) -> None:
    text = "\n".join(f"{n}. " + "ş" * 200 for n in range(40))
    assert await send(bot, 31337, Outgoing(text, CHOICES, columns=2), REF) is CallResult.OK
    calls = fake.calls_to("sendMessage")
    assert len(calls) == 3
    assert [("reply_markup" in c.params) for c in calls] == [False, False, True]
    assert "\n".join(str(c.params["text"]) for c in calls) == text
    assert fake.shown(person) == ["Evet", "Hayır"]


async def test_a_file_is_sent_as_a_document_with_its_text_as_caption_when_short(
    fake: FakeBotApi, bot: Bot, person: Json
) -> None:
    file = OutFile("my-data.json", b'{"language": "tr"}', "application/json")
    await send(bot, 31337, Outgoing("Verileriniz", file=file), REF)
    [call] = fake.calls_to("sendDocument")
    assert call.params["caption"] == "Verileriniz"
    assert call.params["document"] == UploadedFile(
        "my-data.json", b'{"language": "tr"}', "application/json"
    )
    assert fake.calls_to("sendMessage") == []


async def test_a_file_with_a_long_text_gets_the_text_first_then_the_document(
    fake: FakeBotApi, bot: Bot, person: Json
) -> None:
    file = OutFile("my-data.json", b"{}", "application/json")
    await send(bot, 31337, Outgoing("a" * 2000, file=file), REF)
    assert [c.method for c in fake.calls if c.method.startswith("send")] == [
        "sendMessage",
        "sendDocument",
    ]
    assert "caption" not in fake.calls_to("sendDocument")[0].params


async def test_a_replacement_edits_the_pressed_message_and_the_rest_is_sent_new(
    fake: FakeBotApi, bot: Bot, person: Json
) -> None:
    question = await bot.send_message(31337, "Soru", reply_markup=None)
    pressed = Pressed(31337, question.message_id)
    replies = [Outgoing("Soru (güncel)", CHOICES, replace=True), Outgoing("Not")]
    await deliver(bot, 31337, replies, pressed, REF)
    [edit] = fake.calls_to("editMessageText")
    assert edit.params["message_id"] == question.message_id
    assert [c.params["text"] for c in fake.calls_to("sendMessage")][1:] == ["Not"]


async def test_when_the_pressed_message_cannot_be_edited_the_reply_is_sent_new(
    fake: FakeBotApi, bot: Bot, person: Json
) -> None:
    gone = Pressed(31337, 9999)
    await deliver(bot, 31337, [Outgoing("Soru", CHOICES, replace=True)], gone, REF)
    assert [c.method for c in fake.calls if c.method != "getMe"] == [
        "editMessageText",
        "editMessageReplyMarkup",
        "sendMessage",
    ]
    assert fake.shown(person) == ["Evet", "Hayır"]


async def test_once_the_person_blocked_the_bot_nothing_more_is_tried(
    fake: FakeBotApi, bot: Bot, person: Json
) -> None:
    fake.block(person)
    await deliver(bot, 31337, [Outgoing("Bir"), Outgoing("İki")], None, REF)
    assert len(fake.calls_to("sendMessage")) == 1


async def test_buttons_without_text_still_get_a_message_to_ride_on(
    fake: FakeBotApi, bot: Bot, person: Json
) -> None:
    await send(bot, 31337, Outgoing("  ", CHOICES), REF)
    [call] = fake.calls_to("sendMessage")
    assert call.params["text"] == "…" and fake.shown(person) == ["Evet", "Hayır"]
    await send(bot, 31337, Outgoing(""), REF)
    assert len(fake.calls_to("sendMessage")) == 1


async def test_with_a_webhook_reply_the_last_text_rides_in_it_and_everything_before_goes_first(
    fake: FakeBotApi, bot: Bot, person: Json
) -> None:
    long_text = "\n".join(f"{n}. " + "ş" * 200 for n in range(40))
    reply = WebhookReply()
    replies = [Outgoing(long_text), Outgoing("Devam edelim mi?", CHOICES, columns=2)]
    await deliver(bot, 31337, replies, None, REF, reply)
    assert len(fake.calls_to("sendMessage")) == 3
    assert "\n".join(str(c.params["text"]) for c in fake.calls_to("sendMessage")) == long_text
    assert reply.call == {
        "method": "sendMessage",
        "chat_id": 31337,
        "text": "Devam edelim mi?",
        "reply_markup": {
            "inline_keyboard": [
                [
                    {"text": "Evet", "callback_data": "4:v:1"},
                    {"text": "Hayır", "callback_data": "4:v:0"},
                ]
            ]
        },
    }
    await fake.take_webhook_reply(httpx.Response(200, json=reply.call))
    texts = [str(m.get("text")) for m in fake.chat(person)]
    assert "\n".join(texts[:-1]) == long_text
    assert texts[-1] == "Devam edelim mi?"
    assert fake.shown(person) == ["Evet", "Hayır"]


async def test_a_file_never_rides_in_the_webhook_reply(
    fake: FakeBotApi, bot: Bot, person: Json
) -> None:
    file = OutFile("my-data.json", b'{"language": "tr"}', "application/json")
    reply = WebhookReply()
    await deliver(bot, 31337, [Outgoing("Verileriniz", file=file)], None, REF, reply)
    assert reply.call is None
    assert len(fake.calls_to("sendDocument")) == 1


@pytest.mark.parametrize("columns", [1, 2, 5, 0])
def test_the_webhook_replys_keyboard_is_the_librarys_own_json(columns: int) -> None:
    choices = tuple(Choice(f"{n}", f"7:v:{n}") for n in range(1, 7))
    message = Outgoing("Puanınız?", choices, columns=columns)
    markup = keyboard(message)
    assert markup is not None and keyboard_json(message) == markup.to_dict()
    assert keyboard_json(Outgoing("Yalnızca metin")) is None


def test_plain_texts_join_the_message_after_them_when_both_fit() -> None:
    thanks = Outgoing("Teşekkürler!")
    question = Outgoing("Puanınız?", CHOICES, columns=2)
    assert joined([thanks, question]) == [Outgoing("Teşekkürler!\n\nPuanınız?", CHOICES, 2)]
    assert joined([question, thanks]) == [question, thanks]  # buttons end a message
    long_text = Outgoing("ş" * 4090)
    assert joined([long_text, question]) == [long_text, question]  # together past 4,096
    assert joined([thanks, Outgoing("Özet"), question]) == [
        Outgoing("Teşekkürler!\n\nÖzet\n\nPuanınız?", CHOICES, 2)
    ]


async def test_a_thanks_and_the_next_question_ride_in_the_webhook_reply_as_one(
    fake: FakeBotApi, bot: Bot, person: Json
) -> None:
    reply = WebhookReply()
    replies = [Outgoing("Teşekkürler!"), Outgoing("Devam edelim mi?", CHOICES, columns=2)]
    await deliver(bot, 31337, replies, None, REF, reply)
    assert fake.calls_to("sendMessage") == []
    assert reply.call is not None and reply.call["text"] == "Teşekkürler!\n\nDevam edelim mi?"
