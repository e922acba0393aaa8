"""A resident's whole journey over Telegram: real HTTP, long polling, the fake Bot API, both databases."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.crypto import AddressCipher
from storage.models import Answer, Feedback, Poll, ProfileAnswer, Response
from tests.fakes.bot_api import Button, Json, UploadedFile, buttons_of
from tests.support.cli import reslog_all
from tests.support.closing import close_as_facilitator
from tests.support.cohort import COHORT, answer_demo_poll
from tests.support.telegram import Step, TelegramRig, telegram_rig


@pytest.fixture
async def rig(database_url: str, demo: str) -> AsyncIterator[TelegramRig]:
    """The bot polling the fake Bot API, on a database seeded with the demo assembly."""
    async with telegram_rig(database_url) as running:
        yield running


def _last_buttons(rig: TelegramRig, user: Json) -> list[Button]:
    """The buttons of the newest message in the chat that shows any."""
    for message in reversed(rig.fake.chat(user)):
        if buttons_of(message):
            return buttons_of(message)
    raise AssertionError("no buttons are shown")


async def _press(rig: TelegramRig, user: Json, button: Button) -> Step:
    """Press a button and check the pressed keyboard was disarmed and the query answered."""
    step = await rig.send(rig.fake.button_update(user, button))
    assert len(step.of("answerCallbackQuery")) == 1
    disarmed = step.of("editMessageReplyMarkup")
    assert [call.params["message_id"] for call in disarmed] == [button.message_id]
    assert "reply_markup" not in disarmed[0].params
    return step


async def _toggle(rig: TelegramRig, user: Json, label: str) -> Step:
    """Tick an option of a multiple-choice question: the keyboard is edited in place."""
    button = rig.fake.button(user, label)
    step = await rig.send(rig.fake.button_update(user, button))
    assert len(step.of("answerCallbackQuery")) == 1
    assert step.of("sendMessage") == [] and step.of("editMessageReplyMarkup") == []
    [edit] = step.of("editMessageText")
    assert edit.params["message_id"] == button.message_id
    return step


async def test_arabic_resident_joins_by_deep_link_answers_everything_and_writes_feedback(
    rig: TelegramRig,
    demo: str,
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    cli_env: dict[str, str],
    tmp_path: Path,
) -> None:
    fake = rig.fake
    amal = fake.user(424242, "Amal", "ar")

    step = await rig.say(amal, f"/start {demo}")
    [sent] = step.of("sendMessage")
    assert sent.params["chat_id"] == 424242
    languages = [b.label for b in _last_buttons(rig, amal)]
    assert languages == ["العربية", "Türkçe", "English"]

    step = await _press(rig, amal, fake.button(amal, "العربية"))
    assert "إشعار حماية البيانات الشخصية" in step.text  # the notice, then the question
    assert "هل توافق على المشاركة" in step.text
    accept, decline = _last_buttons(rig, amal)
    assert (accept.label, decline.label) == ("أوافق", "لا أوافق")
    step = await _press(rig, amal, accept)
    assert "زيتين بورنو" in step.text
    await _press(rig, amal, fake.button(amal, "نعم، اسألوني"))  # the community question

    await _press(rig, amal, fake.button(amal, "سوري"))
    await _press(rig, amal, _last_buttons(rig, amal)[-1])  # prefer not to say
    step = await _press(rig, amal, fake.button(amal, "يشيل تبه"))
    assert "السؤال ١ من ٦" in step.text

    await _press(rig, amal, fake.button(amal, "النقل العام"))
    await _toggle(rig, amal, "دورة اللغة التركية")
    await _toggle(rig, amal, "نزهة الحيّ")
    await _toggle(rig, amal, "دورة اللغة التركية")  # untick
    step = await _toggle(rig, amal, "دورة اللغة التركية")  # tick again
    ticked = [b.label for b in _last_buttons(rig, amal) if b.label.startswith("☑")]
    assert ticked == ["☑ دورة اللغة التركية", "☑ نزهة الحيّ"]
    await _press(rig, amal, fake.button(amal, "تم ✓"))
    await _press(rig, amal, fake.button(amal, "٤"))
    await _press(rig, amal, _last_buttons(rig, amal)[0])  # yes
    step = await rig.say(amal, "٤٢")
    assert "٣٠" in step.text  # out of range: 1 to 30, said in Arabic-Indic digits
    await rig.say(amal, "٤")
    step = await rig.say(amal, "حديقة أكبر للأطفال")
    assert "/polls" in step.text

    step = await rig.say(amal, "/feedback")
    step = await rig.say(amal, "نحتاج إلى مظلة في موقف الحافلات")
    assert "زيتين بورنو" in step.text

    step = await rig.say(amal, "/mydata")
    [document] = step.of("sendDocument")
    upload = document.params["document"]
    assert isinstance(upload, UploadedFile) and upload.filename == "my-data.json"
    assert "نحتاج إلى مظلة" in json.loads(upload.content)["feedback"][0]["text"]

    assert fake.unanswered_queries() == []
    assert fake.shown(amal) == []
    async with sessions() as session:
        response = (await session.execute(select(Response))).scalar_one()
        poll = (await session.execute(select(Poll))).scalar_one()
        answers = list((await session.execute(select(Answer).order_by(Answer.id))).scalars())
        profile = list((await session.execute(select(ProfileAnswer))).scalars())
        feedback = (await session.execute(select(Feedback))).scalar_one()
    assert response.completed_at is not None and response.language == "ar"
    by_question = {q.id: [a for a in answers if a.question_id == q.id] for q in poll.questions}
    single, multi, scale, yesno, number, text = poll.questions
    assert [a.option_id for a in by_question[single.id]] == [single.options[2].id]
    assert [a.option_id for a in by_question[multi.id]] == [
        multi.options[0].id,
        multi.options[2].id,
    ]
    assert [a.value_int for a in by_question[scale.id]] == [4]
    assert [a.value_int for a in by_question[yesno.id]] == [1]
    assert [a.value_int for a in by_question[number.id]] == [4]
    assert [a.value_text for a in by_question[text.id]] == ["حديقة أكبر للأطفال"]
    assert len(profile) == 3
    assert feedback.text == "نحتاج إلى مظلة في موقف الحافلات" and feedback.language == "ar"
    await _results_count_her_with_others(sessions, cipher, demo, cli_env, tmp_path)


async def _results_count_her_with_others(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
    cli_env: dict[str, str],
    tmp_path: Path,
) -> None:
    """Amal's answers, with five other Arabic speakers', as `reslog results` and `export` show them."""
    others = COHORT[:5]
    await answer_demo_poll(sessions, cipher, demo, others)
    async with sessions() as session:
        poll_id = (await session.execute(select(Poll.id))).scalar_one()
    await close_as_facilitator(sessions, poll_id)  # exact once closed; rounded while open
    out = tmp_path / "services.csv"
    shown, exported = await reslog_all(
        cli_env,
        [
            ["results", demo, "services-2026", "--json", "--language", "ar"],
            ["export", demo, "services-2026", "--out", out, "--language", "ar"],
        ],
    )
    results = json.loads(shown.ok())
    # Six respondents, all in Arabic: the totals show, every cell by language is hidden,
    # as the empty Turkish and English columns would otherwise give the Arabic one away.
    assert results["respondents"] == {
        "label": "respondents",
        "total": "6",
        "by_language": {"tr": "<5", "ar": "x", "en": "<5"},
    }
    assert [question["answered"]["total"] for question in results["questions"]] == ["6"] * 6
    single = results["questions"][0]
    assert [row["label"] for row in single["rows"]][2] == "النقل العام"
    shown_cells = {
        cell for row in single["rows"] for cell in (row["total"], *row["by_language"].values())
    }
    assert shown_cells <= {"<5", "x", "5"}
    assert "حديقة أكبر للأطفال" not in shown.stdout
    # The export is the same tables, figure by figure, and never anyone's words.
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert exported.ok().strip() == f"wrote {len(rows) - 1} rows to {out}"
    assert rows[0] == ["question", "row", "column", "shown"]
    respondents = {row[2]: row[3] for row in rows[1:] if row[:2] == ["", "respondents"]}
    assert respondents == {"total": "6", "tr": "<5", "ar": "x", "en": "<5"}
    assert "حديقة أكبر للأطفال" not in out.read_text(encoding="utf-8-sig")


async def test_setmycommands_registers_the_menu_per_language_and_a_turkish_default(
    rig: TelegramRig,
) -> None:
    fake = rig.fake
    menus = {lang: fake.commands(lang) for lang in ("tr", "ar", "en")}
    assert [c["command"] for c in menus["ar"]] == [c["command"] for c in menus["tr"]]
    assert "start" in [c["command"] for c in menus["en"]]
    descriptions = {lang: {c["command"]: c["description"] for c in menus[lang]} for lang in menus}
    assert descriptions["en"]["feedback"] == "Write to the assembly"
    assert descriptions["tr"]["feedback"] == "Meclise yaz"
    assert descriptions["ar"]["feedback"] == "اكتب إلى المجلس"
    assert fake.commands("") == menus["tr"]
    scopes = [call.params.get("scope") for call in fake.calls_to("setMyCommands")]
    assert scopes.count({"type": "default"}) == 1
