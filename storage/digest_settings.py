"""A municipality's or a union's digest settings, and the recipients its digest goes to.

A recipient is a Telegram chat or group id (``telegram``) or an e-mail address (``email``),
given here already checked and normalised (``handlers.digests.staff.input``). Like a staff
address it is kept encrypted, beside a keyed hash of kind and address that makes it unique per
setting. Removing a recipient keeps the record of past deliveries to it (their link is set to
NULL by the database).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import AddressCipher
from storage.models import DigestRecipient, DigestSetting

TELEGRAM, EMAIL = "telegram", "email"
RECIPIENT_KINDS = (TELEGRAM, EMAIL)


@dataclass(frozen=True)
class Recipient:
    """One recipient of a digest, decrypted."""

    id: int
    kind: str
    address: str


async def setting_for(
    session: AsyncSession, *, municipality_id: int | None = None, union_id: int | None = None
) -> DigestSetting:
    """The digest setting of a municipality or a union (exactly one), created on first use."""
    if (municipality_id is None) == (union_id is None):
        raise ValueError("name either a municipality or a union")
    query = select(DigestSetting).where(
        DigestSetting.municipality_id == municipality_id
        if municipality_id is not None
        else DigestSetting.union_id == union_id
    )
    found = (await session.execute(query)).scalar_one_or_none()
    if found is not None:
        return found
    setting = DigestSetting(
        municipality_id=municipality_id,
        union_id=union_id,
        frequency="off",
        weekday=0,
        send_time="08:00",
        language="tr",
        recipients=[],
    )
    try:
        async with session.begin_nested():  # another process may create it at the same moment
            session.add(setting)
    except IntegrityError:
        return (await session.execute(query)).scalar_one()
    return setting


def _check_kind(kind: str) -> None:
    """Refuse a recipient kind other than telegram and email."""
    if kind not in RECIPIENT_KINDS:
        raise ValueError(f"a digest recipient is {' or '.join(RECIPIENT_KINDS)}, not {kind!r}")


async def _find(
    session: AsyncSession, cipher: AddressCipher, setting: DigestSetting, kind: str, address: str
) -> DigestRecipient | None:
    """The recipient of this kind and (normalised) address, if the setting has it."""
    _check_kind(kind)
    query = select(DigestRecipient).where(
        DigestRecipient.setting_id == setting.id,
        DigestRecipient.kind == kind,
        DigestRecipient.address_hash == cipher.lookup_hash(kind, address),
    )
    return (await session.execute(query)).scalar_one_or_none()


async def add_recipient(
    session: AsyncSession, cipher: AddressCipher, setting: DigestSetting, kind: str, address: str
) -> bool:
    """Add a recipient (``address`` normalised already); False if the setting had it already."""
    if await _find(session, cipher, setting, kind, address) is not None:
        return False
    session.add(
        DigestRecipient(
            setting_id=setting.id,
            kind=kind,
            address_hash=cipher.lookup_hash(kind, address),
            address_enc=cipher.encrypt(address),
        )
    )
    await session.flush()
    await session.refresh(setting, ["recipients"])
    return True


async def remove_recipient(
    session: AsyncSession, cipher: AddressCipher, setting: DigestSetting, kind: str, address: str
) -> bool:
    """Remove a recipient by kind and address; False if the setting did not have it."""
    found = await _find(session, cipher, setting, kind, address)
    if found is None:
        return False
    return await _remove(session, setting, found)


async def remove_recipient_by_id(
    session: AsyncSession, cipher: AddressCipher, setting: DigestSetting, recipient_id: int
) -> Recipient | None:
    """Remove one of the setting's recipients by id; what it was, or None if it is not there."""
    found = await session.get(DigestRecipient, recipient_id)
    if found is None or found.setting_id != setting.id:
        return None
    removed = _decrypted(cipher, found)
    await _remove(session, setting, found)
    return removed


async def _remove(session: AsyncSession, setting: DigestSetting, found: DigestRecipient) -> bool:
    """Delete the row; its past deliveries stay, unlinked."""
    await session.delete(found)
    await session.flush()
    await session.refresh(setting, ["recipients"])
    return True


async def list_recipients(
    session: AsyncSession, cipher: AddressCipher, setting: DigestSetting
) -> list[Recipient]:
    """The setting's recipients, decrypted, in the order they were added."""
    query = (
        select(DigestRecipient)
        .where(DigestRecipient.setting_id == setting.id)
        .order_by(DigestRecipient.id)
    )
    return [_decrypted(cipher, row) for row in (await session.execute(query)).scalars()]


def _decrypted(cipher: AddressCipher, row: DigestRecipient) -> Recipient:
    """A stored recipient with its address readable."""
    return Recipient(row.id, row.kind, cipher.decrypt(row.address_enc))
