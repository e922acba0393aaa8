"""Who a notice reaches: an assembly's members, or a segment of them by language, profile, or
whether they answered a poll."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Membership, Participant, ProfileAnswer, Response


@dataclass(frozen=True)
class Recipient:
    """One person a notice goes to, in their language."""

    participant_id: int
    channel: str
    language: str


def audience_query(
    assembly_id: int,
    languages: Sequence[str] = (),
    profile: Mapping[str, Sequence[str]] | None = None,
    answered_poll: int | None = None,
    not_answered_poll: int | None = None,
) -> Select[int, str, str | None]:
    """Members who accepted the notice and did not opt out, narrowed to a segment if given.

    ``languages`` keeps people with one of these languages; ``profile`` maps a profile question
    to the answers kept ("" is "prefer not to say"); ``answered_poll`` keeps people who
    answered that poll; ``not_answered_poll`` keeps people with no completed response to that
    poll (someone who stopped half-way is in it). Empty means no narrowing.
    """
    query = (
        select(Participant.id, Participant.channel, Participant.language)
        .join(Membership, Membership.participant_id == Participant.id)
        .where(
            Membership.assembly_id == assembly_id,
            Participant.consented_at.is_not(None),
            Participant.stopped_at.is_(None),
        )
    )
    if languages:
        query = query.where(Participant.language.in_(list(languages)))
    if answered_poll is not None:
        query = query.where(
            exists().where(
                and_(Response.participant_id == Participant.id, Response.poll_id == answered_poll)
            )
        )
    if not_answered_poll is not None:
        query = query.where(
            ~exists().where(
                and_(
                    Response.participant_id == Participant.id,
                    Response.poll_id == not_answered_poll,
                    Response.completed_at.is_not(None),
                )
            )
        )
    for key, answers in (profile or {}).items():
        query = query.where(
            exists().where(
                and_(
                    ProfileAnswer.participant_id == Participant.id,
                    ProfileAnswer.assembly_id == assembly_id,
                    ProfileAnswer.question_key == key,
                    ProfileAnswer.option_key.in_(list(answers)),
                )
            )
        )
    return query.order_by(Participant.id)


async def recipients(
    session: AsyncSession,
    assembly_id: int,
    languages: Sequence[str] = (),
    profile: Mapping[str, Sequence[str]] | None = None,
    answered_poll: int | None = None,
    not_answered_poll: int | None = None,
) -> list[Recipient]:
    """The people a notice to this audience goes to."""
    rows = await session.execute(
        audience_query(assembly_id, languages, profile, answered_poll, not_answered_poll)
    )
    return [
        Recipient(participant_id, channel, language or "tr")
        for participant_id, channel, language in rows
    ]
