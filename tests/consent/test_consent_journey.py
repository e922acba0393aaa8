"""Residents through the notice and the consents, in Arabic on WhatsApp and in Turkish on
Telegram: the notice first (the controller, the carriers, the periods, the contact), the
consent to take part, the optional consent to the sensitive question declined and given later,
withdrawn again; and every declaration as stored."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.consent.activation import activate
from handlers.consent.notice import WORDING
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.models import (
    Assembly,
    Consent,
    ConsentRecord,
    Destruction,
    Membership,
    Municipality,
    Participant,
    ProfileAnswer,
)
from tests.support.chat import Chat


async def _person(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, chat: Chat
) -> Participant:
    async with sessions() as session:
        found = (
            await session.scalars(
                select(Participant).where(
                    Participant.address_hash == cipher.lookup_hash(chat.channel, chat.address)
                )
            )
        ).one()
        return found


async def _records(
    sessions: async_sessionmaker[AsyncSession], pid: int
) -> list[tuple[str, bool, int, str]]:
    async with sessions() as session:
        rows = await session.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.participant_id == pid)
            .order_by(ConsentRecord.id)
        )
        return [(r.kind, r.given, r.notice_version, r.wording) for r in rows]


async def _profile(sessions: async_sessionmaker[AsyncSession], pid: int) -> dict[str, str]:
    async with sessions() as session:
        rows = await session.scalars(
            select(ProfileAnswer).where(ProfileAnswer.participant_id == pid)
        )
        return {r.question_key: r.option_key for r in rows}


async def test_an_arabic_resident_on_whatsapp_reads_the_notice_consents_and_changes_her_mind(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    amal = Chat(sessions, cipher, "+963944000111", channel="whatsapp", client_language="ar")
    await amal.say(f"انضم {demo}")
    await amal.press("العربية")
    notice, question = amal.last
    assert not notice.choices  # the notice is read, not agreed to
    for said in (
        "إشعار حماية البيانات الشخصية (KVKK)، الإصدار ١",
        "المسؤول عن البيانات: \u2068بلدية زيتين بورنو\u2069.",
        "Meta Platforms Ireland",
        "Twilio",
        "خارج تركيا",
        "تقل عن ٥ أشخاص",
        "لمدة ٢٤ شهرًا",
        "بعد ١٢ شهرًا",
        "بعد ٣٠ يومًا",
        "(/mydata)",
        "(/forget)",
        "(/privacy)",
        "kvkk@zeytinburnu.bel.tr",
    ):
        assert said in notice.text, said
    assert "هل توافق على المشاركة في \u2068مجلس الانسجام في زيتين بورنو\u2069" in question.text
    assert [c.label for c in question.choices] == ["أوافق", "لا أوافق"]
    person = await _person(sessions, cipher, amal)
    assert person.consented_at is None and await _records(sessions, person.id) == []

    await amal.press("أوافق")
    assert "أهلاً بك في" in amal.text
    assert "سؤال اختياري واحد" in amal.text and "أصلك العرقي" in amal.text  # one sensitive question
    await amal.press("لا، تخطَّها")
    assert "لن نطرحها عليك" in amal.text
    assert "(١ من ٢)" in amal.text and "ما فئتك العمرية؟" in amal.text  # the community one skipped
    await amal.press("١٨–٢٩")
    await amal.press("يشيل تبه")
    assert await _profile(sessions, person.id) == {
        "age_band": "18-29",
        "neighbourhood": "yesiltepe",
    }

    await amal.say("خصوصية")  # the keyword of /privacy
    assert "الأسئلة الحساسة: غير مسموح بها." in amal.text
    await amal.press("السماح بالأسئلة الحساسة")
    assert "إلى أي مجتمع تنتمي؟" in amal.text  # asked at once
    await amal.press("سوري")
    assert (await _profile(sessions, person.id))["community"] == "syrian"

    await amal.say("/privacy")
    assert "الأسئلة الحساسة: مسموح بها." in amal.text
    await amal.press("سحب الموافقة على الأسئلة الحساسة")
    assert "حُذفت إجاباتك على تلك الأسئلة" in amal.text
    assert "community" not in await _profile(sessions, person.id)

    assert await _records(sessions, person.id) == [
        ("participation", True, 1, WORDING),
        ("sensitive", False, 1, WORDING),
        ("sensitive", True, 1, WORDING),
        ("sensitive", False, 1, WORDING),
    ]
    async with sessions() as session:
        consent = (await session.scalars(select(Consent))).one()
        assert (consent.notice_version, consent.wording, consent.sensitive) == (1, WORDING, False)
        log = (
            await session.execute(
                select(Destruction.category, Destruction.reason, Destruction.records)
            )
        ).all()
        assert [tuple(row) for row in log] == [("sensitive_profile", "consent_withdrawn", 1)]


async def test_a_turkish_resident_on_telegram_declines_the_sensitive_question_then_allows_it(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    ayse = Chat(sessions, cipher, "5550001", client_language="tr")
    await ayse.say("/start")  # no code: which assembly first, then its municipality's notice
    await ayse.press("Türkçe")
    assert ayse.text.startswith("Hangi meclise katılmak istersiniz?")
    assert "Veri sorumlusu" not in ayse.text
    await ayse.say(demo)
    notice, _question = ayse.last
    assert "Veri sorumlusu: \u2068Zeytinburnu Belediyesi\u2069." in notice.text
    assert "Telegram (Telegram FZ-LLC, United Arab Emirates)" in notice.text
    assert "24 ay boyunca" in notice.text and "30 gün sonra" in notice.text
    await ayse.press("Kabul ediyorum")
    await ayse.press("Hayır, sorma")
    person = await _person(sessions, cipher, ayse)
    await ayse.press("Belirtmek istemiyorum")
    await ayse.press("Belirtmek istemiyorum")
    assert "soru 1/6" in ayse.text  # on to the poll
    assert await _profile(sessions, person.id) == {"age_band": "", "neighbourhood": ""}

    await ayse.say("/privacy")
    assert "Hassas sorular: izin verilmedi." in ayse.text
    await ayse.press("Hassas sorulara izin ver")
    assert "Kendinizi hangi toplulukta görüyorsunuz?" in ayse.text
    await ayse.press("Yerel halk")
    assert await _profile(sessions, person.id) == {
        "age_band": "",
        "neighbourhood": "",
        "community": "host",
    }
    assert await _records(sessions, person.id) == [
        ("participation", True, 1, WORDING),
        ("sensitive", False, 1, WORDING),
        ("sensitive", True, 1, WORDING),
    ]
    await ayse.say("/mydata")
    record = ayse.last[-1].file
    assert record is not None and b'"kind": "sensitive"' in record.content
    assert "/privacy" in ayse.text


async def test_declining_to_take_part_keeps_nothing_and_a_second_municipality_declined_changes_nothing(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    omar = Chat(sessions, cipher, "5550002", client_language="ar")
    await omar.say(f"/start {demo}")
    await omar.press("العربية")
    await omar.press("لا أوافق")
    assert omar.text.startswith("لم نحتفظ بأي شيء عنك.")
    async with sessions() as session:
        assert (await session.scalars(select(Participant))).all() == []
        assert (await session.scalars(select(ConsentRecord))).all() == []

    async with sessions() as session:  # a second municipality, its notice in force
        other = Municipality(
            slug="fatih",
            name={"tr": "Fatih Belediyesi", "ar": "بلدية الفاتح", "en": "Fatih"},
            privacy_contact="kvkk@fatih.bel.tr",
        )
        session.add(other)
        await session.flush()
        session.add(
            Assembly(
                municipality_id=other.id,
                join_code="FATIH",
                name={"tr": "Fatih Meclisi", "ar": "مجلس الفاتح", "en": "Fatih Assembly"},
                languages=["tr", "ar"],
                profile=[],
            )
        )
        await activate(session, other, utcnow())
        await session.commit()
    await omar.say(f"/start {demo}")
    await omar.press("العربية")
    await omar.press("أوافق")
    await omar.press("نعم، اسألوني")
    person = await _person(sessions, cipher, omar)
    await omar.say("/start FATIH")
    assert "بلدية الفاتح" in omar.text and "kvkk@fatih.bel.tr" in omar.text
    await omar.press("لا أوافق")
    assert "لم تنضم إلى \u2068مجلس الفاتح\u2069. لم يتغير شيء آخر." in omar.text
    async with sessions() as session:
        joined = (
            await session.scalars(
                select(Membership.assembly_id).where(Membership.participant_id == person.id)
            )
        ).all()
        assert len(joined) == 1
    assert await _records(sessions, person.id) == [
        ("participation", True, 1, WORDING),
        ("sensitive", True, 1, WORDING),
        ("participation", False, 1, WORDING),  # Fatih's notice, version 1
    ]
