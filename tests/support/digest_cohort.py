"""A municipality with a known week of activity, written straight into storage, for digest tests.

Two assemblies (the second asks only the community question), people of the host and Syrian
communities (and some who prefer not to say, or never answered) in Turkish, Arabic and
English, who joined inside the period, in the period before, or long before; a poll with 30
respondents and small cells, a poll with one respondent, polls outside the period; feedback
with personal data in Turkish, Arabic and English; notices with outbox rows in every status.
``build_digest_cohort`` returns the expected raw counts beside the rows it wrote.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.digests.period import days_before
from handlers.digests.report import Period
from storage.digest_settings import setting_for
from storage.models import (
    Answer,
    Assembly,
    Feedback,
    Membership,
    Municipality,
    Notice,
    Option,
    OutboxMessage,
    Participant,
    Poll,
    ProfileAnswer,
    Question,
    Response,
)

TIMEZONE = "Europe/Istanbul"
TC_NUMBER = "10000000146"  # a valid T.C. kimlik numarası (both check digits right)
FOREIGNER_NUMBER = "99123456789"
PHONE = "0532 123 45 67"
EMAILS = ("ali.veli@example.com", "sara@example.org")

COMMUNITY_QUESTION: dict[str, Any] = {
    "key": "community",
    "text": {
        "tr": "Kendinizi hangi toplulukta görüyorsunuz?",
        "ar": "إلى أي مجتمع تنتمي؟",
        "en": "Which community do you belong to?",
    },
    "options": [
        {
            "key": "host",
            "text": {"tr": "Yerel halk", "ar": "المجتمع المضيف", "en": "Host community"},
        },
        {"key": "syrian", "text": {"tr": "Suriyeli", "ar": "سوري", "en": "Syrian"}},
    ],
}
AGE_QUESTION: dict[str, Any] = {
    "key": "age_band",
    "text": {"tr": "Yaş grubunuz?", "ar": "ما فئتك العمرية؟", "en": "Your age group?"},
    "options": [
        {"key": "18-29", "text": {"tr": "18–29", "ar": "١٨–٢٩", "en": "18–29"}},
        {"key": "30-44", "text": {"tr": "30–44", "ar": "٣٠–٤٤", "en": "30–44"}},
    ],
}
NOTICE_TEXTS = {
    "tr": "Salı akşamı saat 18:00'de belediye binasında park ve otobüs hatları üzerine "
    "açık toplantı yapılacaktır; herkes davetlidir.",
    "ar": "سيُعقد اجتماع مفتوح مساء الثلاثاء الساعة ١٨:٠٠ في مبنى البلدية حول الحدائق "
    "وخطوط الحافلات، والجميع مدعوون.",
    "en": "An open meeting on parks and bus lines will be held on Tuesday at 18:00 "
    "at the town hall; everyone is welcome.",
}
INVITATION_ARABIC = "استطلاع جديد: ما الذي تحتاجه أكثر في الحي؟"
# Outbox rows of the first notice by status, and what they add up to as reach.
OUTBOX_STATUSES = {
    "sent": 12,
    "failed": 2,
    "unconfirmed": 1,
    "blocked": 1,
    "skipped": 1,
    "pending": 2,
    "sending": 1,
}
FIRST_NOTICE_REACH = {"delivered": 12, "failed": 3, "blocked": 2, "waiting": 3}
SECOND_NOTICE_REACH = {"delivered": 6, "failed": 0, "blocked": 0, "waiting": 0}

Key = tuple[str | None, str]  # (community option key, "" or None; language)


@dataclass(frozen=True)
class DigestCohort:
    """What was written, and the raw figures a digest of ``period`` should be built from."""

    municipality: Municipality
    assemblies: tuple[Assembly, Assembly]
    period: Period
    new_members: dict[Key, int]
    previous_members: dict[Key, int]
    total_members: int
    poll_slugs: tuple[str, ...]
    first_poll_options: dict[str, dict[str, int]]
    feedback_texts: tuple[str, ...]
    previous_feedback: tuple[int, int]
    notice_reach: tuple[dict[str, int], ...]


def cohort_period() -> Period:
    """The week the cohort's activity falls in: 3 to 9 November 2026, Istanbul time."""
    return days_before(date(2026, 11, 10), 7, TIMEZONE)


async def add_municipality(session: AsyncSession, slug: str, name: str, k: int = 5) -> Municipality:
    """A municipality with its name in the three languages."""
    municipality = Municipality(
        slug=slug,
        name={"tr": f"{name} Belediyesi", "ar": f"بلدية {name}", "en": f"{name} Municipality"},
        timezone=TIMEZONE,
        suppression_k=k,
    )
    session.add(municipality)
    await session.flush()
    return municipality


async def add_assembly(
    session: AsyncSession,
    municipality: Municipality,
    code: str,
    profile: list[dict[str, Any]],
    created_at: datetime,
) -> Assembly:
    """An assembly of the municipality in three languages with this profile."""
    assembly = Assembly(
        municipality_id=municipality.id,
        join_code=code,
        name={"tr": f"{code} Meclisi", "ar": f"مجلس {code}", "en": f"{code} Assembly"},
        languages=["tr", "ar", "en"],
        profile=profile,
        created_at=created_at,
    )
    session.add(assembly)
    await session.flush()
    return assembly


async def add_people(
    session: AsyncSession,
    assembly: Assembly,
    community: str | None,
    language: str,
    count: int,
    joined_at: datetime,
) -> list[int]:
    """``count`` members who joined at ``joined_at`` with this community answer (None: none)."""
    ids = []
    for number in range(count):
        person = Participant(
            channel="telegram",
            address_hash=uuid.uuid4().hex,
            address_enc=None,
            language=language,
            consented_at=joined_at,
            consent_version="test",
            created_at=joined_at,
            step="idle",
            step_data={},
            step_nonce=1,
        )
        session.add(person)
        await session.flush()
        ids.append(person.id)
        session.add(
            Membership(participant_id=person.id, assembly_id=assembly.id, joined_at=joined_at)
        )
        if community is not None:
            session.add(
                ProfileAnswer(
                    participant_id=person.id,
                    assembly_id=assembly.id,
                    question_key="community",
                    option_key=community,
                )
            )
        if any(q["key"] == "age_band" for q in assembly.profile):
            session.add(
                ProfileAnswer(
                    participant_id=person.id,
                    assembly_id=assembly.id,
                    question_key="age_band",
                    option_key=("18-29", "30-44")[number % 2],
                )
            )
    await session.flush()
    return ids


async def add_poll(
    session: AsyncSession,
    assembly: Assembly,
    slug: str,
    options: tuple[str, ...],
    opened_at: datetime | None,
    closed_at: datetime | None,
) -> Poll:
    """A poll with one single-choice question and a yes/no question."""
    status = "draft" if opened_at is None else "open" if closed_at is None else "closed"
    poll = Poll(
        assembly_id=assembly.id,
        slug=slug,
        title={"tr": f"Anket {slug}", "ar": f"استطلاع {slug}", "en": f"Poll {slug}"},
        status=status,
        opened_at=opened_at,
        closed_at=closed_at,
    )
    single = Question(
        position=0,
        kind="single",
        text={"tr": "En çok ne lazım?", "ar": "ما الأهم؟", "en": "What is needed most?"},
    )
    for position, option in enumerate(options):
        single.options.append(
            Option(position=position, text={"tr": option, "ar": option, "en": option})
        )
    yesno = Question(
        position=1,
        kind="yesno",
        text={"tr": "Katılır mısınız?", "ar": "هل ستحضر؟", "en": "Would you attend?"},
    )
    poll.questions.extend([single, yesno])
    session.add(poll)
    await session.flush()
    return poll


async def respond(
    session: AsyncSession,
    poll: Poll,
    participant_ids: list[int],
    language: str,
    option: int,
    at: datetime,
    yes: bool | None = None,
) -> None:
    """These people answer the poll's first question with one option (and the second, if asked)."""
    single, yesno = poll.questions
    for participant_id in participant_ids:
        response = Response(
            poll_id=poll.id,
            participant_id=participant_id,
            language=language,
            started_at=at,
            completed_at=at,
        )
        session.add(response)
        await session.flush()
        session.add(
            Answer(
                response_id=response.id,
                question_id=single.id,
                option_id=single.options[option].id,
                answered_at=at,
            )
        )
        if yes is not None:
            session.add(
                Answer(
                    response_id=response.id,
                    question_id=yesno.id,
                    value_int=int(yes),
                    answered_at=at,
                )
            )
    await session.flush()


async def add_notice(
    session: AsyncSession,
    assembly: Assembly,
    texts: dict[str, str],
    queued_at: datetime | None,
    recipients: list[int],
    statuses: dict[str, int],
    kind: str = "notice",
) -> Notice:
    """A notice queued at ``queued_at`` with outbox rows in these statuses, one recipient each."""
    notice = Notice(
        assembly_id=assembly.id,
        kind=kind,
        text=texts,
        status="queued" if queued_at else "draft",
        created_at=queued_at or datetime(2026, 1, 1, tzinfo=UTC),
        queued_at=queued_at,
    )
    session.add(notice)
    await session.flush()
    people = iter(recipients)
    for status, count in statuses.items():
        for _number in range(count):
            session.add(
                OutboxMessage(
                    notice_id=notice.id,
                    participant_id=next(people),
                    channel="telegram",
                    language="tr",
                    status=status,
                    not_before=queued_at,
                )
            )
    await session.flush()
    return notice


async def add_feedback(
    session: AsyncSession,
    assembly: Assembly,
    participant_id: int,
    language: str,
    text: str,
    at: datetime,
) -> None:
    """One piece of feedback."""
    session.add(
        Feedback(
            assembly_id=assembly.id,
            participant_id=participant_id,
            language=language,
            text=text,
            created_at=at,
        )
    )
    await session.flush()


async def build_digest_cohort(
    session: AsyncSession, slug: str = "zeytinburnu", code: str = "ZEYT"
) -> DigestCohort:
    """Write the cohort (committing nothing: the caller commits) and say what it should count."""
    period = cohort_period()
    inside = period.start + timedelta(days=2)
    before = period.start - timedelta(days=3)
    long_ago = period.start - timedelta(days=30)
    municipality = await add_municipality(session, slug, slug.capitalize())
    first = await add_assembly(
        session, municipality, f"{code}A", [COMMUNITY_QUESTION, AGE_QUESTION], long_ago
    )
    second = await add_assembly(session, municipality, f"{code}B", [COMMUNITY_QUESTION], long_ago)

    host_tr = await add_people(session, first, "host", "tr", 12, inside)
    syrian_ar = await add_people(session, first, "syrian", "ar", 9, inside)
    syrian_tr = await add_people(session, first, "syrian", "tr", 3, inside)
    host_en = await add_people(session, first, "host", "en", 2, inside)
    declined_ar = await add_people(session, first, "", "ar", 4, inside)
    silent_en = await add_people(session, first, None, "en", 1, inside)
    second_host_tr = await add_people(session, second, "host", "tr", 5, inside)
    second_syrian_ar = await add_people(session, second, "syrian", "ar", 6, inside)
    # One person joins both assemblies in the period (new once), one joined long before.
    both = await add_people(session, first, "host", "tr", 1, inside)
    session.add(
        Membership(
            participant_id=both[0], assembly_id=second.id, joined_at=inside + timedelta(days=1)
        )
    )
    earlier = await add_people(session, first, "syrian", "ar", 1, long_ago)
    session.add(Membership(participant_id=earlier[0], assembly_id=second.id, joined_at=inside))
    previous_host = await add_people(session, first, "host", "tr", 7, before)
    await add_people(session, first, "syrian", "ar", 8, before)
    await add_people(session, first, "host", "tr", 10, long_ago)

    services = await add_poll(
        session,
        first,
        "services",
        ("parks", "buses", "health"),
        period.start - timedelta(days=1),
        inside + timedelta(days=2),
    )
    await respond(session, services, host_tr[:8], "tr", 0, inside, yes=True)
    await respond(session, services, host_tr[8:], "tr", 1, inside, yes=False)
    await respond(session, services, syrian_ar[:6], "ar", 2, inside, yes=True)
    await respond(session, services, syrian_ar[6:], "ar", 0, inside, yes=True)
    await respond(session, services, syrian_tr, "tr", 1, inside, yes=True)
    await respond(session, services, host_en, "en", 0, inside)
    await respond(session, services, declined_ar, "ar", 2, inside, yes=True)
    single = await add_poll(session, second, "single", ("yes", "no"), inside, None)
    await respond(session, single, second_host_tr[:1], "tr", 0, inside, yes=True)
    await add_poll(session, first, "old", ("a", "b"), long_ago, period.start - timedelta(days=13))
    await add_poll(session, first, "draft", ("a", "b"), None, None)

    texts = (
        f"Parkta ışık yok. Beni arayın: {PHONE}, {EMAILS[0]}, TC {TC_NUMBER}",
        f"نحتاج حافلات أكثر. رقم الإقامة {FOREIGNER_NUMBER}",
        f"More buses please, write to me at {EMAILS[1]}",
    )
    await add_feedback(session, first, host_tr[0], "tr", texts[0], inside)
    await add_feedback(session, first, syrian_ar[0], "ar", texts[1], inside + timedelta(hours=1))
    await add_feedback(session, second, second_host_tr[0], "en", texts[2], inside)
    for person in previous_host[:6]:
        await add_feedback(session, first, person, "tr", "Eski geri bildirim", before)
    for person in previous_host[:2]:
        await add_feedback(session, second, person, "tr", "Eski", before)

    await add_notice(session, first, NOTICE_TEXTS, inside, host_tr + syrian_ar, OUTBOX_STATUSES)
    await add_notice(
        session,
        second,
        {"ar": INVITATION_ARABIC},
        inside + timedelta(hours=2),
        second_host_tr + second_syrian_ar,
        {"sent": 6},
        kind="invitation",
    )
    await add_notice(session, first, NOTICE_TEXTS, before, previous_host, {"sent": 7})
    await add_notice(session, first, NOTICE_TEXTS, None, [], {})
    del silent_en
    return DigestCohort(
        municipality=municipality,
        assemblies=(first, second),
        period=period,
        new_members={
            ("host", "tr"): 18,
            ("host", "en"): 2,
            ("syrian", "ar"): 15,
            ("syrian", "tr"): 3,
            ("", "ar"): 4,
            (None, "en"): 1,
        },
        previous_members={("host", "tr"): 7, ("syrian", "ar"): 8},
        total_members=69,
        poll_slugs=("services", "single"),
        first_poll_options={
            "parks": {"tr": 8, "ar": 3, "en": 2},
            "buses": {"tr": 7, "ar": 0, "en": 0},
            "health": {"tr": 0, "ar": 10, "en": 0},
        },
        feedback_texts=texts,
        previous_feedback=(6, 2),
        notice_reach=(FIRST_NOTICE_REACH, SECOND_NOTICE_REACH),
    )


async def weekly_digest_cohort(
    sessions: async_sessionmaker[AsyncSession], weekday: int = 1
) -> DigestCohort:
    """The digest cohort, committed, its municipality's digest weekly on ``weekday`` (Tuesday:
    its week, 3 to 9 November 2026, is then a period of the digest)."""
    async with sessions() as session:
        cohort = await build_digest_cohort(session)
        await session.commit()
        setting = await setting_for(session, municipality_id=cohort.municipality.id)
        setting.frequency, setting.weekday = "weekly", weekday
        await session.commit()
        return cohort
