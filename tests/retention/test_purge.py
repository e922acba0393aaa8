"""The purge over a cohort with every kind of data at its period's edge, with a frozen clock.

Each kind is placed a day before its period ends, on the moment it ends and after it; a run
warns exactly the people due a warning (in their language, after the quiet hours), erases
exactly those warned long enough ago and still silent, deletes exactly the feedback, outbox
links, message keys, erasure records and log rows past their periods, and logs each
destruction by kind and reason, never by person. A second run at the same moment changes
nothing; a person who writes after the warning is kept.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.retention.purge import run_purge
from storage.assemblies import assembly_by_code
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.destructions import record_destruction
from storage.erasures import remember_erased
from storage.models import (
    Destruction,
    ErasedAddress,
    Feedback,
    InboundMessage,
    Notice,
    OutboxMessage,
    Participant,
    Response,
)
from storage.vocabulary import DestructionCategory, DestructionReason, OutboxStatus
from tests.support.chat import Chat
from tests.support.members import Member, add_members

BACKUP_DAYS = 90
MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)
FORTNIGHT = timedelta(days=14)


def frozen_now() -> datetime:
    """Ten days ago at 20:30 UTC: 23:30 in Istanbul, inside the demo's quiet hours (22-08),
    and early enough that a message typed today comes after it."""
    ten_days_ago = utcnow() - timedelta(days=10)
    return ten_days_ago.replace(hour=20, minute=30, second=0, microsecond=0)


async def ids_by_user(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher
) -> dict[int, int]:
    """Participant ids of the cohort's Telegram users, by user id."""
    async with sessions() as session:
        rows = (await session.execute(select(Participant.id, Participant.address_hash))).all()
    by_hash = {address_hash: pid for pid, address_hash in rows}
    return {
        user: by_hash[cipher.lookup_hash("telegram", str(user))]
        for user in range(100, 120)
        if cipher.lookup_hash("telegram", str(user)) in by_hash
    }


async def log_rows(session: AsyncSession) -> list[tuple[str, str, int, int | None]]:
    """The destruction log as (category, reason, records, run) rows, in order."""
    rows = await session.execute(
        select(
            Destruction.category, Destruction.reason, Destruction.records, Destruction.run_id
        ).order_by(Destruction.id)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_the_purge_takes_exactly_what_is_due_and_logs_it(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    now = frozen_now()
    inactive_before = now - relativedelta(months=24)
    warn_before = inactive_before + FORTNIGHT
    people = [
        Member(100, "tr", last_inbound_at=now - DAY),  # active
        Member(101, "ar", last_inbound_at=warn_before + DAY),  # a day before the warning
        Member(102, "ar", last_inbound_at=warn_before - MINUTE),  # just inside: warned
        Member(103, "tr", last_inbound_at=inactive_before - timedelta(days=30)),  # long gone
        Member(104, "en", last_inbound_at=inactive_before - DAY),  # long gone
    ]
    await add_members(sessions, cipher, None, demo, people)
    ids = await ids_by_user(sessions, cipher)
    async with sessions() as session:
        # Agreed once, joined nothing, silent for 25 months: no assembly to warn them in the
        # name of, so erased at once after the default period.
        unattached = Participant(
            channel="telegram",
            address_hash=cipher.lookup_hash("telegram", "199"),
            language="ar",
            consented_at=now - relativedelta(months=25),
            created_at=now - relativedelta(months=25),
            step="join",
            step_data={},
            step_nonce=1,
        )
        session.add(unattached)
        assembly = await assembly_by_code(session, demo)
        assert assembly is not None
        feedback_before = now - relativedelta(months=12)
        for user, sent in (
            (100, feedback_before + DAY),
            (100, feedback_before - MINUTE),
            (101, feedback_before - DAY),
        ):
            session.add(
                Feedback(
                    assembly_id=assembly.id,
                    participant_id=ids[user],
                    language="tr",
                    text=f"feedback {sent:%Y-%m-%d %H:%M}",
                    created_at=sent,
                )
            )
        notice = Notice(
            assembly_id=assembly.id, text={"tr": "x", "ar": "x", "en": "x"}, status="queued"
        )
        session.add(notice)
        await session.flush()
        outbox_before = now - timedelta(days=30)
        for user, status, when in (
            (100, OutboxStatus.SENT, outbox_before + DAY),
            (101, OutboxStatus.SENT, outbox_before - MINUTE),
            (102, OutboxStatus.FAILED, outbox_before - DAY),
            (103, OutboxStatus.PENDING, outbox_before - DAY),  # never settled: kept as it is
        ):
            session.add(
                OutboxMessage(
                    notice_id=notice.id,
                    participant_id=ids[user],
                    channel="telegram",
                    language="tr",
                    status=status,
                    not_before=when,
                    external_id=f"m{user}",
                )
            )
        keys_before = now - timedelta(days=7)
        for key, when in (
            ("k-keep", keys_before + DAY),
            ("k-edge", keys_before - MINUTE),
            ("k-old", keys_before - DAY),
        ):
            session.add(InboundMessage(channel="telegram", external_id=key, received_at=when))
        await remember_erased(
            session,
            [
                ("telegram", "a" * 64, now - timedelta(days=BACKUP_DAYS) + DAY),
                ("telegram", "b" * 64, now - timedelta(days=BACKUP_DAYS) - MINUTE),
            ],
        )
        log_before = now - relativedelta(years=3)
        for when in (log_before + DAY, log_before - MINUTE):
            await record_destruction(
                session, DestructionCategory.FEEDBACK, DestructionReason.REQUEST, 1, when
            )
        await session.commit()

    first = await run_purge(sessions, now, "schedule", BACKUP_DAYS)

    async with sessions() as session:
        warned = {
            pid: at
            for pid, at in await session.execute(
                select(Participant.id, Participant.retention_warned_at)
            )
        }
        assert {pid for pid, at in warned.items() if at is not None} == {
            ids[102],
            ids[103],
            ids[104],
        }
        rows = (
            await session.execute(
                select(
                    OutboxMessage.participant_id,
                    OutboxMessage.language,
                    OutboxMessage.not_before,
                    Notice.text,
                )
                .join(Notice, Notice.id == OutboxMessage.notice_id)
                .where(Notice.kind == "retention")
            )
        ).all()
        assert sorted((r.participant_id, r.language) for r in rows) == sorted(
            [(ids[102], "ar"), (ids[103], "tr"), (ids[104], "en")]
        )
        # 23:30 in Istanbul: the warnings wait for the end of the quiet hours, 08:00 (05:00 UTC).
        assert {r.not_before for r in rows} == {(now + DAY).replace(hour=5, minute=0)}
        texts = rows[0].text
        assert "٢٤ شهرًا" in texts["ar"] and "٢٤" in texts["ar"]
        assert "24 aydır" in texts["tr"]
        assert "for 24 months" in texts["en"]
        for language, text in texts.items():
            assert assembly.name[language] in text, (language, text)
        # Nobody erased yet: nobody was warned a fortnight ago.
        assert await session.scalar(select(func.count()).select_from(Participant)) == 5
        remaining = sorted(f.text[9:] for f in (await session.scalars(select(Feedback))).all())
        assert remaining == [f"{feedback_before + DAY:%Y-%m-%d %H:%M}"]
        links = sorted(
            (row.participant_id or 0, row.external_id or "")
            for row in await session.execute(
                select(OutboxMessage.external_id, OutboxMessage.participant_id).where(
                    OutboxMessage.notice_id == notice.id
                )
            )
        )
        # 101's (sent a minute past the period) and 102's (failed, older) lost their recipient.
        assert links == sorted([(ids[100], "m100"), (0, ""), (0, ""), (ids[103], "m103")])
        assert (
            await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.participant_id.is_(None))
            )
            == 2
        )
        keys = set((await session.scalars(select(InboundMessage.external_id))).all())
        assert keys == {"k-keep"}
        assert set((await session.scalars(select(ErasedAddress.address_hash))).all()) == {
            "a" * 64,
            cipher.lookup_hash("telegram", "199"),
        }
        log = await log_rows(session)
    run = first.run_id
    assert log == [
        ("feedback", "request", 1, None),  # the row a day short of three years
        ("feedback", "retention_period", 2, run),
        ("outbox_recipient", "retention_period", 2, run),
        ("participant", "inactivity", 1, run),  # the one who joined nothing
        ("message_key", "retention_period", 2, run),
        ("erased_address", "retention_period", 1, run),
        ("destruction_record", "retention_period", 1, run),
    ]
    assert first.warned == 3

    # The same moment again: nothing more is warned, erased or deleted.
    again = await run_purge(sessions, now, "schedule", BACKUP_DAYS)
    assert again.warned == 0 and sum(again.destroyed.values()) == 0
    async with sessions() as session:
        assert await log_rows(session) == log
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 7

    # 102 writes during the warning period (a real turn, today), and is kept.
    chat = Chat(sessions, cipher, "102")
    await chat.say("/help")

    # A minute short of a fortnight after the warning: nobody is erased yet, and the edges
    # have moved on: 101, a day short of a warning before, is warned now.
    early = await run_purge(sessions, now + FORTNIGHT - MINUTE, "schedule", BACKUP_DAYS)
    assert early.destroyed[(DestructionCategory.PARTICIPANT, DestructionReason.INACTIVITY)] == 0
    assert early.warned == 1

    # A fortnight and a minute after it: the two still silent go; 102 stays, not warned again.
    late = now + FORTNIGHT + MINUTE
    async with sessions() as session:
        await session.execute(
            update(Participant).where(Participant.id == ids[100]).values(last_inbound_at=late - DAY)
        )
        answered = Response(poll_id=1, participant_id=ids[103], language="tr")
        session.add(answered)
        await session.commit()
    erased = await run_purge(sessions, late, "schedule", BACKUP_DAYS)
    assert erased.warned == 0
    assert erased.destroyed[(DestructionCategory.PARTICIPANT, DestructionReason.INACTIVITY)] == 2
    async with sessions() as session:
        left = set((await session.scalars(select(Participant.id))).all())
        assert left == {ids[100], ids[101], ids[102]}
        # Their answers stay, linked to nobody; their addresses are remembered only as hashes.
        assert (await session.get(Response, answered.id)).participant_id is None  # type: ignore[union-attr]
        hashes = set((await session.scalars(select(ErasedAddress.address_hash))).all())
        # ("a" * 64 went too: BACKUP_DAYS had passed for it by now.)
        assert hashes == {
            cipher.lookup_hash("telegram", "199"),
            cipher.lookup_hash("telegram", "103"),
            cipher.lookup_hash("telegram", "104"),
        }
        municipality_rows = (
            await session.execute(
                select(
                    Destruction.category,
                    Destruction.reason,
                    Destruction.records,
                    Destruction.municipality_id,
                ).where(Destruction.run_id == erased.run_id, Destruction.category == "participant")
            )
        ).all()
        assert [(r.category, r.reason, r.records) for r in municipality_rows] == [
            ("participant", "inactivity", 2)
        ]
        assert municipality_rows[0].municipality_id == assembly.municipality_id
    assert sum((await run_purge(sessions, late, "schedule", BACKUP_DAYS)).destroyed.values()) == 0
