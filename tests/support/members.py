"""Members of an assembly written straight into storage, for tests about sending to many people."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.assemblies import assembly_by_code
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.models import Membership, Notice, Participant, ProfileAnswer
from tests.fakes.bot_api import FakeBotApi, Json

TEXTS = {
    "tr": "Toplantı salı 18:00'de",
    "ar": "الاجتماع يوم الثلاثاء الساعة ١٨:٠٠",
    "en": "Meeting on Tuesday at 18:00",
}


@dataclass(frozen=True)
class Member:
    """A Telegram user who joined and accepted the notice."""

    user_id: int
    language: str
    profile: dict[str, str] = field(default_factory=dict)
    stopped: bool = False


async def add_members(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    fake: FakeBotApi | None,
    code: str,
    members: Sequence[Member],
) -> dict[int, Json]:
    """Write the members and open their chats at the fake Bot API, if any; its users by user id."""
    users: dict[int, Json] = {}
    async with sessions() as session:
        assembly = await assembly_by_code(session, code)
        assert assembly is not None
        for member in members:
            if fake is not None:
                users[member.user_id] = fake.user(member.user_id, "P", member.language)
            person = Participant(
                channel="telegram",
                address_hash=cipher.lookup_hash("telegram", str(member.user_id)),
                address_enc=cipher.encrypt(str(member.user_id)),
                language=member.language,
                consented_at=utcnow(),
                consent_version="test",
                stopped_at=utcnow() if member.stopped else None,
                created_at=utcnow(),
                step="idle",
                step_data={},
                step_nonce=1,
            )
            session.add(person)
            await session.flush()
            session.add(Membership(participant_id=person.id, assembly_id=assembly.id))
            for key, option in member.profile.items():
                session.add(
                    ProfileAnswer(
                        participant_id=person.id,
                        assembly_id=assembly.id,
                        question_key=key,
                        option_key=option,
                    )
                )
        await session.commit()
    return users


async def draft_notice(
    sessions: async_sessionmaker[AsyncSession],
    code: str,
    texts: dict[str, str] | None = None,
    **fields: object,
) -> int:
    """A draft notice to the assembly; its id."""
    async with sessions() as session:
        assembly = await assembly_by_code(session, code)
        assert assembly is not None
        notice = Notice(assembly_id=assembly.id, text=dict(texts or TEXTS), **fields)
        session.add(notice)
        await session.commit()
        return notice.id
