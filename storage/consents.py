"""Consents and the data-protection notice's versions: reading where a person's consents to a
municipality stand, recording each declaration, activating a notice version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Assembly,
    Consent,
    ConsentRecord,
    Feedback,
    Membership,
    Municipality,
    Participant,
    Poll,
    PrivacyNotice,
    ProfileAnswer,
    Response,
)

PARTICIPATION = "participation"
SENSITIVE = "sensitive"


async def consent_of(
    session: AsyncSession, participant_id: int, municipality_id: int
) -> Consent | None:
    """Where the person's consents to the municipality stand (None: never given)."""
    return await session.get(Consent, (participant_id, municipality_id))


async def consents_of(session: AsyncSession, participant_id: int) -> list[Consent]:
    """Every municipality the person gave consent to, the first given first."""
    query = select(Consent).where(Consent.participant_id == participant_id)
    return list((await session.scalars(query.order_by(Consent.given_at))).all())


async def consent_records(session: AsyncSession, participant_id: int) -> list[ConsentRecord]:
    """Every declaration the person made, in order."""
    query = select(ConsentRecord).where(ConsentRecord.participant_id == participant_id)
    return list((await session.scalars(query.order_by(ConsentRecord.id))).all())


async def record_participation(
    session: AsyncSession,
    participant_id: int,
    municipality: Municipality,
    wording: str,
    now: datetime,
) -> None:
    """The person agreed to take part, on the municipality's notice in force."""
    consent = await consent_of(session, participant_id, municipality.id)
    if consent is None:
        session.add(
            Consent(
                participant_id=participant_id,
                municipality_id=municipality.id,
                notice_version=municipality.notice_version,
                wording=wording,
                given_at=now,
                sensitive=None,
                sensitive_at=None,
            )
        )
    else:
        consent.notice_version = municipality.notice_version
        consent.wording = wording
        consent.given_at = now
    await _record(session, participant_id, municipality, PARTICIPATION, True, wording, now)


async def record_declined(
    session: AsyncSession,
    participant_id: int,
    municipality: Municipality,
    wording: str,
    now: datetime,
) -> None:
    """The person did not agree to take part on the municipality's notice in force."""
    await _record(session, participant_id, municipality, PARTICIPATION, False, wording, now)


async def record_sensitive(
    session: AsyncSession,
    participant_id: int,
    municipality: Municipality,
    given: bool,
    wording: str,
    now: datetime,
) -> int:
    """The person gave, declined or withdrew the optional consent to the municipality's
    sensitive questions; with anything but a yes, their answers to those go at once. How many
    answers went."""
    consent = await consent_of(session, participant_id, municipality.id)
    if consent is None:
        return 0
    consent.sensitive = given
    consent.sensitive_at = now
    await _record(session, participant_id, municipality, SENSITIVE, given, wording, now)
    return 0 if given else await _erase_sensitive_answers(session, participant_id, municipality.id)


async def _record(
    session: AsyncSession,
    participant_id: int,
    municipality: Municipality,
    kind: str,
    given: bool,
    wording: str,
    now: datetime,
) -> None:
    """Append one declaration to the person's record."""
    await session.execute(
        insert(ConsentRecord).values(
            participant_id=participant_id,
            municipality_id=municipality.id,
            kind=kind,
            given=given,
            notice_version=municipality.notice_version,
            wording=wording,
            recorded_at=now,
        )
    )


async def _erase_sensitive_answers(
    session: AsyncSession, participant_id: int, municipality_id: int
) -> int:
    """Delete the person's answers to the sensitive profile questions of the municipality's
    assemblies; how many."""
    assemblies = (
        await session.scalars(select(Assembly).where(Assembly.municipality_id == municipality_id))
    ).all()
    erased = 0
    for assembly in assemblies:
        keys = sensitive_keys(assembly.profile)
        if not keys:
            continue
        result = await session.execute(
            delete(ProfileAnswer).where(
                ProfileAnswer.participant_id == participant_id,
                ProfileAnswer.assembly_id == assembly.id,
                ProfileAnswer.question_key.in_(keys),
            )
        )
        erased += int(getattr(result, "rowcount", 0) or 0)
    return erased


def sensitive_keys(profile: list[dict[str, Any]] | None) -> list[str]:
    """The keys of a profile's questions marked sensitive."""
    return [str(q["key"]) for q in profile or [] if q.get("sensitive")]


async def leave_municipality(
    session: AsyncSession, participant_id: int, municipality_id: int
) -> None:
    """The person takes back their consent to one municipality: they leave its assemblies,
    their profile answers and feedback there go, their answers to its polls become unlinkable,
    and the consent goes (the record of declarations stays while they do)."""
    assembly_ids = select(Assembly.id).where(Assembly.municipality_id == municipality_id)
    await session.execute(
        update(Response)
        .where(
            Response.participant_id == participant_id,
            Response.poll_id.in_(select(Poll.id).where(Poll.assembly_id.in_(assembly_ids))),
        )
        .values(participant_id=None)
        .execution_options(synchronize_session=False)
    )
    for model in (ProfileAnswer, Feedback, Membership):
        await session.execute(
            delete(model).where(
                model.participant_id == participant_id, model.assembly_id.in_(assembly_ids)
            )
        )
    await session.execute(
        delete(Consent).where(
            Consent.participant_id == participant_id, Consent.municipality_id == municipality_id
        )
    )


async def active_notice(session: AsyncSession, municipality: Municipality) -> PrivacyNotice | None:
    """The notice version in force (None: none activated yet)."""
    if municipality.notice_version == 0:
        return None
    return await session.get(PrivacyNotice, (municipality.id, municipality.notice_version))


async def activate_notice(
    session: AsyncSession,
    municipality: Municipality,
    wording: str,
    stated: dict[str, Any],
    now: datetime,
) -> tuple[int, int]:
    """Put a new notice version in force; it and how many members are to be asked again
    (their conversation moves to ``step`` at their next message, their answers kept)."""
    version = municipality.notice_version + 1
    session.add(
        PrivacyNotice(
            municipality_id=municipality.id,
            version=version,
            wording=wording,
            stated=stated,
            activated_at=now,
        )
    )
    municipality.notice_version = version
    await session.flush()
    return version, await _members_to_ask(session, municipality.id)


async def _members_to_ask(session: AsyncSession, municipality_id: int) -> int:
    """How many people hold a consent to the municipality (all on an older version now)."""
    query = select(Consent.participant_id).where(Consent.municipality_id == municipality_id)
    return len((await session.scalars(query)).all())


async def ask_again(
    session: AsyncSession, municipality_id: int, step: str, data: dict[str, Any]
) -> None:
    """Move everyone holding a consent to the municipality to ``step`` with ``data`` as step
    data, so that their next message asks them again."""
    people = select(Consent.participant_id).where(Consent.municipality_id == municipality_id)
    await session.execute(
        update(Participant)
        .where(Participant.id.in_(people))
        .values(step=step, step_data=data, step_nonce=Participant.step_nonce + 1)
        .execution_options(synchronize_session=False)
    )
