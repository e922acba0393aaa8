"""A poll file for a slug the assembly has already, through `reslog poll import` and in chat:
replaced while nobody has answered, then locked to text corrections that keep every row's id."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.core.events import Incoming, InFile
from storage.crypto import AddressCipher
from storage.models import Answer, Notice, Participant, Poll
from tests.support.chat import Chat
from tests.support.cli import reslog, reslog_all
from tests.support.members import Member, add_members
from tests.support.paths import PROJECT_DIR
from tests.support.staff import add_staff

POLL_FILE = PROJECT_DIR / "examples" / "poll-services-2026.yaml"
SLUG = "services-2026"
TITLE = "Services in our neighbourhood 2026"
LOCKED = (
    "poll services-2026 has answers already, so only its texts can be corrected, but {}; to "
    "change what it asks, import it as a new poll under a new slug"
)
Edit = dict[int, str | None]
WITHOUT_QUESTION_6: Edit = dict.fromkeys(range(47, 52))  # lines 47-51: the free-text question
WITHOUT_OPTION_4: Edit = {19: None}  # question 1 loses "Access to health services"


def poll_text(edit: dict[int, str | None]) -> str:
    """The example poll file with some lines replaced (or removed, for None)."""
    lines = POLL_FILE.read_text(encoding="utf-8").splitlines()
    kept = [edit.get(n, line) for n, line in enumerate(lines, start=1)]
    return "\n".join(line for line in kept if line is not None) + "\n"


def write_variant(tmp_path: Path, name: str, edit: dict[int, str | None]) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(poll_text(edit), encoding="utf-8")
    return path


def plain(text: str) -> str:
    """Text without the Unicode isolates that wrap names and numbers."""
    return text.replace("\u2068", "").replace("\u2069", "")


async def _snapshot(sessions: async_sessionmaker[AsyncSession]) -> tuple[Any, ...]:
    """The poll's rows, ids included, and every answer, read afresh."""
    async with sessions() as session:
        poll = (await session.execute(select(Poll).where(Poll.slug == SLUG))).scalar_one()
        answers = (await session.execute(select(Answer).order_by(Answer.id))).scalars()
        return (
            poll.status,
            poll.title,
            [
                (
                    q.id,
                    q.kind,
                    q.text,
                    q.min_value,
                    q.max_value,
                    [(o.id, o.text) for o in q.options],
                )
                for q in poll.questions
            ],
            [(a.question_id, a.option_id, a.value_int, a.value_text) for a in answers],
        )


async def _answer_first_question(chat: Chat, option: str) -> None:
    """A member opens the poll from /polls and answers its first question."""
    await chat.say("/polls")
    await chat.press(TITLE)
    assert "question 1 of" in chat.text
    await chat.press(option)


async def test_reimporting_replaces_an_unanswered_poll_and_then_only_corrects_its_texts(
    cli_env: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
    tmp_path: Path,
) -> None:
    first = await _snapshot(sessions)
    five = write_variant(tmp_path, "five", WITHOUT_QUESTION_6)
    replaced = await reslog(cli_env, "poll", "import", five)
    assert replaced.ok() == (
        "replaced poll services-2026 (5 questions): it had no answers yet, so its title, "
        "questions and options are the file's now; it stays open\n"
    )
    after = await _snapshot(sessions)
    assert after[0] == "open" and [q[1] for q in after[2]] == [q[1] for q in first[2]][:5]
    assert not {q[0] for q in after[2]} & {q[0] for q in first[2]}  # new rows

    await add_members(sessions, cipher, None, demo, [Member(830001, "en")])
    member = Chat(sessions, cipher, "830001", client_language="en")
    await _answer_first_question(member, "Parks and playgrounds")
    answered = await _snapshot(sessions)
    parks = answered[2][0][5][1][0]
    assert answered[3] == [(answered[2][0][0], parks, None, None)]

    corrections = {
        **WITHOUT_QUESTION_6,
        8: '  en: "Services in our neighbourhood, 2026"',
        17: '      - {tr: "Parklar ve oyun alanları", ar: "الحدائق وأماكن لعب الأطفال",'
        ' en: "Parks and children\'s playgrounds"}',
    }
    corrected = await reslog(cli_env, "poll", "import", write_variant(tmp_path, "fix", corrections))
    assert corrected.ok() == (
        "corrected 2 texts of poll services-2026: title (en); question 1 option 2 (en)\n"
    )
    fixed = await _snapshot(sessions)
    assert fixed[1]["en"] == "Services in our neighbourhood, 2026"
    assert [(q[0], [o[0] for o in q[5]]) for q in fixed[2]] == [
        (q[0], [o[0] for o in q[5]]) for q in answered[2]
    ]  # every row keeps its id ...
    assert fixed[3] == answered[3]  # ... and the answer still points at the option it chose
    assert fixed[2][0][5][1][1]["en"] == "Parks and children's playgrounds"

    kind = write_variant(tmp_path, "kind", {**corrections, 30: "  - kind: yesno"})
    fewer = write_variant(tmp_path, "fewer", {**corrections, **WITHOUT_OPTION_4})
    bounds = write_variant(tmp_path, "bounds", {**corrections, 46: "    max: 40"})
    six = write_variant(tmp_path, "six", {k: v for k, v in corrections.items() if v})
    swapped = write_variant(
        tmp_path,
        "swapped",
        {
            **corrections,
            16: '      - {tr: "Toplu taşıma", ar: "النقل العام", en: "Public transport"}',
            18: '      - {tr: "Temizlik ve çöp toplama", ar: "النظافة وجمع النفايات",'
            ' en: "Cleaning and waste collection"}',
        },
    )
    paths = (kind, fewer, bounds, swapped)
    runs = await reslog_all(cli_env, [["poll", "import", path] for path in paths])
    runs.append(await reslog(cli_env, "poll", "import", six))
    expected = [
        (kind, 30, "question 3 is yesno in the file but scale in the poll"),
        (fewer, 10, "question 1 has a different number of options: 3 in the file, 4 in the poll"),
        (bounds, 40, "question 5 accepts 1–40 in the file but 1–30 in the poll"),
        (
            swapped,
            10,
            "question 1 option 1 is worded as question 1 option 3 was: the options were reordered",
        ),
        (six, 9, "the number of questions differs: 6 in the file, 5 in the poll"),
    ]
    for run, (path, line, difference) in zip(runs, expected, strict=True):
        run.refused(f"{path}: line {line}: {LOCKED.format(difference)}")
    assert await _snapshot(sessions) == fixed

    (await reslog(cli_env, "poll", "close", demo, SLUG)).ok()
    closed_fix = {**corrections, 14: '      en: "Which service should the municipality improve?"'}
    closed = await reslog(
        cli_env, "poll", "import", write_variant(tmp_path, "closed-fix", closed_fix)
    )
    assert closed.ok() == "corrected 1 text of poll services-2026: question 1 (en)\n"
    closed_change = await reslog(cli_env, "poll", "import", kind)
    closed_change.refused(
        "line 30: poll services-2026 is closed, so only its texts can be corrected, but question 3"
        " is yesno in the file but scale in the poll"
    )
    async with sessions() as session:
        results = (
            await session.execute(select(Notice).where(Notice.kind == "results"))
        ).scalar_one()
    assert "Which service should the municipality improve?" in results.text["en"]
    assert "Parks and children's playgrounds" in results.text["en"]


async def _upload(chat: Chat, text: str) -> str:
    """The person sends a poll file; what they are told, without isolates."""
    await chat.send(
        Incoming(
            chat.channel,
            chat.address,
            client_language=chat.client_language,
            unsupported="document",
            document=InFile("services-2026.yaml", text.encode(), "application/x-yaml"),
        )
    )
    return plain(chat.text)


async def test_in_chat_a_poll_is_replaced_while_unanswered_and_locked_once_answered(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    await add_staff(sessions, cipher, "830010", code=demo)
    huda = Chat(sessions, cipher, "830010", client_language="ar")
    await add_members(sessions, cipher, None, demo, [Member(830011, "en")])
    member = Chat(sessions, cipher, "830011", client_language="en")
    await member.say("/polls")
    await member.press(TITLE)
    shown_before = member.button("Parks and playgrounds")  # the member looks at question 1

    said = await _upload(huda, poll_text(WITHOUT_OPTION_4))
    assert said == (
        "لم يكن للاستطلاع services-2026 في مجلس الانسجام في زيتين بورنو أي إجابة بعد، لذا صار "
        "عنوانه وأسئلته وخياراته كما في الملف: ٦ أسئلة، باللغات: Türkçe, العربية, English.\n"
        "يبقى مفتوحاً: يجيب الأعضاء الآن عن الأسئلة الجديدة."
    )
    await member.press_data(shown_before.data)  # shown before the change: refused
    assert "That button is no longer active" in member.text and "Open polls:" in member.text
    async with sessions() as session:
        person = (
            await session.execute(
                select(Participant).where(
                    Participant.address_hash == cipher.lookup_hash("telegram", "830011")
                )
            )
        ).scalar_one()
        assert person.step == "polls"
        assert (await session.execute(select(Answer))).first() is None
    await member.press(TITLE)
    assert "Access to health services" not in [c.label for m in member.last for c in m.choices]
    await member.press("Public transport")
    answered = await _snapshot(sessions)
    assert answered[3] == [(answered[2][0][0], answered[2][0][5][2][0], None, None)]

    arabic_fix = {
        **WITHOUT_OPTION_4,
        18: '      - {tr: "Toplu taşıma", ar: "المواصلات العامة", en: "Public transport"}',
    }
    said = await _upload(huda, poll_text(arabic_fix))
    assert said == (
        "الاستطلاع services-2026: صُحِّح نص واحد: السؤال ١، الخيار ٣ (العربية).\n"
        "أسئلته وخياراته والإجابات المقدَّمة حتى الآن لم تتغيّر؛ لتغيير ما يسأل عنه، أرسله "
        "استطلاعاً جديداً باسم مختصر (slug) جديد."
    )
    fixed = await _snapshot(sessions)
    assert fixed[2][0][5][2] == (
        answered[2][0][5][2][0],
        {"tr": "Toplu taşıma", "ar": "المواصلات العامة", "en": "Public transport"},
    )
    assert fixed[3] == answered[3]
    assert (await _upload(huda, poll_text(arabic_fix))) == (
        "لم يتغيّر الاستطلاع services-2026: الملف يقول ما هو محفوظ أصلاً."
    )

    refused = await _upload(huda, poll_text({18: arabic_fix[18]}))  # option 4 is back
    assert refused == (
        "لم يُستخدم ملف الاستطلاع ولم يتغيّر أي شيء:\nالسطر ١٠: للاستطلاع services-2026 إجابات "
        "أصلاً، لذا لا يمكن إلا تصحيح نصوصه، لكن عدد خيارات السؤال ١ مختلف: ٤ في الملف و٣ في "
        "الاستطلاع؛ لتغيير ما يسأل عنه، ارفعه استطلاعاً جديداً باسم مختصر (slug) جديد"
    )
    in_turkish = Chat(sessions, cipher, "830010", client_language="tr")
    assert (await _upload(in_turkish, poll_text({18: arabic_fix[18]}))) == (
        "Anket dosyası kullanılmadı ve hiçbir şey değişmedi:\nsatır 10: services-2026 anketi "
        "zaten yanıtlandı, bu yüzden yalnızca metinleri düzeltilebilir, ama soru 1 için seçenek "
        "sayısı farklı: dosyada 4, ankette 3; sorduklarını değiştirmek için onu yeni bir kısa "
        "adla (slug) yeni bir anket olarak yükleyin"
    )
    assert await _snapshot(sessions) == fixed
