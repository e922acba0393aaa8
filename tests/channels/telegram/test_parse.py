"""The Telegram adapter's pure parts: recorded payloads in, Incoming out; text and keyboards out.

The payloads in tests/channels/telegram/payloads/ follow the Bot API's documented shapes, one labelled
case per file (like nyaruka courier's handler_test.go).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.channels.telegram.app import file_base_url
from bot.channels.telegram.order import PerPersonUpdateProcessor
from bot.channels.telegram.parse import file_to_fetch, parse_update
from bot.channels.telegram.render import keyboard, split_text
from bot.channels.text_parts import text_length
from handlers.core.events import Choice, Outgoing

FIXTURES = Path(__file__).resolve().parent / "payloads"
CASES = sorted(FIXTURES.glob("*.json"))


def _case(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize("path", CASES, ids=[_case(p)["label"] for p in CASES])
def test_recorded_update_is_parsed_as_expected(path: Path) -> None:
    case = _case(path)
    update = Update.de_json(case["update"], None)
    incoming = parse_update(update)
    assert (asdict(incoming) if incoming else None) == case["expected"]
    wanted = file_to_fetch(update)  # only a small YAML-looking document is downloaded
    assert (asdict(wanted) if wanted else None) == case.get("fetch")


def test_every_kind_the_brief_names_has_a_recorded_payload() -> None:
    names = {path.stem for path in CASES}
    assert {
        "text_message",
        "start_deep_link",
        "callback_query",
        "edited_message",
        "sticker",
        "photo",
        "voice",
        "group_message",
        "document_yaml",
        "document_pdf",
        "document_yaml_too_big",
    } <= names


def test_a_callback_query_from_a_group_message_is_ignored() -> None:
    payload = _case(FIXTURES / "callback_query.json")["update"]
    payload["callback_query"]["message"]["chat"] = {
        "id": -1001234567890,
        "title": "Komşular",
        "type": "supergroup",
    }
    assert parse_update(Update.de_json(payload, None)) is None


def test_short_text_is_sent_whole_and_blank_text_not_at_all() -> None:
    assert split_text("Merhaba\nSelam") == ["Merhaba\nSelam"]
    assert split_text("  \n") == []


def test_long_text_is_split_at_line_boundaries_within_the_limit() -> None:
    lines = [f"{n:04d} " + "ب" * 90 for n in range(120)]
    parts = split_text("\n".join(lines))
    assert len(parts) > 1
    assert all(text_length(part) <= 4096 for part in parts)
    assert "\n".join(parts) == "\n".join(lines)
    assert all(part.split("\n")[0].startswith(tuple("0123456789")) for part in parts)


def test_a_single_line_longer_than_the_limit_is_cut_at_spaces_and_nothing_is_lost() -> None:
    line = " ".join(["kelime"] * 1500)
    parts = split_text(line, limit=1000)
    assert all(text_length(part) <= 1000 for part in parts)
    assert "".join(parts) == line


def test_the_limit_counts_utf16_units_as_telegram_does() -> None:
    emoji_text = "😀" * 3000  # 6000 UTF-16 units
    parts = split_text(emoji_text)
    assert len(parts) == 2 and all(text_length(part) <= 4096 for part in parts)
    assert "".join(parts) == emoji_text


def test_choices_become_rows_of_columns_buttons_with_their_data() -> None:
    choices = tuple(Choice(str(n), f"7:v:{n}") for n in range(1, 6))
    markup = keyboard(Outgoing("Ölçek", choices, columns=2))
    assert markup is not None
    rows = [[(b.text, b.callback_data) for b in row] for row in markup.inline_keyboard]
    assert rows == [
        [("1", "7:v:1"), ("2", "7:v:2")],
        [("3", "7:v:3"), ("4", "7:v:4")],
        [("5", "7:v:5")],
    ]
    assert keyboard(Outgoing("no buttons")) is None


def test_the_file_url_follows_the_api_url() -> None:
    assert file_base_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_base_url("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"


def _update_from(user_id: int, update_id: int) -> Update:
    payload = _case(FIXTURES / "text_message.json")["update"]
    payload["update_id"] = update_id
    payload["message"]["from"]["id"] = payload["message"]["chat"]["id"] = user_id
    return Update.de_json(payload, None)


async def test_one_persons_updates_run_in_order_and_different_people_concurrently() -> None:
    processor = PerPersonUpdateProcessor()
    log: list[str] = []
    first_started = asyncio.Event()
    release = asyncio.Event()

    async def work(name: str, *, hold: bool = False) -> None:
        log.append(f"start {name}")
        if hold:
            first_started.set()
            await release.wait()
        log.append(f"end {name}")

    async with processor:
        a1 = asyncio.create_task(
            processor.process_update(_update_from(1, 1), work("a1", hold=True))
        )
        await first_started.wait()
        a2 = asyncio.create_task(processor.process_update(_update_from(1, 2), work("a2")))
        b1 = asyncio.create_task(processor.process_update(_update_from(2, 3), work("b1")))
        await b1
        assert log == ["start a1", "start b1", "end b1"]
        assert processor.people_in_progress == 1
        release.set()
        await asyncio.gather(a1, a2)
    assert log[3:] == ["end a1", "start a2", "end a2"]
    assert processor.people_in_progress == 0


async def test_many_updates_from_one_person_do_not_hold_up_someone_else() -> None:
    processor = PerPersonUpdateProcessor(max_concurrent_updates=64, max_active=2)
    release = asyncio.Event()
    done: list[str] = []

    async def work(name: str, *, hold: bool = False) -> None:
        if hold:
            await release.wait()
        done.append(name)

    async with processor:
        flood = [
            asyncio.create_task(
                processor.process_update(_update_from(1, n), work(f"a{n}", hold=n == 0))
            )
            for n in range(50)
        ]
        other = asyncio.create_task(processor.process_update(_update_from(2, 99), work("b")))
        await asyncio.wait_for(other, timeout=5)
        assert done == ["b"]
        release.set()
        await asyncio.gather(*flood)
    assert done[1:] == [f"a{n}" for n in range(50)]
