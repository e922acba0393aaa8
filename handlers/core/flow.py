"""What comes next once a step is done: join, profile, open polls, or rest."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.consent.notice import WORDING
from handlers.consent.steps import ConsentStep
from handlers.core.events import Outgoing
from handlers.core.steps import CoreStep, Step
from handlers.core.turn import Turn
from handlers.i18n.core import _, isolate, localized
from handlers.participants.steps import ParticipantStep
from handlers.polls.answering import first_unanswered
from handlers.polls.steps import PollStep
from storage.ahead import Ahead, ahead
from storage.assemblies import member_assemblies
from storage.poll_cache import poll_at


async def choose_next_step(turn: Turn) -> None:
    """Point the conversation at the first thing still to do."""
    person = turn.person
    if person.language is None:
        turn.go(ParticipantStep.LANGUAGE)
        return
    if person.consented_at is None:
        join = (person.step_data or {}).get("join")
        if join:
            turn.go(ConsentStep.PARTICIPATION, join=join)
        else:
            turn.go(ConsentStep.JOIN)
        return
    step, data = await step_ahead(turn.session, await ahead(turn.session, person.id))
    turn.go(step, **data)


async def step_ahead(session: AsyncSession, waiting: Ahead) -> tuple[Step, dict[str, Any]]:
    """The first thing still to do for a member who has chosen a language and consented:
    joining an assembly; a municipality's consent asked again (a new notice version); the
    optional consent to an assembly's sensitive questions, then a profile question; the first
    unanswered question of an open poll not yet completed; else resting. Poll definitions come
    from the process's kept ones."""
    if not waiting.assemblies:
        return ConsentStep.JOIN, {}
    for assembly in waiting.assemblies:
        if (assembly.agreed_version, assembly.agreed_wording) != (assembly.notice_version, WORDING):
            return ConsentStep.PARTICIPATION, {"municipality": assembly.municipality_id}
    for assembly in waiting.assemblies:
        for key in assembly.profile_keys:
            if key in assembly.sensitive_keys:
                if assembly.sensitive is None:
                    return ConsentStep.SENSITIVE, {"assembly": assembly.id}
                if not assembly.sensitive:
                    continue
            if key not in assembly.answered_keys:
                return ParticipantStep.PROFILE, {"assembly": assembly.id, "key": key}
    for standing in waiting.polls:
        if standing.completed:
            continue
        poll = await poll_at(session, standing.id, standing.revision)
        start = first_unanswered(poll, standing.answered) if poll is not None else None
        if start is not None:
            return PollStep.POLL, {"poll": standing.id, "q": start, "review": False}
    return CoreStep.IDLE, {}


async def idle_prompt(turn: Turn) -> list[Outgoing]:
    """Nothing is waiting: say so, and what the person can do."""
    assemblies = await member_assemblies(turn.session, turn.person.id)
    return [idle_message([a.name for a in assemblies])]


def idle_message(names: list[dict[str, str]]) -> Outgoing:
    """That the person is up to date with these assemblies (their names in every language)."""
    listed = ", ".join(isolate(localized(name)) for name in names)
    return Outgoing(
        _(
            "You are up to date with {assemblies}. You will get a message when there is a "
            "new poll or notice. /feedback writes to the assembly, /help shows more."
        ).format(assemblies=listed)
    )
