"""One turn of conversation: the incoming event, the person, and the storage session."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.events import Choice, Incoming
from handlers.core.steps import CoreStep, Step
from storage.crypto import AddressCipher
from storage.models import Assembly, Participant, StaffConversation


class NoParticipantError(RuntimeError):
    """A step that needs a participant ran before one existed."""


def step_choice(nonce: int, label: str, value: str) -> Choice:
    """A button of the step with this nonce: its data carries the nonce, so that pressing it
    after the step moved on is recognised as stale."""
    return Choice(label=label, data=f"{nonce}:{value}")


@dataclass
class Turn:
    """What a handler works with while answering one incoming event.

    ``address_hash`` is the keyed hash of the sender's channel and address, worked out once per
    turn (it finds their participant, staff and staff-conversation rows); ``desk`` is where the
    sender's own staff conversation stands (None if they have none); ``managed`` caches the
    assemblies they run once ``managed_read``; ``broadcasts_per_hour`` is how many notices and
    poll openings one staff member may send in an hour (``handlers.staff.broadcasts``).
    """

    session: AsyncSession
    cipher: AddressCipher
    incoming: Incoming
    address_hash: str
    participant: Participant | None
    desk: StaffConversation | None = field(default=None)
    needs_advance: bool = field(default=False)
    needs_prompt: bool = field(default=False)
    loaded: dict[tuple[type, int], object] = field(default_factory=dict)
    broadcasts_per_hour: int | None = field(default=None)  # per staff member; None: no limit
    answers: int = field(default=0, init=False)  # poll answers stored in this turn
    first_nonce: int | None = field(default=None, init=False)
    managed: list[Assembly] | None = field(default=None, init=False)
    managed_read: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.first_nonce = self.participant.step_nonce if self.participant else None

    @property
    def person(self) -> Participant:
        """The participant, who must exist at this point of the conversation."""
        if self.participant is None:
            raise NoParticipantError("this step needs a participant")
        return self.participant

    def button(self, label: str, value: str) -> Choice:
        """A button for the current step; pressing it after the step moved on is recognised as stale."""
        return step_choice(self.person.step_nonce, label, value)

    def go(self, step: Step, **data: Any) -> None:
        """Move the conversation to a step; buttons of earlier steps stop working."""
        person = self.person
        person.step = step
        person.step_data = data
        person.step_nonce = (person.step_nonce or 0) + 1

    def show(self, step: Step, **data: Any) -> None:
        """Move to a step and have the router ask its question."""
        self.go(step, **data)
        self.needs_prompt = True

    def ask_again(self) -> None:
        """The current question is about to be sent anew: the copies shown before stop working.

        Only the newest copy of a question can then be pressed, so an older one can neither
        record an answer nor keep ticks that are out of date. Once per turn, and not at all if
        the turn has moved the conversation already (that made the old buttons stale).
        """
        person = self.participant
        if person is not None and person.step_nonce == self.first_nonce:
            person.step_nonce = (person.step_nonce or 0) + 1

    def update(self, **data: Any) -> None:
        """Change what the current step remembers, keeping its buttons valid."""
        person = self.person
        person.step_data = {**(person.step_data or {}), **data}

    def finish(self) -> None:
        """The current step is done: the router asks what comes next."""
        self.go(CoreStep.NONE)
        self.needs_advance = True
