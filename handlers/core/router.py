"""Picks what answers an incoming event, from the stored state of the conversation.

``handle`` is the core's single entry point: it takes one ``Incoming`` and returns an
``Answer``: the ``Outgoing`` messages to send and the reader's language. It commits what the person did in one transaction, handles a
redelivered message once, and never lets an exception escape: the person is told, in their
language, that nothing they sent before was lost.

A redelivered message is recognised by its key in ``inbound_messages``, written in the turn's
own transaction: the copy's turn fails on that key at commit, is rolled back whole and answers
nothing. (Looking the key up first would cost every message a statement to spare the rare copy
some work.)
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.commands import help_text
from handlers.core.events import TOO_BIG_FILE, UNREADABLE_FILE, Answer, Incoming, Outgoing
from handlers.core.flow import choose_next_step
from handlers.core.keywords import keyword_command
from handlers.core.steps import step_for
from handlers.core.text_input import MAX_TEXT_LENGTH, clean_text, match_choice
from handlers.core.turn import Turn
from handlers.digests.staff import settings as staff_digest
from handlers.i18n.core import DEFAULT_LANGUAGE, _, format_number, supported_language, use_language
from handlers.notices import delivery
from handlers.notices.staff import compose as staff_notice
from handlers.participants import feedback, forget, mydata, onboarding, optout
from handlers.polls import answering as polls
from handlers.polls import preview as poll_preview
from handlers.polls.staff import actions as staff_poll_actions
from handlers.polls.staff import builder as staff_poll_builder
from handlers.polls.staff import schedule as staff_poll_schedule
from handlers.polls.staff.upload import receive_poll_file
from handlers.results import staff as staff_results
from handlers.staff.invite import STAFF_START, accept_staff_invite
from handlers.staff.roles import is_staff
from handlers.staff.steps import (
    cancel_staff,
    is_staff_button,
    on_staff_button,
    on_staff_text,
    waiting_for_staff,
)
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.models import InboundMessage, Participant
from storage.staff_conversations import find_person

log = logging.getLogger(__name__)

MAX_FOLLOW_UPS = 6
PRE_CONSENT_COMMANDS = frozenset({"start", "help", "language", "forget", "mydata"})
StaffCommand = Callable[[Turn, str], Awaitable[list[Outgoing]]]
STAFF_COMMANDS: dict[str, StaffCommand] = {
    "delivery": delivery.show_delivery,
    "results": staff_results.show_results,
    "notice": staff_notice.start_notice,
    "open": staff_poll_actions.ask_open,
    "close": staff_poll_actions.ask_close,
    "preview": poll_preview.preview_command,
    "newpoll": staff_poll_builder.start_builder,
    "schedule": staff_poll_schedule.start_schedule,
    "digest": staff_digest.start_digest,
}


async def handle(session: AsyncSession, cipher: AddressCipher, incoming: Incoming) -> Answer:
    """Answer one incoming event; commit its effects; never raise."""
    client = supported_language(incoming.client_language) or DEFAULT_LANGUAGE
    language = client
    reader: str | None = client  # as stored: None for a participant who has not chosen
    participant_id: int | None = None
    try:
        address_hash = cipher.lookup_hash(incoming.channel, incoming.address)
        participant, desk = await find_person(session, incoming.channel, address_hash)
        if participant is not None:
            participant_id = participant.id
            reader = participant.language
            language = participant.language or language
        turn = Turn(
            session=session,
            cipher=cipher,
            incoming=incoming,
            address_hash=address_hash,
            participant=participant,
            desk=desk,
        )
        with use_language(language):
            replies = await _dispatch(turn)
        with use_language(_language_of(turn, language)):
            replies += await _follow_up(turn)
        _record_receipt(session, turn)
        await session.commit()
        return Answer(replies, _reader_of(turn, client))
    except IntegrityError:
        await session.rollback()
        if incoming.message_id and await _seen_before(session, incoming):
            return Answer([], reader)
        log.exception("conflict while handling a message (participant %s)", participant_id)
    except Exception:
        await session.rollback()
        log.exception("failed to handle a message (participant %s)", participant_id)
        await _reset_step(session, participant_id)
    with use_language(language):
        sorry = _(
            "Sorry, something went wrong on our side. Everything you sent before is safe. "
            "Please try again in a moment."
        )
    return Answer([Outgoing(sorry)], reader)


async def _reset_step(session: AsyncSession, participant_id: int | None) -> None:
    """After a failure, let the next message work out the step afresh instead of failing again."""
    if participant_id is None:
        return
    try:
        await session.execute(
            update(Participant)
            .where(Participant.id == participant_id)
            .values(step="", step_data={}, step_nonce=Participant.step_nonce + 1)
        )
        await session.commit()
    except Exception:
        await session.rollback()
        log.exception("could not reset the step of participant %s", participant_id)


def _language_of(turn: Turn, fallback: str) -> str:
    """The person's language after the turn (it may just have been chosen)."""
    return (turn.participant.language if turn.participant else None) or fallback


def _reader_of(turn: Turn, client: str) -> str | None:
    """The reader's language after the turn: a participant's choice (None while they have not
    made one), else the language their client suggested."""
    return turn.participant.language if turn.participant else client


async def _seen_before(session: AsyncSession, incoming: Incoming) -> bool:
    """Whether this channel message was handled already."""
    key = (incoming.channel, str(incoming.message_id))
    return await session.get(InboundMessage, key) is not None


def _record_receipt(session: AsyncSession, turn: Turn) -> None:
    """Note the message as handled and when the person last wrote, in the turn's transaction.

    Written last, so that these rows join the turn's final flush: on SQLite the write lock is
    then held only for the turn's own writes. A copy of the message handled at the same time
    fails on the message's key at commit and is rolled back whole.
    """
    incoming = turn.incoming
    if incoming.message_id:
        session.add(
            InboundMessage(
                channel=incoming.channel, external_id=str(incoming.message_id), received_at=utcnow()
            )
        )
    person = turn.participant
    if person is not None and person.consented_at is not None and person in session:
        person.last_inbound_at = utcnow()


async def _dispatch(turn: Turn) -> list[Outgoing]:
    """Route the event to a command, a button handler or a text handler."""
    incoming = turn.incoming
    if incoming.unsupported == "edited":
        return [
            Outgoing(_("Edited messages are not read. Please send your answer as a new message."))
        ]
    if incoming.document is not None or incoming.unsupported in (UNREADABLE_FILE, TOO_BIG_FILE):
        uploaded = await receive_poll_file(turn)  # None: not staff
        if uploaded is not None:
            return uploaded
    if incoming.unsupported:
        turn.needs_prompt = turn.participant is not None
        return [
            Outgoing(_("I can only read text for now. Please type your answer or use the buttons."))
        ]
    if incoming.choice is not None and is_staff_button(incoming.choice):
        return await on_staff_button(turn, incoming.choice)
    if incoming.choice is not None:
        return await _on_button(turn, incoming.choice)
    text = clean_text(incoming.text or "")
    if len(text) > MAX_TEXT_LENGTH:
        turn.needs_prompt = turn.participant is not None
        return [
            Outgoing(
                _("Your message is too long. Please keep it under {limit} characters.").format(
                    limit=format_number(MAX_TEXT_LENGTH)
                )
            )
        ]
    if text.startswith("/"):
        name, _sep, args = text[1:].partition(" ")
        return await _on_command(turn, name.split("@")[0].lower(), args.strip())
    if waiting_for_staff(turn):
        return await on_staff_text(turn, text)
    keyword = keyword_command(text)
    if keyword is not None:
        return await _on_command(turn, *keyword)
    if turn.participant is None:
        return await onboarding.start(turn, None)
    if not text:
        turn.needs_prompt = True
        return []
    return await _on_text(turn, text)


async def _on_button(turn: Turn, data: str) -> list[Outgoing]:
    """A pressed button: accepted only if it belongs to the step the conversation is at."""
    nonce, _sep, value = data.partition(":")
    person = turn.participant
    if person is None:
        return [Outgoing(_("That button is no longer active. Send /start to begin."))]
    step = step_for(person.step)
    if nonce != str(person.step_nonce) or step.on_choice is None:
        turn.needs_prompt = True
        return [Outgoing(_("That button is no longer active. Here is where we are:"))]
    return await step.on_choice(turn, value)


async def _on_text(turn: Turn, text: str) -> list[Outgoing]:
    """Typed text: the step's own reading, or one of its buttons by number or label."""
    step = step_for(turn.person.step)
    if step.on_text is not None:
        return await step.on_text(turn, text)
    if step.on_choice is None:
        turn.ask_again()
        return [
            Outgoing(_("To write to the assembly, send /feedback and then your message.")),
            *await step.prompt(turn),
        ]
    prompt = await step.prompt(turn)
    choices = tuple(choice for message in prompt for choice in message.choices)
    matched = match_choice(text, choices)
    if matched is None:
        turn.ask_again()
        return [Outgoing(_("Please choose one of the options below.")), *await step.prompt(turn)]
    return await step.on_choice(turn, matched.data.partition(":")[2])


async def _on_command(turn: Turn, name: str, args: str) -> list[Outgoing]:
    """A /command."""
    if name == "help":
        return [Outgoing(help_text(staff=await is_staff(turn)))]
    if name == "start" and args.startswith(STAFF_START):
        return await accept_staff_invite(turn, args.split()[0].removeprefix(STAFF_START))
    if name == "start":
        return await onboarding.start(turn, args.split()[0] if args else None)
    if name == "cancel" and waiting_for_staff(turn):
        return await cancel_staff(turn)
    if name in STAFF_COMMANDS:  # staff need not be participants of their own assembly
        return await STAFF_COMMANDS[name](turn, args)
    person = turn.participant
    if person is None:
        if name in ("forget", "mydata", "stop"):
            return [Outgoing(_("We keep nothing about you. Send /start to join an assembly."))]
        return await onboarding.start(turn, None)
    if person.consented_at is None and name not in PRE_CONSENT_COMMANDS:
        turn.needs_prompt = True
        return [Outgoing(_("Please answer the question below first."))]
    match name:
        case "language":
            turn.show("language", join=(person.step_data or {}).get("join"))
            return []
        case "forget" if person.consented_at is None:
            await forget.on_forget(turn, "yes")
            return [Outgoing(_("We keep nothing about you. Send /start to join an assembly."))]
        case "forget":
            return await forget.ask_forget(turn)
        case "mydata" if person.consented_at is None:
            turn.needs_prompt = True
            return [
                Outgoing(_("We keep nothing about you yet, only where this conversation stands."))
            ]
        case "mydata":
            return await mydata.show_my_data(turn)
        case "polls":
            return await polls.polls_overview(turn)
        case "feedback":
            return await feedback.start_feedback(turn, args)
        case "stop":
            return await optout.stop_notices(turn)
        case "cancel":
            turn.finish()
            return [Outgoing(_("Cancelled."))]
    turn.needs_prompt = True
    return [Outgoing(_("I do not know that command. /help lists what I can do."))]


async def _follow_up(turn: Turn) -> list[Outgoing]:
    """After a step is done, move to what comes next and ask its question."""
    replies: list[Outgoing] = []
    for _round in range(MAX_FOLLOW_UPS):
        if turn.participant is None or not (turn.needs_advance or turn.needs_prompt):
            break
        if turn.needs_advance:
            turn.needs_advance = False
            await choose_next_step(turn)
        turn.needs_prompt = False
        turn.ask_again()
        replies += await step_for(turn.person.step).prompt(turn)
    return replies
