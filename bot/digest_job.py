"""One digest run: build the digest of a period once, send it to every recipient, record it all.

The run is claimed first (``storage.digest_runs``): a period already sent is never sent again,
whether the scheduler or ``reslog digest --send`` asks, before or after a restart. A run left
half-way by a stopped process is taken up where it stopped: recipients it reached are not sent
to again, the one it was sending to is marked unconfirmed, the rest get it. Each recipient is
claimed and committed before the digest goes to them, and settled after. One unreachable
recipient does not stop the others; those reached are then told who was not, and why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.digest_delivery import DigestChannels, deliver, deliver_note, reason
from bot.digest_files import DigestFiles, write_formats
from bot.send_errors import SendError
from handlers.digest_content import municipality_digest
from handlers.digest_failures import UNCONFIRMED, Undelivered, failure_report, failure_subject
from handlers.digest_report import Digest, Period
from handlers.digest_rollup import union_digest
from handlers.digest_text import period_text
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.digest_runs import (
    SENT,
    claim_delivery,
    claim_run,
    mark_interrupted,
    run_outcome,
    settled_addresses,
)
from storage.digest_settings import DigestAddress, recipients_of
from storage.models import DigestDelivery, DigestRun, DigestSetting, Municipality, MunicipalUnion

log = logging.getLogger(__name__)


class DigestRunError(ValueError):
    """A digest cannot be run as asked; the message is one line."""


@dataclass
class RunResult:
    """What a run did: its status, who it reached and who not; ``already`` if it ran before."""

    run_id: int
    status: str
    reached: list[DigestAddress] = field(default_factory=list)
    undelivered: list[Undelivered] = field(default_factory=list)
    already: DigestRun | None = None


async def subject_timezone(session: AsyncSession, setting: DigestSetting) -> str:
    """The time zone of the municipality or union the setting belongs to."""
    subject = await _subject(session, setting)
    return subject.timezone


async def _subject(session: AsyncSession, setting: DigestSetting) -> Municipality | MunicipalUnion:
    """The municipality or union a setting belongs to."""
    if setting.municipality_id is not None:
        municipality = await session.get(Municipality, setting.municipality_id)
        assert municipality is not None
        return municipality
    assert setting.union_id is not None
    union = await session.get(MunicipalUnion, setting.union_id)
    assert union is not None
    return union


async def build_digest(
    session: AsyncSession,
    setting: DigestSetting,
    period: Period,
    now: datetime,
    *,
    language: str | None = None,
    k: int | None = None,
) -> Digest:
    """The digest of the setting's subject for the period, in its language (or ``language``)."""
    subject = await _subject(session, setting)
    used = language or setting.language
    if isinstance(subject, Municipality):
        return await municipality_digest(session, subject, period, language=used, now=now, k=k)
    return await union_digest(session, subject, period, language=used, now=now)


async def run_digest(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    setting_id: int,
    period: Period,
    channels: DigestChannels,
    now: datetime,
    trigger: str,
) -> RunResult:
    """Send the period's digest to every recipient not yet sent it, once; what happened."""
    async with sessions() as session:
        setting = await session.get(DigestSetting, setting_id)
        if setting is None:
            raise DigestRunError(f"there is no digest setting {setting_id}")
        addresses = recipients_of(setting, cipher)
        if not addresses:
            raise DigestRunError("the digest has no recipients; add them with reslog digest-settings")
        claim = await claim_run(session, setting_id, period, trigger, now)
        run_id = claim.run.id
        if claim.run.finished_at is not None:
            return RunResult(run_id, claim.run.status, already=claim.run)
        if not claim.new:
            await mark_interrupted(session, run_id)
        await session.commit()
        digest = await build_digest(session, setting, period, now)
    files = write_formats(digest)
    result = RunResult(run_id, "")
    await _send_all(sessions, files, run_id, addresses, channels, result)
    await _report_failures(files, result, channels)
    async with sessions() as session:
        run = await session.get(DigestRun, run_id)
        assert run is not None
        run.status = result.status = await run_outcome(session, run_id)
        run.finished_at = now
        await session.commit()
    return result


async def _send_all(
    sessions: async_sessionmaker[AsyncSession],
    files: DigestFiles,
    run_id: int,
    addresses: list[DigestAddress],
    channels: DigestChannels,
    result: RunResult,
) -> None:
    """Claim, send and settle each recipient in turn; earlier attempts are not repeated."""
    async with sessions() as session:
        done = await settled_addresses(session, run_id)
        interrupted = await _interrupted(session, run_id)
    for address in addresses:
        key = (address.kind, address.address_hash)
        if key in interrupted:
            result.undelivered.append(Undelivered(address.kind, address.address, UNCONFIRMED))
        if key in done:
            continue
        async with sessions() as session:
            delivery = await claim_delivery(
                session, run_id, address.id, address.kind, address.address_hash
            )
            await session.commit()
        if delivery is None:
            continue
        try:
            await deliver(files, address.kind, address.address, channels)
        except SendError as error:
            log.warning("digest run %s: a %s recipient was not reached: %s", run_id, address.kind, error)
            result.undelivered.append(Undelivered(address.kind, address.address, reason(error)))
            await _settle(sessions, delivery.id, "failed", str(error)[:300])
        else:
            result.reached.append(address)
            await _settle(sessions, delivery.id, SENT, None)


async def _interrupted(session: AsyncSession, run_id: int) -> set[tuple[str, str]]:
    """The recipients a stopped process may or may not have reached in this run."""
    query = select(DigestDelivery.kind, DigestDelivery.address_hash).where(
        DigestDelivery.run_id == run_id, DigestDelivery.status == UNCONFIRMED
    )
    return {(kind, address_hash) for kind, address_hash in (await session.execute(query)).all()}


async def _settle(
    sessions: async_sessionmaker[AsyncSession], delivery_id: int, status: str, error: str | None
) -> None:
    """Record what became of one delivery."""
    async with sessions() as session:
        delivery = await session.get(DigestDelivery, delivery_id)
        assert delivery is not None
        delivery.status = status
        delivery.error = error
        delivery.sent_at = utcnow() if status == SENT else None
        await session.commit()


async def _report_failures(files: DigestFiles, result: RunResult, channels: DigestChannels) -> None:
    """Tell every recipient reached which recipients were not, and why; log any that fails."""
    if not result.undelivered or not result.reached:
        return
    digest = files.digest
    note = failure_report(
        digest.language, digest.name, period_text(digest), result.undelivered, len(result.reached)
    )
    subject = failure_subject(digest.language, digest.name)
    for address in result.reached:
        try:
            await deliver_note(subject, note, address.kind, address.address, channels)
        except SendError as error:
            log.warning("digest run %s: the failure report did not go to a %s recipient: %s",
                        result.run_id, address.kind, error)
