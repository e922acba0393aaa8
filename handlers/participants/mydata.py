"""/mydata: everything stored about the person, in their language, and as a file."""

from __future__ import annotations

import json
from typing import Any

from babel.dates import format_datetime

from handlers.core.events import OutFile, Outgoing
from handlers.core.turn import Turn
from handlers.i18n.core import LANGUAGE_NAMES, _, current_language, isolate, localized
from handlers.participants.forget import nothing_kept
from handlers.polls.answering import describe_answer
from storage.assemblies import member_assemblies, profile_answers
from storage.consents import consent_records
from storage.models import ConsentRecord, Municipality, Poll
from storage.participants import participant_feedback
from storage.polls import answers_by_question, participant_responses


async def mydata_command(turn: Turn, args: str) -> list[Outgoing]:
    """/mydata: what is kept; before consent, only where the conversation stands."""
    person = turn.participant
    if person is None:
        return [nothing_kept()]
    if person.consented_at is None:
        turn.needs_prompt = True
        return [Outgoing(_("We keep nothing about you yet, only where this conversation stands."))]
    return await show_my_data(turn)


async def _declarations(turn: Turn) -> list[tuple[ConsentRecord, str]]:
    """Every consent declaration the person made, with its municipality's slug."""
    slugs: dict[int, str] = {}
    found = []
    for item in await consent_records(turn.session, turn.person.id):
        if item.municipality_id not in slugs:
            municipality = await turn.session.get(Municipality, item.municipality_id)
            slugs[item.municipality_id] = municipality.slug if municipality else ""
        found.append((item, slugs[item.municipality_id]))
    return found


async def show_my_data(turn: Turn) -> list[Outgoing]:
    """Say what is stored, and attach it as JSON."""
    person = turn.person
    language = current_language()
    lines = [_("This is everything we keep about you:")]
    record: dict[str, Any] = {
        "channel": person.channel,
        "language": person.language,
        "consented_at": person.consented_at.isoformat() if person.consented_at else None,
        "consent_version": person.consent_version,
        "notices_stopped": person.stopped_at is not None,
        "assemblies": [],
        "responses": [],
        "feedback": [],
    }
    lines.append(
        _("Language: {language}").format(language=LANGUAGE_NAMES.get(person.language or "", "-"))
    )
    if person.consented_at:
        lines.append(
            _("Consent given: {date}").format(
                date=isolate(format_datetime(person.consented_at, "medium", locale=language))
            )
        )
    lines.append(_("Notices: off") if person.stopped_at else _("Notices: on"))
    record["consents"] = [
        {
            "municipality": municipality_slug,
            "kind": item.kind,
            "given": item.given,
            "notice_version": item.notice_version,
            "wording": item.wording,
            "at": item.recorded_at.isoformat(),
        }
        for item, municipality_slug in await _declarations(turn)
    ]
    for assembly in await member_assemblies(turn.session, person.id):
        lines.append("")
        lines.append(_("Member of {assembly}").format(assembly=isolate(localized(assembly.name))))
        answers = await profile_answers(turn.session, person.id, assembly.id)
        profile: dict[str, str] = {}
        for item in assembly.profile or []:
            if item["key"] not in answers:
                continue
            option_key = answers[item["key"]]
            option = next((o for o in item["options"] if o["key"] == option_key), None)
            label = localized(option["text"]) if option else _("Prefer not to say")
            lines.append(f"• {localized(item['text'])} {isolate(label)}")
            profile[item["key"]] = option_key
        record["assemblies"].append({"join_code": assembly.join_code, "profile": profile})
    for response in await participant_responses(turn.session, person.id):
        poll = await turn.session.get(Poll, response.poll_id)
        if poll is None:
            continue
        answered = await answers_by_question(turn.session, response.id)
        lines.append("")
        lines.append(_("Your answers to {title}:").format(title=isolate(localized(poll.title))))
        answers_record = []
        for question in poll.questions:
            if question.id in answered:
                text = describe_answer(question, answered[question.id])
                lines.append(f"• {localized(question.text)} {isolate(text)}")
                answers_record.append({"question": localized(question.text), "answer": text})
        record["responses"].append({"poll": poll.slug, "answers": answers_record})
    for message in await participant_feedback(turn.session, person.id):
        record["feedback"].append({"sent_at": message.created_at.isoformat(), "text": message.text})
    if record["feedback"]:
        lines.append("")
        lines.append(_("Messages you sent to the assembly:"))
        lines.extend(f"• {isolate(item['text'])}" for item in record["feedback"])
    lines.append("")
    lines.append(_("Your consents, and changing them: /privacy."))
    lines.append(_("To erase all of this, send /forget."))
    content = json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8")
    attachment = OutFile(name="my-data.json", content=content, mime_type="application/json")
    return [Outgoing("\n".join(lines), file=attachment)]
