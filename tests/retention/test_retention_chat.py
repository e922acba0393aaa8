"""/retention in chat: a municipality's staff see the periods in their language and change one;
a value out of bounds is refused in one line with nothing changed; a facilitator is told the
periods are not theirs to set."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.crypto import AddressCipher
from storage.models import Municipality
from tests.support.chat import Chat
from tests.support.cli import reslog


async def _months(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int((await session.scalars(select(Municipality.inactive_months))).one())


async def test_municipal_staff_see_and_change_a_period_in_chat(
    cli_env: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
) -> None:
    add = ("staff", "add", "--telegram-id")
    (
        await reslog(
            cli_env, *add, "7400001", "--municipality", "zeytinburnu", "--role", "municipal"
        )
    ).ok()
    (await reslog(cli_env, *add, "7400002", "--assembly", demo)).ok()
    staff = Chat(sessions, cipher, "7400001", client_language="ar")
    await staff.say("/start")
    await staff.press("العربية")
    await staff.say("/retention")
    assert staff.text.startswith("مدد الاحتفاظ لدى \u2068بلدية زيتين بورنو\u2069:")
    assert "• inactive_months: يُحذف المشارك غير النشط بعد ٢٤ شهرًا" in staff.text
    assert "• message_key_days: تُحذف مفاتيح الرسائل الواردة بعد ٧ أيام" in staff.text

    await staff.say("/retention inactive_months 0")
    assert staff.text == "يجب أن تكون قيمة ⁨inactive_months⁩ بين ١ و١٢٠ شهرًا، وليس ٠."
    assert await _months(sessions) == 24
    await staff.say("/retention inactive_months 121")
    assert "وليس ١٢١" in staff.text and await _months(sessions) == 24
    await staff.say("/retention inactive_months eighteen")
    assert staff.text.startswith("لتغيير مدة، أرسل /retention ثم الإعداد ثم الرقم")
    await staff.say("/retention inactive_months ١٨")
    assert "بعد ١٨ شهرًا" in staff.text and "reslog privacy notice --activate" in staff.text
    assert await _months(sessions) == 18

    facilitator = Chat(sessions, cipher, "7400002", client_language="en")
    await facilitator.say("/retention inactive_months 6")
    assert facilitator.text.startswith("Retention periods are for a municipality's staff.")
    assert await _months(sessions) == 18
