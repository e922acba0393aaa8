"""The fake Bot API keeps the real one's contract, so the adapter tests can trust what it says."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.fakes.bot_api import FakeBotApi, UploadedFile

KEYBOARD = {"inline_keyboard": [[{"text": "Evet", "callback_data": "3:v:1"}]]}


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    """A running fake Bot API."""
    async with FakeBotApi() as running:
        yield running


@pytest.fixture
async def http(fake: FakeBotApi) -> AsyncIterator[httpx.AsyncClient]:
    """A client for this bot's methods."""
    async with httpx.AsyncClient(base_url=fake.method_url + "/") as client:
        yield client


async def test_answers_in_the_bot_api_envelope_and_refuses_unknown_methods_and_tokens(
    fake: FakeBotApi, http: httpx.AsyncClient
) -> None:
    me = (await http.get("getMe")).json()
    assert me["ok"] is True and me["result"]["is_bot"] and me["result"]["username"]
    unknown = await http.post("sendPigeon", json={"chat_id": 1})
    assert unknown.status_code == 404
    assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    wrong = await http.get(f"{fake.base_url}123:wrong/getMe")
    assert wrong.status_code == 401 and wrong.json()["ok"] is False


async def test_sends_and_edits_messages_with_the_real_limits(
    fake: FakeBotApi, http: httpx.AsyncClient
) -> None:
    assert (await http.post("sendMessage", json={"chat_id": 5, "text": "x"})).status_code == 400
    fake.user(5, "Ayşe", "tr")
    sent = (await http.get("sendMessage", params={"chat_id": "5", "text": "Merhaba"})).json()
    assert sent["result"]["text"] == "Merhaba" and sent["result"]["chat"]["type"] == "private"
    form = {"chat_id": "5", "text": "Soru", "reply_markup": json.dumps(KEYBOARD)}
    asked = (await http.post("sendMessage", data=form)).json()["result"]
    assert asked["message_id"] == sent["result"]["message_id"] + 1
    assert asked["reply_markup"] == KEYBOARD

    too_long = await http.post("sendMessage", json={"chat_id": 5, "text": "x" * 4097})
    assert too_long.json()["description"] == "Bad Request: message is too long"
    bad_data = {"inline_keyboard": [[{"text": "a", "callback_data": "x" * 65}]]}
    refused = await http.post(
        "sendMessage", json={"chat_id": 5, "text": "a", "reply_markup": bad_data}
    )
    assert refused.json()["description"] == "Bad Request: BUTTON_DATA_INVALID"

    edit = {
        "chat_id": 5,
        "message_id": asked["message_id"],
        "text": "Soru",
        "reply_markup": KEYBOARD,
    }
    same = await http.post("editMessageText", json=edit)
    assert "message is not modified" in same.json()["description"]
    disarm = {"chat_id": 5, "message_id": asked["message_id"]}
    assert (await http.post("editMessageReplyMarkup", json=disarm)).json()["ok"] is True
    assert fake.shown({"id": 5}) == []
    fake.block({"id": 5})
    blocked = await http.post("sendMessage", json={"chat_id": 5, "text": "?"})
    assert blocked.status_code == 403


async def test_a_callback_query_can_be_answered_once(
    fake: FakeBotApi, http: httpx.AsyncClient
) -> None:
    ayse = fake.user(6, "Ayşe", "tr")
    await http.post("sendMessage", json={"chat_id": 6, "text": "Soru", "reply_markup": KEYBOARD})
    query = fake.press_data_update(ayse, "3:v:1")["callback_query"]
    assert query["message"]["reply_markup"] == KEYBOARD and query["data"] == "3:v:1"
    first = await http.post("answerCallbackQuery", data={"callback_query_id": query["id"]})
    second = await http.post("answerCallbackQuery", data={"callback_query_id": query["id"]})
    assert (first.status_code, second.status_code) == (200, 400)
    assert fake.unanswered_queries() == []


async def test_get_updates_long_polls_honours_offset_and_conflicts_with_a_webhook(
    fake: FakeBotApi, http: httpx.AsyncClient
) -> None:
    ayse = fake.user(7, "Ayşe", "tr")
    empty = await http.post("getUpdates", data={"timeout": "0"})
    assert empty.json() == {"ok": True, "result": []}

    waiting = asyncio.create_task(http.post("getUpdates", data={"timeout": "30"}))
    await fake.wait_until(lambda: len(fake.calls_to("getUpdates")) == 2, what="the long poll")
    update_id = fake.queue(fake.command_update(ayse, "start", "ZEYTINBURNU"))
    [update] = (await asyncio.wait_for(waiting, 5)).json()["result"]
    assert update["update_id"] == update_id
    assert update["message"]["text"] == "/start ZEYTINBURNU"
    assert update["message"]["entities"] == [{"offset": 0, "length": 6, "type": "bot_command"}]

    again = await http.post("getUpdates", data={"offset": str(update_id), "timeout": "0"})
    assert [u["update_id"] for u in again.json()["result"]] == [update_id]
    confirmed = await http.post("getUpdates", data={"offset": str(update_id + 1), "timeout": "0"})
    assert confirmed.json()["result"] == [] and fake.delivered(update_id)

    hook = {"url": "https://bot.example/telegram/webhook", "secret_token": "abc_DEF-1"}
    assert (await http.post("setWebhook", json=hook)).json()["result"] is True
    info = (await http.get("getWebhookInfo")).json()["result"]
    assert info["url"] == hook["url"]
    assert (await http.post("getUpdates")).status_code == 409
    await http.post("deleteWebhook")
    assert (await http.post("getUpdates", data={"timeout": "0"})).status_code == 200


async def test_commands_are_kept_per_language_and_validated(
    fake: FakeBotApi, http: httpx.AsyncClient
) -> None:
    commands = [{"command": "start", "description": "Başla"}]
    await http.post("setMyCommands", json={"commands": commands, "language_code": "tr"})
    assert fake.commands("tr") == commands
    got = await http.post("getMyCommands", json={"language_code": "tr"})
    assert got.json()["result"] == commands
    bad = await http.post(
        "setMyCommands", json={"commands": [{"command": "Bad-Name", "description": "x"}]}
    )
    assert bad.status_code == 400
    await http.post("deleteMyCommands", json={"language_code": "tr"})
    assert fake.commands("tr") == []


async def test_documents_are_uploaded_as_multipart_and_kept(
    fake: FakeBotApi, http: httpx.AsyncClient
) -> None:
    fake.user(8, "Ayşe", "tr")
    files = {"document": ("my-data.json", b'{"a": 1}', "application/json")}
    sent = await http.post("sendDocument", data={"chat_id": "8", "caption": "Veriler"}, files=files)
    document = sent.json()["result"]["document"]
    assert document["file_name"] == "my-data.json" and document["file_size"] == 8
    [call] = fake.calls_to("sendDocument")
    upload = call.params["document"]
    assert isinstance(upload, UploadedFile) and upload.content == b'{"a": 1}'
    assert call.params["caption"] == "Veriler" and call.params["chat_id"] == 8
