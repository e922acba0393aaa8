"""What a dead dispatcher left under way, settled when the next one starts: on WhatsApp looked up
in Twilio's Messages list (served by the fake Twilio API, read by the real twilio client)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.outbox.dispatcher import DispatchConfig, Dispatcher, Outbound
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.models import OutboxMessage
from tests.support.members import TEXTS, Member, add_members, draft_notice
from tests.support.outbox import drain, queue
from tests.support.whatsapp_outbound import fake_twilio, outbox_rows, running_sender

FAST = DispatchConfig(rate=200, backoff=0.05, idle_wait=0.05)


async def test_the_fake_lists_the_messages_it_took_newest_first_by_recipient_and_date_in_pages() -> (
    None
):
    async with fake_twilio() as fake, running_sender(fake) as sender:
        sids = [await sender.send(Outbound("+905370000001", f"text {i}", "tr")) for i in range(3)]
        await sender.send(Outbound("+905370000002", "another", "tr"))
        messages = sender.client.messages
        listed = await messages.list_async(
            to="whatsapp:+905370000001",
            date_sent_after=utcnow() - timedelta(minutes=1),
            page_size=2,
        )
        assert [m.sid for m in listed] == sids[::-1]
        assert [m.body for m in listed] == ["text 2", "text 1", "text 0"]
        assert len(fake.lookups) == 2  # two pages
        before = await messages.list_async(date_sent_before=utcnow() - timedelta(days=2))
        assert before == []
        today = await messages.list_async(date_sent=utcnow().strftime("%Y-%m-%d"))
        assert len(today) == 4


async def test_rows_left_under_way_on_whatsapp_are_recorded_if_twilio_took_them_else_sent_again(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    took = Member(905370000011, "tr", channel="whatsapp")
    lost = Member(905370000012, "ar", channel="whatsapp")
    await add_members(sessions, cipher, None, demo, [took, lost])
    await queue(sessions, await draft_notice(sessions, demo, urgent=True))
    async with fake_twilio() as fake, running_sender(fake) as sender:
        sid = await sender.send(Outbound(took.address, TEXTS["tr"], "tr"))  # before the crash
        async with sessions() as session:
            await session.execute(
                update(OutboxMessage).values(status="sending", claimed_at=utcnow())
            )
            await session.commit()

        await drain(sessions, Dispatcher(sessions, cipher, sender, FAST))

        received = Counter(m.to for m in fake.messages)
        assert received == Counter({took.address: 1, lost.address: 1})
        rows = await outbox_rows(sessions)
        assert [r.status for r in rows] == ["sent", "sent"]
        assert sid in {r.external_id for r in rows}
        assert {r.external_id for r in rows} == {m.sid for m in fake.messages}
        assert len(fake.lookups) == 2
