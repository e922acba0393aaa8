"""Staff written straight into storage, as `reslog staff add` would write them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.assemblies import assembly_by_code
from storage.crypto import AddressCipher
from storage.models import Staff
from storage.staff import FACILITATOR


async def add_staff(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    telegram_id: int | str,
    role: str = FACILITATOR,
    *,
    code: str | None = None,
    assembly_id: int | None = None,
    municipality_id: int | None = None,
) -> None:
    """Give a Telegram user a staff role: of the assembly with this join code or id, of a
    municipality, or (an administrator) of everything."""
    async with sessions() as session:
        if code is not None:
            assembly = await assembly_by_code(session, code)
            assert assembly is not None, code
            assembly_id = assembly.id
        address = str(telegram_id)
        session.add(
            Staff(
                assembly_id=assembly_id,
                municipality_id=municipality_id,
                role=role,
                channel="telegram",
                address_hash=cipher.lookup_hash("telegram", address),
                address_enc=cipher.encrypt(address),
            )
        )
        await session.commit()
