"""/digest in chat, through the conversation core: municipal staff set their municipality's digest
in Turkish and Arabic; bad input is answered and changes nothing; roles are checked every time."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.core.commands import help_text
from handlers.core.router import commands
from handlers.i18n.core import use_language
from storage.crypto import AddressCipher
from storage.digest_settings import list_recipients, setting_for
from storage.models import DigestRecipient, DigestSetting, Municipality, Staff, StaffConversation
from storage.staff import ADMINISTRATOR, MUNICIPAL
from storage.unions import create_union
from tests.support.chat import Chat
from tests.support.staff import add_staff

STAFF_ID = "840001"
RESIDENT_ID = "840002"
GROUP = "-1001234567890"


async def _municipality_id(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        found = (
            await session.execute(select(Municipality.id).where(Municipality.slug == "zeytinburnu"))
        ).scalar_one()
        return int(found)


async def _municipal(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, language: str
) -> Chat:
    await add_staff(
        sessions, cipher, STAFF_ID, MUNICIPAL, municipality_id=await _municipality_id(sessions)
    )
    return Chat(sessions, cipher, STAFF_ID, client_language=language)


async def _setting(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher
) -> tuple[DigestSetting, list[tuple[str, str]]]:
    async with sessions() as session:
        setting = await setting_for(session, municipality_id=await _municipality_id(sessions))
        recipients = await list_recipients(session, cipher, setting)
        await session.commit()
    return setting, [(r.kind, r.address) for r in recipients]


async def _press(chat: Chat, label: str) -> None:
    """Press the shown button with exactly this label ("Gün", not "Günlük")."""
    (choice,) = [c for m in chat.last for c in m.choices if c.label == label]
    await chat.press_data(choice.data)


async def _count(sessions: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_municipal_staff_set_the_digest_in_turkish_and_bad_input_changes_nothing(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    chat = await _municipal(sessions, cipher, "tr")
    await chat.say("/digest")
    assert "Zeytinburnu Belediyesi özeti" in chat.plain
    assert "Gönderilmiyor: özet kapalı." in chat.plain
    assert "Dil: Türkçe" in chat.plain and "5 altındaki sayılar “<5”" in chat.plain
    assert "Henüz alıcı yok" in chat.plain

    await chat.press("Haftalık")
    assert "Kaydedildi." in chat.plain
    assert "Gönderim: her Pazartesi, saat 08:00 (Europe/Istanbul saatiyle)." in chat.plain
    assert "✓ Haftalık" in [c.label for m in chat.last for c in m.choices]
    await _press(chat, "Gün")
    await chat.press("Cuma")
    assert "her Cuma, saat 08:00" in chat.plain

    await _press(chat, "Saat")
    await chat.say("25:00")
    assert "25:00 bir saat değil. 08:00 gibi yazın." in chat.plain
    await chat.say("9.30")
    assert "her Cuma, saat 09:30" in chat.plain

    await chat.press("+ E-posta")
    await chat.say("ayse@")
    assert "ayse@ bir e-posta adresi değil" in chat.plain
    assert (await _setting(sessions, cipher))[1] == []
    await chat.say("Ayse.Yilmaz@Zeytinburnu.BEL.TR")
    assert "Eklendi: E-posta: Ay•••@zeytinburnu.bel.tr." in chat.plain
    assert "Ayse.Yilmaz" not in chat.plain

    await chat.press("+ Telegram")
    await chat.say("grup")
    assert "grup sohbet kimliği bir sayı değil" in chat.plain
    await chat.say(GROUP)
    assert f"Eklendi: Telegram sohbeti: {GROUP}." in chat.plain
    await chat.press("+ Telegram")
    await chat.say(GROUP)
    assert "özeti zaten alıyor" in chat.plain

    await _press(chat, "Dil")
    await chat.press("العربية")
    assert "Dil: العربية" in chat.plain

    setting, recipients = await _setting(sessions, cipher)
    assert (setting.frequency, setting.weekday, setting.send_time, setting.language) == (
        "weekly",
        4,
        "09:30",
        "ar",
    )
    assert recipients == [("email", "Ayse.Yilmaz@zeytinburnu.bel.tr"), ("telegram", GROUP)]

    await chat.press("Alıcı çıkar")
    remove = chat.button(GROUP)
    await chat.press(GROUP)
    assert f"Çıkarıldı: Telegram sohbeti: {GROUP}" in chat.plain
    await chat.press_data(remove.data)  # the old button of a step that has moved on
    assert "Bu düğme artık geçerli değil." in chat.plain
    assert (await _setting(sessions, cipher))[1] == [("email", "Ayse.Yilmaz@zeytinburnu.bel.tr")]

    await chat.press("Tamam")
    assert chat.plain == "Özet ayarları gösterildiği gibi kaydedildi."
    await chat.say("/digest")
    await _press(chat, "Saat")
    await chat.say("/cancel")
    assert "Kaydedilmiş özet ayarları korunuyor" in chat.plain
    assert (await _setting(sessions, cipher))[0].send_time == "09:30"


async def test_arabic_staff_get_every_answer_in_arabic(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    chat = await _municipal(sessions, cipher, "ar")
    await chat.say("/digest")
    assert "ملخص بلدية زيتين بورنو" in chat.plain
    assert "لا يُرسل: الملخص متوقف." in chat.plain
    assert "تظهر الأعداد الأقل من ٥ على شكل “<٥”." in chat.plain
    await chat.press("يومي")
    assert "يُرسل كل يوم الساعة 08:00 (بتوقيت Europe/Istanbul)." in chat.plain

    await _press(chat, "ساعة الإرسال")
    await chat.say("ظهرًا")
    assert "ظهرًا ليس وقتًا من اليوم" in chat.plain
    await chat.say("١٨:٤٥")
    assert "الساعة 18:45" in chat.plain

    await chat.press("بريد إلكتروني")
    await chat.say("not-an-address")
    assert "not-an-address ليس عنوان بريد إلكتروني" in chat.plain
    await chat.say("uyum@zeytinburnu.bel.tr")
    assert "أُضيف: بريد إلكتروني: uy•••@zeytinburnu.bel.tr." in chat.plain

    await chat.press("محادثة تيليغرام")
    await chat.say("١٢س")
    assert "معرّف المحادثة ١٢س ليس رقمًا" in chat.plain
    await chat.say("-١٠٠١٢٣٤٥")
    assert "محادثة تيليغرام: -10012345" in chat.plain

    await chat.press("إزالة مستلم")
    await chat.press("uy•••")
    assert "أُزيل: بريد إلكتروني: uy•••@zeytinburnu.bel.tr" in chat.plain
    setting, recipients = await _setting(sessions, cipher)
    assert (setting.frequency, setting.send_time) == ("daily", "18:45")
    assert recipients == [("telegram", "-10012345")]


async def test_someone_without_the_role_is_refused_as_for_every_staff_command(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    resident = Chat(sessions, cipher, RESIDENT_ID, client_language="ar")
    await resident.say("/digest")
    assert resident.text == "هذا الأمر مخصّص لميسّري المجلس."
    await resident.press_data("s1:f:weekly")
    assert resident.text == "هذا الأمر مخصّص لميسّري المجلس."

    await add_staff(sessions, cipher, "840003", code=demo)  # a facilitator of one assembly
    facilitator = Chat(sessions, cipher, "840003", client_language="tr")
    await facilitator.say("/digest")
    assert facilitator.text == (
        "Özet ayarları belediye çalışanları içindir. Rolünüz bunu kapsamıyor."
    )
    assert await _count(sessions, DigestSetting) == 0
    assert await _count(sessions, StaffConversation) == 0


async def test_a_role_taken_away_mid_way_stops_the_next_change(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    chat = await _municipal(sessions, cipher, "en")
    await chat.say("/digest")
    await chat.press("+ E-mail")
    async with sessions() as session:
        await session.execute(delete(Staff))
        await session.commit()
    await chat.say("late@example.org")
    assert chat.text == "This command is for the assembly's facilitators."
    assert await _count(sessions, DigestRecipient) == 0


async def test_an_administrator_picks_a_municipality_or_a_union(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    async with sessions() as session:
        session.add(Municipality(slug="fatih", name={"tr": "Fatih Belediyesi"}))
        union = await create_union(session, "marmara", {"tr": "Marmara Belediyeler Birliği"})
        await session.commit()
    await add_staff(sessions, cipher, STAFF_ID, ADMINISTRATOR)
    chat = Chat(sessions, cipher, STAFF_ID, client_language="tr")
    await chat.say("/digest")
    assert "Hangi özetin ayarlarını yapmak istiyorsunuz?" in chat.plain
    labels = [c.label for m in chat.last for c in m.choices]
    assert labels == ["Fatih Belediyesi", "Zeytinburnu Belediyesi", "Marmara Belediyeler Birliği"]
    await chat.press("Marmara")
    assert "Marmara Belediyeler Birliği özeti" in chat.plain
    await chat.press("Günlük")
    async with sessions() as session:
        setting = await setting_for(session, union_id=union.id)
        assert setting.frequency == "daily" and setting.municipality_id is None
    with use_language("tr"):
        assert "/digest · Belediye özeti: ne zaman, hangi dilde, kime" in help_text(
            commands(), staff=True
        )
