"""What comes next once a step is done: join, profile, open polls, or rest."""

from __future__ import annotations

from handlers.core.events import Outgoing
from handlers.core.steps import CoreStep
from handlers.core.turn import Turn
from handlers.i18n.core import _, isolate, localized
from handlers.participants.steps import ParticipantStep
from handlers.polls.answering import first_unanswered
from handlers.polls.steps import PollStep
from storage.assemblies import member_assemblies, profile_answers
from storage.polls import answers_by_question, find_response, open_polls


async def choose_next_step(turn: Turn) -> None:
    """Point the conversation at the first thing still to do."""
    person = turn.person
    if person.language is None:
        turn.go(ParticipantStep.LANGUAGE)
        return
    if person.consented_at is None:
        turn.go(ParticipantStep.CONSENT)
        return
    assemblies = await member_assemblies(turn.session, person.id)
    if not assemblies:
        turn.go(ParticipantStep.JOIN)
        return
    for assembly in assemblies:
        answered = await profile_answers(turn.session, person.id, assembly.id)
        for question in assembly.profile or []:
            if question["key"] not in answered:
                turn.go(ParticipantStep.PROFILE, assembly=assembly.id, key=question["key"])
                return
    for poll in await open_polls(turn.session, [a.id for a in assemblies]):
        response = await find_response(turn.session, poll.id, person.id)
        if response is not None and response.completed_at is not None:
            continue
        answers = await answers_by_question(turn.session, response.id) if response else {}
        start = first_unanswered(poll, answers)
        if start is not None:
            turn.go(PollStep.POLL, poll=poll.id, q=start, review=False)
            return
    turn.go(CoreStep.IDLE)


async def idle_prompt(turn: Turn) -> list[Outgoing]:
    """Nothing is waiting: say so, and what the person can do."""
    assemblies = await member_assemblies(turn.session, turn.person.id)
    names = ", ".join(isolate(localized(a.name)) for a in assemblies)
    return [
        Outgoing(
            _(
                "You are up to date with {assemblies}. You will get a message when there is a "
                "new poll or notice. /feedback writes to the assembly, /help shows more."
            ).format(assemblies=names)
        )
    ]
