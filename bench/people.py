"""Participants for a benchmark, written in bulk: joined, consented (the sensitive questions
allowed), profile skipped, at a poll."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli.demo import DEMO_CODE, seed_demo
from handlers.consent.notice import WORDING
from handlers.participants.profile import PREFER_NOT_TO_SAY
from storage.assemblies import assembly_by_code
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.models import (
    Consent,
    Membership,
    Participant,
    Poll,
    ProfileAnswer,
)

LANGUAGES = ("ar", "tr", "en")
BATCH = 2000


@dataclass(frozen=True)
class Demo:
    """The seeded demo assembly and its open poll."""

    assembly_id: int
    poll_id: int
    profile_keys: tuple[str, ...]
    questions: int
    municipality_id: int = 0
    notice_version: int = 0


async def seed_demo_assembly(sessions: async_sessionmaker[AsyncSession]) -> Demo:
    """The demo assembly with its open poll (`reslog demo seed`)."""
    async with sessions() as session:
        await seed_demo(session)
        await session.commit()
        assembly = await assembly_by_code(session, DEMO_CODE)
        if assembly is None:
            raise RuntimeError("the demo assembly was not created")
        poll = (
            await session.execute(select(Poll).where(Poll.assembly_id == assembly.id))
        ).scalar_one()
        return Demo(
            assembly_id=assembly.id,
            poll_id=poll.id,
            profile_keys=tuple(str(q["key"]) for q in assembly.profile or []),
            questions=len(poll.questions),
            municipality_id=assembly.municipality_id,
            notice_version=assembly.municipality.notice_version,
        )


async def seed_people(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: Demo,
    user_ids: Sequence[int],
    channel: str = "telegram",
) -> dict[int, int]:
    """Users of a channel who joined the demo assembly and stand at its poll's first question.

    Returns participant ids by user id.
    """
    ids: dict[int, int] = {}
    async with sessions() as session:
        for start in range(0, len(user_ids), BATCH):
            batch = user_ids[start : start + BATCH]
            now = utcnow()
            rows = [
                {
                    "channel": channel,
                    "address_hash": cipher.lookup_hash(channel, address_of(channel, user_id)),
                    "address_enc": cipher.encrypt(address_of(channel, user_id)),
                    "language": language_of(user_id),
                    "consented_at": now,
                    "consent_version": WORDING,
                    "created_at": now,
                    "last_inbound_at": now,
                    "step": "poll",
                    "step_data": {"poll": demo.poll_id, "q": 0, "review": False},
                    "step_nonce": 1,
                }
                for user_id in batch
            ]
            result = await session.execute(insert(Participant).returning(Participant.id), rows)
            participant_ids = list(result.scalars())
            ids.update(zip(batch, participant_ids, strict=True))
            await session.execute(
                insert(Membership),
                [
                    {"participant_id": pid, "assembly_id": demo.assembly_id, "joined_at": now}
                    for pid in participant_ids
                ],
            )
            await session.execute(
                insert(Consent),
                [
                    {
                        "participant_id": pid,
                        "municipality_id": demo.municipality_id,
                        "notice_version": demo.notice_version,
                        "wording": WORDING,
                        "given_at": now,
                        "sensitive": True,
                        "sensitive_at": now,
                    }
                    for pid in participant_ids
                ],
            )
            profile = [
                {
                    "participant_id": pid,
                    "assembly_id": demo.assembly_id,
                    "question_key": key,
                    "option_key": PREFER_NOT_TO_SAY,
                }
                for pid in participant_ids
                for key in demo.profile_keys
            ]
            if profile:
                await session.execute(insert(ProfileAnswer), profile)
        await session.commit()
    return ids


def address_of(channel: str, user_id: int) -> str:
    """A benchmark user's address: the Telegram id, or a WhatsApp phone number made from it."""
    return f"+90{user_id:010d}" if channel == "whatsapp" else str(user_id)


def language_of(user_id: int) -> str:
    """Each benchmark user's language: Arabic, Turkish and English in turn."""
    return LANGUAGES[user_id % len(LANGUAGES)]
