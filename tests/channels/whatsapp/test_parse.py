"""Reading Twilio's WhatsApp forms: recorded payloads in, Incoming (or the reason it is none) out.

The forms in tests/channels/whatsapp/payloads/ have the fields Twilio posts for each kind of WhatsApp
message, one labelled case per file (like nyaruka courier's handler_test.go).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from bot.channels.whatsapp.parse import Unreadable, has_arabic_letter, parse_inbound

FIXTURES = Path(__file__).resolve().parent / "payloads"
CASES = sorted(FIXTURES.glob("*.json"))


def _case(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize("path", CASES, ids=[_case(p)["label"] for p in CASES])
def test_recorded_form_is_read_as_expected(path: Path) -> None:
    case = _case(path)
    parsed = parse_inbound(case["form"])
    if isinstance(parsed, Unreadable):
        assert {"rejected": parsed.reason} == case["expected"]
    else:
        assert asdict(parsed) == case["expected"]


def test_every_kind_the_brief_names_has_a_recorded_form() -> None:
    names = {path.stem for path in CASES}
    assert {
        "text_message",
        "arabic_join_phrase",
        "arabic_indic_digits",
        "image_with_caption",
        "voice_note",
        "empty_body",
        "missing_from",
        "missing_message_sid",
        "sms_sender",
    } <= names


def test_the_profile_name_is_never_read() -> None:
    form = _case(FIXTURES / "text_message.json")["form"]
    renamed = parse_inbound({**form, "ProfileName": "Someone Else"})
    assert renamed == parse_inbound(form)
    assert "Amal" not in repr(parse_inbound(form))


@pytest.mark.parametrize(
    ("text", "arabic"),
    [
        ("مرحبا", True),
        ("انضم ZEYTINBURNU", True),  # one Arabic word among Latin letters is enough
        ("ابدأ", True),
        ("١ ٣", False),  # Arabic-Indic digits are not letters
        ("Merhaba ١", False),
        ("katıl ZEYTINBURNU", False),
        ("", False),
    ],
)
def test_arabic_script_is_recognised_by_its_letters(text: str, arabic: bool) -> None:
    assert has_arabic_letter(text) is arabic
