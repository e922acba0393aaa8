"""Poll results: real participants answer through the core; results count them exactly and safely.

The cohort (tests/support/cohort.py) is 7 Arabic, 6 Turkish and 2 English speakers; one Turkish
speaker answers only the first question, and one Arabic speaker erases themselves afterwards.
"""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.i18n.core import gettext, localized, use_language
from handlers.polls.lifecycle import close_poll
from handlers.results.by_language import (
    PollResults,
    QuestionResult,
    ResultRow,
    ResultsError,
    median,
)
from handlers.results.by_language import poll_results as compute_results
from storage.crypto import AddressCipher
from storage.models import Municipality, Notice, OutboxMessage, Poll, Response
from tests.support.chat import Chat
from tests.support.closing import close_unfixed
from tests.support.cohort import COHORT, SECRET_WORDS, answer_demo_poll
from tests.support.disclosure_reader import pinned_in_outputs
from tests.support.staff import add_staff

LESS = "<5"


@pytest.fixture
async def answered(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> Poll:
    """The demo poll, answered by the cohort."""
    await answer_demo_poll(sessions, cipher, demo)
    async with sessions() as session:
        poll = (await session.execute(select(Poll))).scalar_one()
        unlinked = await session.execute(select(Response).where(Response.participant_id.is_(None)))
        assert len(unlinked.all()) == 1
    return poll


async def _set_municipality_k(sessions: async_sessionmaker[AsyncSession], k: int) -> None:
    async with sessions() as session:
        await session.execute(update(Municipality).values(suppression_k=k))
        await session.commit()


async def _results(
    sessions: async_sessionmaker[AsyncSession],
    poll: Poll,
    language: str = "en",
    k: int | None = None,
) -> PollResults:
    async with sessions() as session:
        return await compute_results(session, poll, language=language, k=k)


def _row(row: ResultRow) -> list[str]:
    return [
        row.label,
        row.total,
        row.by_language["tr"],
        row.by_language["ar"],
        row.by_language["en"],
    ]


def _table(question: QuestionResult) -> list[list[str]]:
    rows = [*question.rows, question.answered]
    return [_row(r) for r in rows] + ([_row(question.median)] if question.median else [])


def _shown_numbers(results: PollResults) -> list[int]:
    rows = [results.respondents]
    for question in results.questions:
        rows += [*question.rows, question.answered]
    texts = [text for row in rows for text in (row.total, *row.by_language.values())]
    return [int(text) for text in texts if text.isdigit()]


async def _counts_are_exact_per_language_where_k_lets_them_show(
    sessions: async_sessionmaker[AsyncSession], answered: Poll
) -> None:
    await _set_municipality_k(sessions, 2)
    results = await _results(sessions, answered)
    assert results.k == 2
    # A response counts once it has an answer: the one who stopped early and the one who
    # erased themselves are both respondents.
    assert _row(results.respondents) == ["respondents", "15", "6", "7", "2"]
    single, multi, _scale, _yesno, number, _text = results.questions
    assert [q.kind for q in results.questions] == [
        "single",
        "multi",
        "scale",
        "yesno",
        "number",
        "text",
    ]
    # Multiple choice: a person counts once per option chosen; nobody took the Arabic course.
    assert _table(multi)[1] == ["Arabic course", "<2", "<2", "<2", "<2"]
    assert _table(multi)[0][:2] == ["Turkish course", "7"]
    # The one Turkish speaker who stopped early is under K beside an exact column, so the
    # number question may be withheld here; where a median shows, it is the true one.
    assert number.median is not None
    assert number.median.total in ("", "3.5")
    assert all(n >= 2 for n in _shown_numbers(results))
    assert await pinned_in_outputs(sessions, answered.id) == []
    assert single.rows[0].label == "Cleaning and waste collection"
    assert single.answered.total == "15"


async def _small_counts_read_under_k_and_the_totals_do_not_give_them_away(
    sessions: async_sessionmaker[AsyncSession], answered: Poll
) -> None:
    results = await _results(sessions, answered)
    assert results.k == 5
    assert _row(results.respondents) == ["respondents", "15", "x", "7", LESS]
    single, multi, _scale, yesno, number, text = results.questions
    # Public transport is chosen by 2, health by 1, Arabic course by nobody: under K wherever
    # they are counted, and a single shown number is never under K.
    assert _table(single)[2] == ["Public transport", LESS, LESS, LESS, LESS]
    assert _table(single)[3] == ["Access to health services", LESS, LESS, LESS, LESS]
    assert _table(multi)[0] == ["Turkish course", "7", LESS, "6", LESS]
    assert _table(multi)[1] == ["Arabic course", LESS, LESS, LESS, LESS]
    assert _table(yesno)[1] == ["No", LESS, LESS, LESS, LESS]
    # The median shows only where at least K answered: tr 5, ar 7, but not en 2.
    assert _table(number)[-1] == ["median", "3.5", "3", "5", ""]
    assert text.not_answered is not None and text.not_answered.total == LESS  # one stopped
    assert all(n >= 5 for n in _shown_numbers(results))
    assert not any(q.withheld for q in results.questions)
    # Solved together with the breakdowns by every profile question, nothing hidden follows.
    assert await pinned_in_outputs(sessions, answered.id) == []


async def _k_can_be_raised_but_never_lowered_below_the_municipalitys(
    sessions: async_sessionmaker[AsyncSession], answered: Poll
) -> None:
    raised = await _results(sessions, answered, k=7)
    assert raised.k == 7
    assert _row(raised.respondents) == ["respondents", "15", "<7", "7", "<7"]
    median = raised.questions[4].median
    assert median is not None and median.total in ("", "3.5")
    assert median.by_language["tr"] == median.by_language["en"] == ""  # under 7 answered
    assert all(n >= 7 for n in _shown_numbers(raised))
    with pytest.raises(ResultsError, match="below the municipality's K of 5"):
        await _results(sessions, answered, k=3)
    await _set_municipality_k(sessions, 7)
    with pytest.raises(ResultsError, match="K 5 is below"):
        await _results(sessions, answered, k=5)


async def _free_text_is_counted_but_its_words_never_appear_in_results(
    sessions: async_sessionmaker[AsyncSession], answered: Poll
) -> None:
    await _set_municipality_k(sessions, 2)
    words = [person.text for person in COHORT if person.text]
    for language in ("tr", "ar", "en"):
        dumped = json.dumps(
            asdict(await _results(sessions, answered, language)), ensure_ascii=False
        )
        assert not [w for w in words if w in dumped], language
    assert SECRET_WORDS in words


async def _labels_come_in_the_chosen_language(
    sessions: async_sessionmaker[AsyncSession], answered: Poll
) -> None:
    results = await _results(sessions, answered, "ar")
    assert results.title == localized(answered.title, "ar") == "الخدمات في حيّنا 2026"
    assert results.questions[0].text == localized(answered.questions[0].text, "ar")
    assert results.questions[0].rows[2].label == "النقل العام"
    with use_language("ar"):
        assert [r.label for r in results.questions[3].rows] == [gettext("Yes"), gettext("No")]
    assert results.questions[3].rows[0].label != "Yes"
    with pytest.raises(ResultsError, match="language 'de'"):
        await _results(sessions, answered, "de")


def test_median_of_counted_values() -> None:
    assert median([(3, 1)]) == 3
    assert median([(1, 1), (2, 1)]) == 1.5
    assert median([(5, 2), (1, 1), (9, 0)]) == 5
    assert median([(2, 2), (7, 2)]) == 4.5
    with pytest.raises(ValueError):
        median([])


async def test_results_count_each_person_exactly_and_show_only_safe_figures(
    sessions: async_sessionmaker[AsyncSession], answered: Poll
) -> None:
    """One cohort, several checks (answering through the core takes a few seconds), on exact
    figures: the poll is closed (an open poll's are rounded, tests/results/test_published_figures.py)."""
    await close_unfixed(sessions, answered)
    await _small_counts_read_under_k_and_the_totals_do_not_give_them_away(sessions, answered)
    await _labels_come_in_the_chosen_language(sessions, answered)
    await _counts_are_exact_per_language_where_k_lets_them_show(sessions, answered)
    await _free_text_is_counted_but_its_words_never_appear_in_results(sessions, answered)
    await _set_municipality_k(sessions, 5)
    await _k_can_be_raised_but_never_lowered_below_the_municipalitys(sessions, answered)


async def test_a_poll_nobody_answered_shows_only_under_k(
    sessions: async_sessionmaker[AsyncSession], demo: str
) -> None:
    async with sessions() as session:
        poll = (await session.execute(select(Poll))).scalar_one()
        open_results = await compute_results(session, poll, language="tr")
    # Open, fewer than 3 answers show nothing yet; closed, nobody reads under K like any
    # small count.
    assert _row(open_results.respondents) == ["respondents", "-", "-", "-", "-"]
    await close_unfixed(sessions, poll)
    async with sessions() as session:
        results = await compute_results(session, poll, language="tr")
    assert _row(results.respondents) == ["respondents", LESS, LESS, LESS, LESS]
    for question in results.questions:
        # Nobody: every count is under K, or (a multiple choice's options, bounded by nobody
        # having answered) withheld.
        assert all(set(row[1:]) <= {LESS, "", "-"} for row in _table(question)), question
        assert question.withheld == (question.kind == "multi")
    assert results.questions[4].median == ResultRow("median", "", {"tr": "", "ar": "", "en": ""})


async def test_closing_the_poll_sends_what_the_assembly_said_to_everyone_who_answered(
    sessions: async_sessionmaker[AsyncSession], answered: Poll
) -> None:
    async with sessions() as session:
        poll = await session.get(Poll, answered.id)
        assert poll is not None
        reached = await close_poll(session, poll)
        await session.commit()
        [outcome] = (
            (await session.execute(select(Notice).where(Notice.kind == "results"))).scalars().all()
        )
        rows = (
            (
                await session.execute(
                    select(OutboxMessage).where(OutboxMessage.notice_id == outcome.id)
                )
            )
            .scalars()
            .all()
        )
    # Fifteen answered; the one who sent /forget is no longer anyone to write to.
    assert reached == len(rows) == 14
    assert sorted(r.language for r in rows) == ["ar"] * 6 + ["en"] * 2 + ["tr"] * 6
    english, arabic = outcome.text["en"], outcome.text["ar"]
    assert english.startswith("What the assembly said: \u2068Services in our neighbourhood 2026")
    assert "People who answered: 15" in english
    assert "• Public transport: <5" in english  # two people: under K
    assert "• Cleaning and waste collection: hidden" in english  # else 15 - 7 gives it away
    assert "• Turkish course: 7" in english and "• 4: 5" in english
    assert "Counts under 5 are shown as <5" in english
    assert "ماذا قال المجلس:" in arabic and "عدد من أجابوا: ١٥" in arabic
    assert "• دورة اللغة التركية: ٧" in arabic and "• ٤: ٥" in arabic
    assert "• النقل العام: <٥" in arabic
    for words in (SECRET_WORDS, "Bins", "حديقة أكبر للأطفال"):  # free text is never sent
        assert all(words not in text for text in outcome.text.values())


async def test_staff_see_live_results_by_language_in_chat_and_others_are_refused(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, answered: Poll
) -> None:
    await add_staff(sessions, cipher, "840001", assembly_id=answered.assembly_id)
    facilitator = Chat(sessions, cipher, "840001", client_language="en")
    await facilitator.say("/results")
    text = facilitator.text
    assert text.startswith("\u2068Services in our neighbourhood 2026\u2069 (open)")
    assert "People who answered: 15" in text
    # Open: only how many answered, rounded to 5; the results wait for the closing.
    assert (
        "People who answered: 15\nWhile the poll is open, only the number of people who "
        "answered is shown, rounded to the nearest 5; its results are shown once it closes."
    ) in text
    assert "Turkish course" not in text
    assert SECRET_WORDS not in text and "Bins" not in text
    arabic = Chat(sessions, cipher, "840001", client_language="ar")
    await arabic.say("/results")
    assert "(مفتوح)" in arabic.text and "عدد من أجابوا: ١٥" in arabic.text
    assert "مقرَّباً إلى أقرب مضاعف للعدد ٥" in arabic.text
    resident = Chat(sessions, cipher, "7000", client_language="ar")  # answered, but no staff
    await resident.say("/results")
    assert resident.text == "هذا الأمر مخصّص لميسّري المجلس."
