"""Members of an assembly written straight into storage, for tests about sending to many people."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.consent.notice import WORDING
from storage.assemblies import assembly_by_code
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.models import Consent, Membership, Notice, Participant, ProfileAnswer
from tests.fakes.bot_api import FakeBotApi, Json

TEXTS = {
    "tr": "Toplantı salı 18:00'de",
    "ar": "الاجتماع يوم الثلاثاء الساعة ١٨:٠٠",
    "en": "Meeting on Tuesday at 18:00",
}


@dataclass(frozen=True)
class Member:
    """A person who joined and accepted the notice: a Telegram user, or on WhatsApp the number
    ``+<user_id>`` (``last_inbound_at``: when they last wrote)."""

    user_id: int
    language: str
    profile: dict[str, str] = field(default_factory=dict)
    stopped: bool = False
    channel: str = "telegram"
    last_inbound_at: datetime | None = None

    @property
    def address(self) -> str:
        """The address on the member's channel: the Telegram id, or the E.164 number."""
        return f"+{self.user_id}" if self.channel == "whatsapp" else str(self.user_id)


async def add_members(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    fake: FakeBotApi | None,
    code: str,
    members: Sequence[Member],
) -> dict[int, Json]:
    """Write the members and open the Telegram members' chats at the fake Bot API, if any; its
    users by user id."""
    users: dict[int, Json] = {}
    async with sessions() as session:
        assembly = await assembly_by_code(session, code)
        assert assembly is not None
        for member in members:
            if fake is not None and member.channel == "telegram":
                users[member.user_id] = fake.user(member.user_id, "P", member.language)
            person = Participant(
                channel=member.channel,
                address_hash=cipher.lookup_hash(member.channel, member.address),
                address_enc=cipher.encrypt(member.address),
                language=member.language,
                consented_at=utcnow(),
                consent_version="test",
                stopped_at=utcnow() if member.stopped else None,
                last_inbound_at=member.last_inbound_at,
                created_at=utcnow(),
                step="idle",
                step_data={},
                step_nonce=1,
            )
            session.add(person)
            await session.flush()
            session.add(Membership(participant_id=person.id, assembly_id=assembly.id))
            session.add(  # agreed on the notice in force, the sensitive questions allowed
                Consent(
                    participant_id=person.id,
                    municipality_id=assembly.municipality_id,
                    notice_version=assembly.municipality.notice_version,
                    wording=WORDING,
                    given_at=utcnow(),
                    sensitive=True,
                    sensitive_at=utcnow(),
                )
            )
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
