"""The purge: warn, erase and delete what each municipality's periods say is due, and log it.

A run goes municipality by municipality and kind by kind, in batches of ``BATCH`` rows, each
batch one transaction with its destruction log row: no batch holds a lock for long, a run
killed half-way has left every batch it finished whole, and the next run's selection finds
what is still due. Every change is conditional on still being due (``storage.retention``), so
two runs at once, or a run repeated, change nothing twice.

A participant inactive for the municipality's period less ``WARNING_AHEAD`` is warned (an
outbox notice in their language, after the quiet hours); one still inactive ``WARNING_AHEAD``
after the warning is erased as ``/forget`` erases. Any message in between keeps them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.notices.quiet_hours import after_quiet_hours
from handlers.retention.periods import DESTRUCTION_LOG_YEARS, WARNING_AHEAD, before
from handlers.retention.warning import warning_texts
from storage.assemblies import municipalities as all_municipalities
from storage.audience import Recipient
from storage.destructions import finish_run, forget_old_destructions, record_destruction, start_run
from storage.erasures import forget_old_erasures
from storage.models import (
    DEFAULT_INACTIVE_MONTHS,
    DEFAULT_MESSAGE_KEY_DAYS,
    Assembly,
    Municipality,
    Notice,
)
from storage.outbox import queue_recipients
from storage.participants import erase_people, reapply_erasures
from storage.retention import (
    delete_old_feedback,
    delete_old_message_keys,
    erasure_due,
    unlink_old_outbox,
    warn_due,
)
from storage.vocabulary import DestructionCategory, DestructionReason, NoticeStatus

BATCH = 500
Sessions = Callable[[], AsyncSession]
Kind = tuple[DestructionCategory, DestructionReason]


@dataclass
class PurgeReport:
    """What one run did: people warned, and records destroyed by kind and reason."""

    run_id: int
    warned: int = 0
    destroyed: Counter[Kind] = field(default_factory=Counter)

    def __bool__(self) -> bool:
        """A run is worth a log line whether or not it found anything: it ran."""
        return True

    def summary(self) -> str:
        """One line for the log and the command line."""
        parts = [f"warned {self.warned}"] + [
            f"{category} ({reason}) {count}"
            for (category, reason), count in sorted(self.destroyed.items())
        ]
        return f"retention run {self.run_id}: " + ", ".join(parts)


async def run_purge(
    sessions: Sessions, now: datetime, trigger: str, backup_keep_days: int
) -> PurgeReport:
    """One whole run at ``now``; ``backup_keep_days`` is how long erasures are remembered."""
    async with sessions() as session:
        report = PurgeReport(await start_run(session, trigger, now))
        again = await reapply_erasures(session, now)
        report.destroyed[(DestructionCategory.PARTICIPANT, DestructionReason.RESTORE)] += again
        await session.commit()
        municipalities = await all_municipalities(session)
    for municipality in municipalities:
        await _purge_municipality(sessions, municipality, now, report)
    await _purge_unattached(sessions, now, report)
    await _purge_global(sessions, municipalities, now, backup_keep_days, report)
    async with sessions() as session:
        await finish_run(session, report.run_id, now)
        await session.commit()
    return report


async def _purge_municipality(
    sessions: Sessions, municipality: Municipality, now: datetime, report: PurgeReport
) -> None:
    """Warn, erase, and delete feedback and outbox links, for one municipality."""
    inactive_before = before(now, municipality, "inactive_months")
    while True:
        async with sessions() as session:
            warned = await warn_due(
                session, municipality.id, inactive_before + WARNING_AHEAD, now, BATCH
            )
            await _queue_warnings(session, municipality, warned, now)
            await session.commit()
        report.warned += len(warned)
        if len(warned) < BATCH:
            break

    await _erase_inactive(
        sessions, municipality.id, inactive_before, now - WARNING_AHEAD, now, report
    )
    feedback_before = before(now, municipality, "feedback_months")
    outbox_before = before(now, municipality, "outbox_days")
    await _in_batches(
        sessions,
        lambda s: delete_old_feedback(s, municipality.id, feedback_before, BATCH),
        municipality.id,
        report,
        (DestructionCategory.FEEDBACK, DestructionReason.RETENTION_PERIOD),
        now,
    )
    await _in_batches(
        sessions,
        lambda s: unlink_old_outbox(s, municipality.id, outbox_before, BATCH),
        municipality.id,
        report,
        (DestructionCategory.OUTBOX_RECIPIENT, DestructionReason.RETENTION_PERIOD),
        now,
    )


async def _purge_unattached(sessions: Sessions, now: datetime, report: PurgeReport) -> None:
    """Erase people who accepted the notice but belong to no assembly, after the default
    inactivity period (there is no assembly in whose name to warn them)."""
    inactive_before = now - relativedelta(months=DEFAULT_INACTIVE_MONTHS)
    await _erase_inactive(sessions, None, inactive_before, now, now, report)


async def _erase_inactive(
    sessions: Sessions,
    municipality_id: int | None,
    inactive_before: datetime,
    warned_before: datetime,
    now: datetime,
    report: PurgeReport,
) -> None:
    """Erase, batch by batch, everyone due for inactivity (``storage.retention.erasure_due``);
    ``erase_people`` logs its own rows, one per municipality a person belonged to."""

    async def erase(session: AsyncSession) -> int:
        due = await erasure_due(session, municipality_id, inactive_before, warned_before, BATCH)
        return await erase_people(session, due, DestructionReason.INACTIVITY, now, report.run_id)

    kind = (DestructionCategory.PARTICIPANT, DestructionReason.INACTIVITY)
    await _in_batches(sessions, erase, None, report, kind)


async def _purge_global(
    sessions: Sessions,
    municipalities: list[Municipality],
    now: datetime,
    backup_keep_days: int,
    report: PurgeReport,
) -> None:
    """Message keys (by the shortest period any municipality set), erasures no backup needs any
    more, and the destruction log's own rows after three years."""
    key_days = min((m.message_key_days for m in municipalities), default=DEFAULT_MESSAGE_KEY_DAYS)
    keys_before = now - timedelta(days=key_days)
    period = (DestructionCategory.MESSAGE_KEY, DestructionReason.RETENTION_PERIOD)
    await _in_batches(
        sessions,
        lambda s: delete_old_message_keys(s, keys_before, BATCH),
        None,
        report,
        period,
        now,
    )
    async with sessions() as session:
        erasures = await forget_old_erasures(session, now - timedelta(days=backup_keep_days))
        records = await forget_old_destructions(
            session, now - relativedelta(years=DESTRUCTION_LOG_YEARS)
        )
        for category, count in (
            (DestructionCategory.ERASED_ADDRESS, erasures),
            (DestructionCategory.DESTRUCTION_RECORD, records),
        ):
            await _log(
                session, (category, DestructionReason.RETENTION_PERIOD), count, None, report, now
            )
        await session.commit()
    report.destroyed[(DestructionCategory.ERASED_ADDRESS, DestructionReason.RETENTION_PERIOD)] += (
        erasures
    )
    report.destroyed[
        (DestructionCategory.DESTRUCTION_RECORD, DestructionReason.RETENTION_PERIOD)
    ] += records


async def _in_batches(
    sessions: Sessions,
    batch: Callable[[AsyncSession], Awaitable[int]],
    municipality_id: int | None,
    report: PurgeReport,
    kind: Kind,
    now: datetime | None = None,
) -> None:
    """Run ``batch`` (one transaction each) until it finds less than a batch; log each batch's
    count under ``kind`` unless ``now`` is None (the batch logs its own)."""
    while True:
        async with sessions() as session:
            count = await batch(session)
            if now is not None:
                await _log(session, kind, count, municipality_id, report, now)
            await session.commit()
        report.destroyed[kind] += count
        if count < BATCH:
            return


async def _log(
    session: AsyncSession,
    kind: Kind,
    count: int,
    municipality_id: int | None,
    report: PurgeReport,
    now: datetime,
) -> None:
    """Log a destruction of this run."""
    await record_destruction(
        session, kind[0], kind[1], count, now, municipality_id=municipality_id, run_id=report.run_id
    )


async def _queue_warnings(
    session: AsyncSession,
    municipality: Municipality,
    warned: list[tuple[Recipient, int]],
    now: datetime,
) -> None:
    """One notice per assembly for the people just warned, going after the quiet hours."""
    by_assembly: dict[int, list[Recipient]] = {}
    for recipient, assembly_id in warned:
        by_assembly.setdefault(assembly_id, []).append(recipient)
    not_before = after_quiet_hours(
        now, municipality.timezone, municipality.quiet_start, municipality.quiet_end
    )
    for assembly_id, people in by_assembly.items():
        assembly = await session.get(Assembly, assembly_id)
        assert assembly is not None
        notice = Notice(
            assembly_id=assembly_id,
            kind="retention",
            text=warning_texts(assembly, now + WARNING_AHEAD),
            audience={},
            status=NoticeStatus.QUEUED,
            created_at=now,
            queued_at=now,
        )
        session.add(notice)
        await session.flush()
        await queue_recipients(session, notice, people, not_before)
