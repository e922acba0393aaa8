"""Facilitators upload poll files over Telegram (real HTTP, long polling, the fake Bot API's
getFile and file download): stored when right, explained in the sender's language when not."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.assemblies import assembly_by_code
from storage.crypto import AddressCipher
from storage.models import Assembly, Option, Participant, Poll, Question
from tests.fakes.bot_api import Json
from tests.support.paths import PROJECT_DIR
from tests.support.staff import add_staff
from tests.support.telegram import Step, TelegramRig, telegram_rig

POLL_FILE = PROJECT_DIR / "examples" / "poll-services-2026.yaml"
TURKISH_FACILITATOR, ARABIC_FACILITATOR, RESIDENT = 820001, 820002, 820003
ONLY_TEXT_TR = (
    "Şimdilik yalnızca yazı okuyabiliyorum. Lütfen yanıtınızı yazın ya da düğmeleri kullanın."
)


def plain(text: str) -> str:
    """Text without the Unicode isolates that wrap names and numbers."""
    return text.replace("\u2068", "").replace("\u2069", "")


def poll_file(edit: dict[int, str | None] | None = None, slug: str = "parks-2026") -> bytes:
    """The example poll under another slug, with some lines replaced (or removed, for None)."""
    lines = POLL_FILE.read_text(encoding="utf-8").splitlines()
    changes = {4: f"slug: {slug}", **(edit or {})}
    kept = [changes.get(n, line) for n, line in enumerate(lines, start=1)]
    return ("\n".join(line for line in kept if line is not None) + "\n").encode()


@pytest.fixture
async def rig(database_url: str, demo: str) -> AsyncIterator[TelegramRig]:
    """The bot polling the fake Bot API, on a database seeded with the demo assembly."""
    async with telegram_rig(database_url) as running:
        yield running


async def _facilitator(
    rig: TelegramRig,
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    user_id: int,
    language: str,
    code: str = "ZEYTINBURNU",
) -> Json:
    """A facilitator of one assembly, known by their Telegram id; their Telegram user."""
    await add_staff(sessions, cipher, user_id, code=code)
    return rig.fake.user(user_id, "Selin", language)


async def _counts(sessions: async_sessionmaker[AsyncSession]) -> list[int]:
    async with sessions() as session:
        return [
            int((await session.execute(select(func.count()).select_from(model))).scalar_one())
            for model in (Poll, Question, Option)
        ]


async def _upload(
    rig: TelegramRig,
    user: Json,
    content: bytes,
    name: str = "anket.yaml",
    *,
    mime_type: str = "application/x-yaml",
    claimed_size: int | None = None,
) -> Step:
    """The person sends a file; what the bot did."""
    update = rig.fake.document_update(user, name, content, mime_type, claimed_size=claimed_size)
    return await rig.send(update)


async def test_a_facilitators_poll_file_is_downloaded_and_stored_as_a_draft(
    rig: TelegramRig, sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher
) -> None:
    selin = await _facilitator(rig, sessions, cipher, TURKISH_FACILITATOR, "tr")
    step = await _upload(rig, selin, poll_file(), "parks-2026.yaml")

    assert [c.params["file_id"] for c in step.of("getFile")] == [
        rig.fake.sent_by(selin)[-1]["document"]["file_id"]
    ]
    assert [c.params["file_path"] for c in step.of("downloadFile")] == ["documents/file_1.yaml"]
    text = plain(step.text)
    assert text.startswith(
        "parks-2026 anketi Zeytinburnu Uyum Meclisi meclisine taslak olarak eklendi: 6 soru, "
        "dilleri: Türkçe, العربية, English."
    )
    assert "/preview parks-2026" in text and "/open parks-2026" in text
    assert "/schedule parks-2026" in text

    async with sessions() as session:
        poll = (await session.execute(select(Poll).where(Poll.slug == "parks-2026"))).scalar_one()
        assembly = await session.get(Assembly, poll.assembly_id)
        staff_as_participant = await session.execute(
            select(Participant).where(
                Participant.address_hash == cipher.lookup_hash("telegram", str(selin["id"]))
            )
        )
    assert assembly is not None and assembly.join_code == "ZEYTINBURNU"
    assert poll.status == "draft" and poll.opened_at is None
    assert poll.title["ar"] == "الخدمات في حيّنا 2026"
    assert [q.kind for q in poll.questions] == [
        "single",
        "multi",
        "scale",
        "yesno",
        "number",
        "text",
    ]
    assert [len(q.options) for q in poll.questions] == [4, 4, 0, 0, 0, 0]
    assert (poll.questions[4].min_value, poll.questions[4].max_value) == (1, 30)
    assert poll.questions[1].options[2].text["en"] == "Neighbourhood picnic"
    assert staff_as_participant.first() is None  # staff need not join to upload
    assert await _counts(sessions) == [2, 12, 16]  # the demo's poll and this one


async def test_a_broken_poll_file_is_explained_in_turkish_and_arabic_with_its_line(
    rig: TelegramRig, sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher
) -> None:
    selin = await _facilitator(rig, sessions, cipher, TURKISH_FACILITATOR, "tr")
    huda = await _facilitator(rig, sessions, cipher, ARABIC_FACILITATOR, "ar")
    before = await _counts(sessions)
    no_arabic = poll_file({43: None})  # question 5 loses its Arabic text
    unknown_kind = poll_file({20: "  - kind: ranking"})

    turkish = plain((await _upload(rig, selin, no_arabic)).text)
    assert turkish == (
        "Anket dosyası kullanılmadı ve hiçbir şey değişmedi:\n"
        "satır 42: soru 5 metni için şu dillerde metin yok: ar"
    )
    arabic = plain((await _upload(rig, huda, no_arabic)).text)
    assert arabic == (
        "لم يُستخدم ملف الاستطلاع ولم يتغيّر أي شيء:\nالسطر ٤٢: لا يوجد نص في نص السؤال ٥ باللغات: ar"
    )
    turkish = plain((await _upload(rig, selin, unknown_kind)).text)
    assert turkish.endswith(
        "satır 20: soru 2 türü 'ranking'; şunlardan birini kullanın: "
        "single, multi, scale, yesno, text, number"
    )
    arabic = plain((await _upload(rig, huda, unknown_kind)).text)
    assert arabic.endswith(
        "السطر ٢٠: نوع السؤال ٢ هو 'ranking'؛ استخدم أحد الأنواع: "
        "single, multi, scale, yesno, text, number"
    )
    broken_yaml = plain((await _upload(rig, huda, b"assembly: ZEYTINBURNU\nslug: [x\n")).text)
    assert "ليس YAML صالحاً" in broken_yaml and "السطر ٣" in broken_yaml
    not_utf8 = (await _upload(rig, selin, poll_file().decode().encode("utf-16"))).text
    assert not_utf8 == (
        "Dosya UTF-8 metin değil. Lütfen bir metin düzenleyicide UTF-8 olarak kaydedip yeniden "
        "gönderin. Hiçbir şey kaydedilmedi."
    )
    assert await _counts(sessions) == before


async def test_a_file_from_someone_without_a_role_gets_the_ordinary_answer(
    rig: TelegramRig, sessions: async_sessionmaker[AsyncSession]
) -> None:
    before = await _counts(sessions)
    resident = rig.fake.user(RESIDENT, "John", "en")
    await rig.say(resident, "/start ZEYTINBURNU")
    await rig.press(resident, "English")

    step = await _upload(rig, resident, poll_file())
    said, asked = step.texts[0].split("\n\n", 1)  # one message: the answer, then the question
    assert said == "I can only read text for now. Please type your answer or use the buttons."
    assert "Data protection notice" in asked  # nothing about poll files; the question they stand at
    assert "I agree" in " ".join(rig.fake.shown(resident))
    stranger = rig.fake.user(RESIDENT + 1, "Omar", "ar")
    step = await _upload(rig, stranger, poll_file())
    assert step.texts == ["لا أستطيع حالياً قراءة غير النصوص. يُرجى كتابة إجابتك أو استخدام الأزرار."]
    assert await _counts(sessions) == before


async def test_files_for_another_assembly_too_big_unreadable_or_not_yaml_store_nothing(
    rig: TelegramRig, sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher
) -> None:
    async with sessions() as session:
        demo = await assembly_by_code(session, "ZEYTINBURNU")
        assert demo is not None
        session.add(
            Assembly(
                municipality_id=demo.municipality_id,
                join_code="FATIH",
                name={"tr": "Fatih Meclisi", "ar": "مجلس الفاتح", "en": "Fatih Assembly"},
                languages=["tr", "ar", "en"],
            )
        )
        await session.commit()
    selin = await _facilitator(rig, sessions, cipher, TURKISH_FACILITATOR, "tr")
    before = await _counts(sessions)
    fake = rig.fake

    other = await _upload(rig, selin, poll_file({3: "assembly: FATIH"}))
    assert plain(other.text) == (
        "FATIH meclisini siz yürütmüyorsunuz; bu yüzden bu anket dosyası kullanılmadı. "
        "Hiçbir şey kaydedilmedi."
    )

    mistyped = await _upload(rig, selin, poll_file({3: "assembly: ZEYTINBURUN"}))
    assert plain(mistyped.text) == (
        "Anket dosyası kullanılmadı ve hiçbir şey değişmedi:\n"
        "satır 3: katılım kodu ZEYTINBURUN olan bir meclis yok"
    )

    too_big = "Dosya çok büyük: bir anket dosyası en fazla 64 kB olabilir. Hiçbir şey kaydedilmedi."
    claimed = await _upload(rig, selin, poll_file(), claimed_size=70_000)
    assert plain(claimed.text) == too_big and not claimed.of("getFile")
    padded = poll_file() + b"#" * 70_000  # Telegram said 1 kB, getFile too; the bytes tell
    lied = await _upload(rig, selin, padded, claimed_size=1_000)
    assert lied.of("downloadFile") and plain(lied.text) == too_big

    pdf = await _upload(rig, selin, b"%PDF-1.4 ...", "kimlik.pdf", mime_type="application/pdf")
    assert pdf.texts == [ONLY_TEXT_TR] and not pdf.of("getFile")

    fake.fail_next("getFile", 400, "Bad Request: file is too big")
    lost = await _upload(rig, selin, poll_file())
    assert lost.texts == ["Dosyayı okuyamadım. Lütfen yeniden gönderin."]
    fake.fail_next("downloadFile", 502, "Bad Gateway")
    lost = await _upload(rig, selin, poll_file())
    assert lost.texts == ["Dosyayı okuyamadım. Lütfen yeniden gönderin."]
    assert await _counts(sessions) == before

    again = await _upload(rig, selin, poll_file())  # sent again, it works
    assert "taslak olarak eklendi" in again.text
    assert await _counts(sessions) == [before[0] + 1, before[1] + 6, before[2] + 8]
