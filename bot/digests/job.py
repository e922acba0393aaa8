"""One digest run: build the digest of a period once, send it to every recipient, record it all.

The run is claimed first (``storage.digest_runs``): a period already sent is never sent again,
whether the scheduler or ``reslog digest --send`` asks, before or after a restart. A run left
half-way by a stopped process is taken up where it stopped: recipients it reached are not sent
to again, the one it was sending to is marked unconfirmed, the rest get it. Each recipient is
claimed and committed before the digest goes to them, and settled after. One unreachable
recipient does not stop the others; it is tried again later, a few times, and once the run
closes those reached are told who was not, and why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.digests.delivery import DigestChannels, deliver, deliver_note, reason
from bot.outbox.send_errors import SendError
from handlers.digests.content import municipality_digest
from handlers.digests.failures import Undelivered, failure_report, failure_subject
from handlers.digests.period import Schedule
from handlers.digests.published import published_digest
from handlers.digests.report import Digest, Period
from handlers.digests.rollup.digest import union_digest
from handlers.digests.text_parts import period_text
from handlers.i18n.core import use_language
from handlers.privacy.scrub import scrub_personal_data
from storage.crypto import AddressCipher
from storage.digest_runs import (
    FAILED,
    RETRY,
    SENDING,
    SENT,
    UNCONFIRMED,
    claim_delivery,
    claim_retry,
    claim_run,
    deliveries,
    finish_run,
    mark_interrupted,
    settle_delivery,
)
from storage.digest_settings import list_recipients
from storage.errors import DomainError
from storage.models import DigestDelivery, DigestRun, DigestSetting, Municipality, MunicipalUnion

if TYPE_CHECKING:  # the formats load matplotlib and openpyxl: only once a digest is built
    from bot.digests.files import DigestFiles

log = logging.getLogger(__name__)

RETRY_DELAYS = (timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))


class DigestRunError(DomainError):
    """A digest cannot be run as asked; the message is one line."""


@dataclass(frozen=True)
class DigestAddress:
    """A recipient of this run: its id, kind, address and the keyed hash its delivery is kept by."""

    id: int
    kind: str
    address: str
    address_hash: str


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
    audience: str | None = None,
) -> Digest:
    """The digest of the setting's subject for the period, in its language (or ``language``).

    With an ``audience``, the period's figures are the published ones (fixed the first time,
    ``handlers.digests.published``) and this output is logged; without one (an unscheduled
    period, never sent) they are counted afresh and nothing is recorded."""
    subject = await _subject(session, setting)
    used = language or setting.language

    async def build(language: str, k: int | None) -> Digest:
        if isinstance(subject, Municipality):
            return await municipality_digest(
                session, subject, period, language=language, now=now, k=k
            )
        return await union_digest(session, subject, period, language=language, now=now)

    if audience is None:
        return await build(used, k)
    return await published_digest(
        session, setting, period, language=used, k=k, audience=audience, now=now, build=build
    )


async def run_digest(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    setting_id: int,
    period: Period,
    channels: DigestChannels,
    now: datetime,
    trigger: str,
) -> RunResult:
    """Send the period's digest to every recipient not yet sent it, once; what happened.

    Only a period the setting's schedule produces is ever sent: one overlapping another would
    give away, by difference, the counts under K that differ between them.

    A recipient whose server could not be reached is tried again by a later call (the
    scheduler's next rounds), ``RETRY_DELAYS`` apart; the run closes, and the recipients
    reached hear of the others, once none is left to retry.
    """
    from bot.digests.files import write_formats

    async with sessions() as session:
        setting = await session.get(DigestSetting, setting_id)
        if setting is None:
            raise DigestRunError(f"there is no digest setting {setting_id}")
        schedule = Schedule(
            setting.frequency, setting.weekday, await subject_timezone(session, setting)
        )
        if not schedule.produces(period):
            raise DigestRunError(
                f"{period.days} days from {period.start:%Y-%m-%d %H:%M} UTC is not a period of "
                f"this digest ({schedule.describe()}); only those are ever sent"
            )
        addresses = [
            DigestAddress(r.id, r.kind, r.address, cipher.lookup_hash(r.kind, r.address))
            for r in await list_recipients(session, cipher, setting)
        ]
        if not addresses:
            raise DigestRunError(
                "the digest has no recipients; add them with reslog digest-settings"
            )
        claim = await claim_run(session, setting_id, period, trigger, now)
        run_id = claim.run.id
        if claim.run.finished_at is not None:
            return RunResult(run_id, claim.run.status, already=claim.run)
        if not claim.new:
            await mark_interrupted(session, run_id)
        await session.commit()
        digest = await build_digest(session, setting, period, now, audience=f"digest run {run_id}")
        await session.commit()
    files = write_formats(digest)
    for address in addresses:
        await _send_one(sessions, files, run_id, address, channels, now)
    async with sessions() as session:
        status = await finish_run(session, run_id, now)
        rows = await deliveries(session, run_id)
        await session.commit()
    result = _result(run_id, status, addresses, rows)
    if status is not None:
        await _report_failures(files, result, channels)
    return result


async def _send_one(
    sessions: async_sessionmaker[AsyncSession],
    files: DigestFiles,
    run_id: int,
    address: DigestAddress,
    channels: DigestChannels,
    now: datetime,
) -> None:
    """Claim one recipient (a first attempt, or a retry whose time has come), send, settle."""
    async with sessions() as session:
        found = (await deliveries(session, run_id)).get((address.kind, address.address_hash))
        if found is None:
            claimed = await claim_delivery(
                session, run_id, address.id, address.kind, address.address_hash
            )
            delivery_id = claimed.id if claimed else None
            attempts = 1
        elif await claim_retry(session, found.id, now):
            delivery_id, attempts = found.id, found.attempts + 1
        else:
            return
        await session.commit()
    if delivery_id is None:
        return
    try:
        await deliver(files, address.kind, address.address, channels)
    except SendError as error:
        said = scrub_personal_data(str(error))  # an SMTP refusal may quote the address
        log.warning("digest run %s: a %s recipient was not reached: %s", run_id, address.kind, said)
        retry = error.retryable and attempts <= len(RETRY_DELAYS)
        async with sessions() as session:
            await settle_delivery(
                session,
                delivery_id,
                RETRY if retry else FAILED,
                now,
                error=f"{reason(error)}: {said}",
                not_before=now + RETRY_DELAYS[attempts - 1] if retry else None,
            )
            await session.commit()
        return
    async with sessions() as session:
        await settle_delivery(session, delivery_id, SENT, now)
        await session.commit()


def _result(
    run_id: int,
    status: str | None,
    addresses: list[DigestAddress],
    rows: dict[tuple[str, str], DigestDelivery],
) -> RunResult:
    """Who the run reached and who not, so far (``sending`` while retries are pending)."""
    result = RunResult(run_id, status or SENDING)
    for address in addresses:
        row = rows.get((address.kind, address.address_hash))
        if row is None:
            continue
        if row.status == SENT:
            result.reached.append(address)
        elif row.status in (FAILED, UNCONFIRMED, RETRY):
            why = UNCONFIRMED if row.status == UNCONFIRMED else (row.error or "").split(":")[0]
            result.undelivered.append(Undelivered(address.kind, address.address, why))
    return result


async def _report_failures(files: DigestFiles, result: RunResult, channels: DigestChannels) -> None:
    """Tell every recipient reached which recipients were not, and why; log any that fails."""
    if not result.undelivered or not result.reached:
        return
    digest = files.digest
    with use_language(digest.language):
        period = period_text(digest.period)
    note = failure_report(
        digest.language, digest.name, period, result.undelivered, len(result.reached)
    )
    subject = failure_subject(digest.language, digest.name)
    for address in result.reached:
        try:
            await deliver_note(subject, note, address.kind, address.address, channels)
        except SendError as error:
            log.warning(
                "digest run %s: the failure report did not go to a %s recipient: %s",
                result.run_id,
                address.kind,
                scrub_personal_data(str(error)),
            )
