"""Issue 21, cases 1 and 2: hidden counts a reader recovered by solving outputs together (K=5).

Every cohort here is written through the project's own storage (``import_poll`` and
``open_poll`` for the poll, members with their profile answers, ``new_response`` and
``replace_answer`` for their answers) into the demo assembly, whose profile questions are
community (host, syrian, other), age_band and neighbourhood. The outputs are the product's
own: ``poll_results`` (by language), ``results_by_profile`` for each profile question, and
the results message sent at closing (``close_poll``, rendered by ``handlers.polls.outcome``).

The figures checked are the suppressed ones of a closed poll (``handlers.results.figures``): the
poll is closed as staff close it (``close_poll``, which fixes its figures and sends the
results message), and every output taken afterwards shows exactly those. The independent
reader (tests/support/disclosure_reader.py) solves them together and lists every figure not
shown as a number that only one value fits; nothing may be listed. The results message is
checked to be the results by language as ``outcome_text`` writes them, in each language, and
the reader solves it too.

Besides, every figure is checked against the true counts of the cohort: a shown number is
the true count and is 0 or at least K, ``<5`` is only ever a count under K, ``x`` only a count
of K or more, and every count from 1 to K-1 reads ``<5`` (or ``-``, in a withheld table).
While a fixed case's poll is still open, its results by language show every count rounded to
the nearest 5 from its true value (0 to 2 read 0, 3 to 7 read 5), nothing marked.
"""

from __future__ import annotations

import dataclasses
import json
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.i18n.core import LANGUAGES, gettext, use_language
from handlers.polls.file import import_poll
from handlers.polls.lifecycle import close_poll, open_poll
from handlers.polls.outcome import outcome_text
from handlers.privacy.suppression import WITHHELD
from handlers.results.by_language import PollResults, QuestionResult, ResultRow, poll_results
from handlers.results.by_profile import ProfileResults, results_by_profile
from handlers.results.disclosure import DECLINED
from handlers.results.figures import poll_figures
from storage.crypto import AddressCipher
from storage.models import Assembly, Notice, Participant, Question
from storage.polls import new_response, poll_with_questions, replace_answer
from storage.tallies import NO_ANSWER
from tests.support.disclosure_reader import pinned_figures
from tests.support.members import Member, add_members

K = 5
LESS = "<5"
ROUNDING = 5  # an open poll's counts are shown rounded to the nearest multiple of 5
AUDIENCE = "test"
PROFILE_KEYS = ("community", "age_band", "neighbourhood")
AGES = ("18-29", "30-44", "45-64", "65+")
PLACES = ("merkezefendi", "seyitnizam", "yesiltepe")
ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")
NOTHING = dict.fromkeys(LANGUAGES, "-")

# An answer to one question: an option's position (single), a value (scale 1..5, yes/no 1 or
# 0), the positions chosen (multi), or None for a question skipped.
Answer = int | tuple[int, ...] | None

LABELS = {
    "Cleaning": {"tr": "Temizlik", "ar": "النظافة", "en": "Cleaning"},
    "Parks": {"tr": "Parklar", "ar": "الحدائق", "en": "Parks"},
    "Transport": {"tr": "Toplu taşıma", "ar": "النقل العام", "en": "Transport"},
}
SERVICES = ("single", ("Cleaning", "Parks", "Transport"))
USED_SERVICE = ("yesno", ())


@dataclass(frozen=True)
class Voter:
    """One respondent: the language they answered in, their answers, their profile (an option
    key, "" for prefer not to say, None for never answered)."""

    language: str
    answers: tuple[Answer, ...]
    community: str | None = None
    age_band: str | None = None
    neighbourhood: str | None = None

    def column(self, by: str) -> str:
        """The column this person counts in, in the breakdown ``by``."""
        if by == "language":
            return self.language
        value: str | None = getattr(self, by)
        return NO_ANSWER if value is None else (value or DECLINED)


@dataclass
class Outputs:
    """Everything the product shows of one poll (labels in English but where said)."""

    questions: list[Question]
    by_language: PollResults
    by_profile: dict[str, ProfileResults]
    localized: dict[str, PollResults]  # the results by language, labels in each language

    def pinned(self, *keys: str) -> list[str]:
        """What the reader pins from the results by language and by these profile questions."""
        profiles = [self.by_profile[key] for key in keys]
        return pinned_figures(self.questions, self.by_language, profiles, K)


def _translations(text: str) -> dict[str, str]:
    return LABELS.get(text, dict.fromkeys(LANGUAGES, text))


def _poll_file(slug: str, questions: Sequence[tuple[str, Sequence[str]]]) -> str:
    """A poll file (YAML, written as JSON) in the demo assembly's three languages."""
    spec = {
        "assembly": "ZEYTINBURNU",
        "slug": slug,
        "title": {"tr": f"Anket {slug}", "ar": f"استطلاع {slug}", "en": f"Poll {slug}"},
        "questions": [
            {
                "kind": kind,
                "text": {"tr": f"Soru {n}", "ar": f"سؤال {n}", "en": f"Question {n}"},
                **({"options": [_translations(o) for o in options]} if options else {}),
            }
            for n, (kind, options) in enumerate(questions, start=1)
        ],
    }
    return json.dumps(spec, ensure_ascii=False)


async def _build(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    slug: str,
    questions: Sequence[tuple[str, Sequence[str]]],
    voters: Sequence[Voter],
    first_user: int,
) -> int:
    """Import and open the poll, add the voters as members, record their answers; the poll id."""
    async with sessions() as session:
        poll = await import_poll(session, _poll_file(slug, questions))
        await open_poll(session, poll)
        await session.commit()
        poll_id = poll.id
    members = [
        Member(
            first_user + n,
            voter.language,
            profile={
                key: value for key in PROFILE_KEYS if (value := getattr(voter, key)) is not None
            },
        )
        for n, voter in enumerate(voters)
    ]
    await add_members(sessions, cipher, None, "ZEYTINBURNU", members)
    async with sessions() as session:
        stored = await poll_with_questions(session, poll_id)
        assert stored is not None
        for member, voter in zip(members, voters, strict=True):
            assert len(voter.answers) == len(stored.questions)
            hashed = cipher.lookup_hash("telegram", member.address)
            participant = (
                await session.execute(select(Participant).where(Participant.address_hash == hashed))
            ).scalar_one()
            if all(answer is None for answer in voter.answers):
                continue
            response_id = await new_response(session, poll_id, participant.id, voter.language)
            for question, answer in zip(stored.questions, voter.answers, strict=True):
                if answer is None:
                    continue
                if question.kind == "single":
                    assert isinstance(answer, int)
                    ids = [question.options[answer].id]
                    await replace_answer(session, response_id, question, option_ids=ids)
                elif question.kind == "multi":
                    assert isinstance(answer, tuple) and answer
                    ids = [question.options[o].id for o in sorted(answer)]
                    await replace_answer(session, response_id, question, option_ids=ids)
                else:
                    assert isinstance(answer, int)
                    await replace_answer(session, response_id, question, value_int=answer)
        await session.commit()
    return poll_id


async def _outputs(
    sessions: async_sessionmaker[AsyncSession], poll_id: int, *, one_plan: bool = False
) -> Outputs:
    """The results by language (in Turkish, Arabic and English) and by every profile
    question (in English): each asked for on its own, as staff would, or with
    ``one_plan`` from the poll's figures taken once (the product's own ``poll_figures``, as
    its callers that show several outputs do). Each output is logged as published."""
    async with sessions() as session:
        poll = await poll_with_questions(session, poll_id)
        assert poll is not None
        assembly = await session.get(Assembly, poll.assembly_id)
        assert assembly is not None
        plan: dict[str, Any] = {"audience": AUDIENCE}
        if one_plan:
            plan["figures"] = await poll_figures(session, poll, audience=AUDIENCE)
        localized = {
            language: await poll_results(session, poll, language=language, **plan)
            for language in ("tr", "ar", "en")
        }
        by_profile = {
            str(q["key"]): await results_by_profile(
                session, poll, str(q["key"]), language="en", **plan
            )
            for q in assembly.profile
        }
        await session.commit()
        assert tuple(by_profile) == PROFILE_KEYS
        return Outputs(list(poll.questions), localized["en"], by_profile, localized)


async def _check_open(
    sessions: async_sessionmaker[AsyncSession], poll_id: int, voters: Sequence[Voter]
) -> None:
    """While the poll is open, its results by language (as staff would ask for them) show only
    how many answered, rounded to the nearest 5 from the truth; every other figure waits for
    the closing (withheld), and no median shows."""
    async with sessions() as session:
        poll = await poll_with_questions(session, poll_id)
        assert poll is not None and poll.status == "open", poll_id
        results = await poll_results(session, poll, language="en", audience=AUDIENCE)
        await session.commit()
    assert results.status == "open" and results.rounding == ROUNDING, results.rounding
    answered = sum(any(a is not None for a in voter.answers) for voter in voters)
    rounded = ROUNDING * ((answered + ROUNDING // 2) // ROUNDING)
    assert results.respondents.total == (str(rounded) if rounded else WITHHELD)
    rows = [results.respondents.by_language]
    for question in results.questions:
        rows += [r.by_language for r in (question.answered, *question.rows)]
        rows += [{"total": r.total} for r in (question.answered, *question.rows)]
    assert {text for row in rows for text in row.values()} == {WITHHELD}
    assert all(q.median is None or not q.median.total for q in results.questions)


# The true counts ------------------------------------------------------------------------------


def _row_keys(question: Question) -> list[str]:
    """The rows of a question as the outputs show them, by the name the truth uses."""
    if question.kind == "single":
        return [f"option {o}" for o in range(len(question.options))]
    if question.kind == "yesno":
        return ["value 1", "value 0"]
    if question.kind == "scale":
        return [f"value {v}" for v in range(1, 6)]
    return [f"option {o}" for o in range(len(question.options))]  # multi


def _truth(
    voters: Sequence[Voter], questions: Sequence[Question], by: str
) -> dict[tuple[int, str], Counter[str]]:
    """Every true count by the columns of one breakdown: ``(-1, "respondents")``, then per
    question (0-based) its rows, "answered" and "skipped"."""
    counts: dict[tuple[int, str], Counter[str]] = {}

    def add(key: tuple[int, str], column: str) -> None:
        counts.setdefault(key, Counter())[column] += 1

    for voter in voters:
        if all(answer is None for answer in voter.answers):
            continue
        column = voter.column(by)
        add((-1, "respondents"), column)
        for number, (question, answer) in enumerate(zip(questions, voter.answers, strict=True)):
            if answer is None:
                add((number, "skipped"), column)
                continue
            add((number, "answered"), column)
            if question.kind == "single":
                add((number, f"option {answer}"), column)
            elif question.kind == "multi":
                assert isinstance(answer, tuple)
                for option in answer:
                    add((number, f"option {option}"), column)
            else:
                add((number, f"value {answer}"), column)
    return counts


def _check_figure(where: str, shown: str, truth: int) -> None:
    """A figure tells the truth, and a count from 1 to K-1 is never shown as a number."""
    if shown.isdigit():
        assert int(shown) == truth, f"{where} shows {shown}, but the count is {truth}"
        assert truth == 0 or truth >= K, f"{where} shows the small count {shown}"
    elif shown == LESS:
        assert truth < K, f"{where} reads {LESS}, but the count is {truth}"
    elif shown == "x":
        assert truth >= K, f"{where} reads x (K or more), but the count is {truth}"
    else:
        assert shown == "-", f"{where} is shown as {shown!r}"


def _check_row(
    where: str,
    total: str,
    cells: dict[str, str],
    truth: Counter[str],
    columns: Sequence[str],
    check: Callable[[str, str, int], None] = _check_figure,
) -> None:
    check(f"{where} total", total, sum(truth.values()))
    for column in columns:
        check(f"{where} [{column}]", cells[column], truth[column])


def _check_against_truth(outputs: Outputs, voters: Sequence[Voter]) -> None:
    """Every figure of every output, against the cohort's true counts."""
    _check_by_language(outputs.by_language, outputs.questions, voters)
    _check_by_profile(outputs, voters)


def _check_by_language(
    results: PollResults,
    questions: Sequence[Question],
    voters: Sequence[Voter],
    check: Callable[[str, str, int], None] = _check_figure,
) -> None:
    """Every figure of the results by language, against the cohort's true counts."""
    truth = _truth(voters, questions, "language")
    empty: Counter[str] = Counter()
    head = results.respondents
    _check_row(
        "by language: respondents",
        head.total,
        head.by_language,
        truth[-1, "respondents"],
        LANGUAGES,
        check,
    )
    for number, (question, shown) in enumerate(zip(questions, results.questions, strict=True)):
        where = f"by language: q{number + 1}"
        keys = _row_keys(question)
        assert len(shown.rows) == len(keys), where
        for key, row in zip(keys, shown.rows, strict=True):
            count = truth.get((number, key), empty)
            _check_row(f"{where} {key}", row.total, row.by_language, count, LANGUAGES, check)
        answered = truth.get((number, "answered"), empty)
        _check_row(
            f"{where} answered",
            shown.answered.total,
            shown.answered.by_language,
            answered,
            LANGUAGES,
            check,
        )
        skipped = truth.get((number, "skipped"), empty)
        if shown.not_answered is None:
            assert not skipped, f"{where}: the did-not-answer row is left out, but {skipped}"
        else:
            row = shown.not_answered
            _check_row(f"{where} skipped", row.total, row.by_language, skipped, LANGUAGES, check)


def _check_by_profile(outputs: Outputs, voters: Sequence[Voter]) -> None:
    """Every figure of every breakdown by a profile question, against the true counts."""
    questions = outputs.questions
    empty: Counter[str] = Counter()
    for by, profile in outputs.by_profile.items():
        truth = _truth(voters, questions, by)
        columns = [c.key for c in profile.columns]
        head_row = profile.respondents
        _check_row(
            f"by {by}: respondents",
            head_row.total,
            head_row.by_option,
            truth[-1, "respondents"],
            columns,
        )
        for number, (question, shown_q) in enumerate(
            zip(questions, profile.questions, strict=True)
        ):
            where = f"by {by}: q{number + 1}"
            for key, prow in zip(_row_keys(question), shown_q.rows, strict=True):
                count = truth.get((number, key), empty)
                _check_row(f"{where} {key}", prow.total, prow.by_option, count, columns)
            if shown_q.answered is not None:
                count = truth.get((number, "answered"), empty)
                _check_row(
                    f"{where} answered",
                    shown_q.answered.total,
                    shown_q.answered.by_option,
                    count,
                    columns,
                )
            skipped = truth.get((number, "skipped"), empty)
            if shown_q.not_answered is None:
                assert not skipped, f"{where}: the did-not-answer row is left out, but {skipped}"
            else:
                row_p = shown_q.not_answered
                _check_row(f"{where} skipped", row_p.total, row_p.by_option, skipped, columns)


# The results message sent at closing --------------------------------------------------------


HIDDEN_WORD = "hidden"


def _read_figure(text: str, language: str) -> str:
    """A figure of the message: a number or ``<5`` (in Western digits), or "hidden"."""
    with use_language(language):
        hidden = gettext("hidden")
    if text == hidden:
        return HIDDEN_WORD
    western = text.translate(ARABIC_DIGITS)
    assert western == LESS or western.isdigit(), f"{text!r} is not a figure"
    if western.isdigit():
        assert int(western) == 0 or int(western) >= K, f"the message shows the small count {text}"
    if language == "ar" and western == LESS:
        assert text == "<٥", text  # in the reader's digits
    return western


def _stated_as(read: str, shown: str, where: Sequence[str]) -> str:
    """A figure of the message, which must be the results' own; for the reader, "hidden" is
    what the results show (``x``: K or more, ``-``: anything), a reader who knows the rules
    reading it as well as one holding the results."""
    if read == HIDDEN_WORD:
        assert shown in ("x", "-"), (where, shown)
    else:
        assert read == shown, (where, read, shown)
    return shown


def _message_results(text: str, language: str, results: PollResults) -> PollResults:
    """What the results message states, as a table the reader can solve: the respondents and
    every row's total, nothing by language. The message leaves out "answered" and "did not
    answer"; the reader is given them where the results by language show them as numbers
    (where nobody skipped, both follow anyway). The message's figures must be the results'
    own totals."""
    with use_language(language):
        too_few = gettext("Too few answers to show.")
    blocks = [block.split("\n") for block in text.split("\n\n")]
    head, *question_blocks, _footer = blocks
    read_head = _read_figure(head[1].rsplit(": ", 1)[1], language)
    respondents = _stated_as(read_head, results.respondents.total, head)
    shown = [q for q in results.questions if q.kind != "text"]
    assert len(question_blocks) == len(shown), text
    read: dict[int, QuestionResult] = {}
    for block, question in zip(question_blocks, shown, strict=True):
        lines = block[1:]
        rows = tuple(ResultRow(r.label, "-", NOTHING) for r in question.rows)
        if lines == [too_few]:
            assert question.withheld, block
        elif question.kind != "number":
            assert len(lines) == len(question.rows), block
            rows = tuple(
                ResultRow(
                    row.label,
                    _stated_as(_read_figure(line.rsplit(": ", 1)[1], language), row.total, block),
                    NOTHING,
                )
                for line, row in zip(lines, question.rows, strict=True)
            )
        read[question.number] = dataclasses.replace(
            question,
            rows=rows,
            answered=_known(question.answered),
            not_answered=question.not_answered and _known(question.not_answered),
            median=None,
        )
    questions = tuple(
        read.get(
            q.number,
            dataclasses.replace(
                q,
                rows=(),
                answered=_known(q.answered),
                not_answered=q.not_answered and _known(q.not_answered),
            ),
        )
        for q in results.questions
    )
    return dataclasses.replace(
        results, respondents=ResultRow("respondents", respondents, NOTHING), questions=questions
    )


def _known(row: ResultRow) -> ResultRow:
    """A row the message leaves out: its total where the results show it as a number."""
    return ResultRow(row.label, row.total if row.total.isdigit() else "-", NOTHING)


async def _close(sessions: async_sessionmaker[AsyncSession], poll_id: int) -> dict[str, str]:
    """Close the poll as staff would (its figures are fixed, and the results message goes to
    those who answered); the message it sent, by language."""
    async with sessions() as session:
        poll = await poll_with_questions(session, poll_id)
        assert poll is not None
        reached = await close_poll(session, poll)
        await session.commit()
        notice = (
            await session.execute(
                select(Notice).where(Notice.kind == "results", Notice.poll_id == poll_id)
            )
        ).scalar_one()
        assert reached > 0
        return dict(notice.text)


def _check_message(texts: dict[str, str], outputs: Outputs) -> None:
    """The results message sent at closing, in each language: the results by language (the
    closed poll's fixed figures) as ``outcome_text`` writes them, and its reader (with the
    results by language in hand for what nobody skipped) pins nothing."""
    for language in ("tr", "ar", "en"):
        localized = outputs.localized[language]
        assert localized.status == "closed" and localized.rounding == 1, language
        assert texts[language] == _render(localized, language)
        read = _message_results(texts[language], language, localized)
        assert pinned_figures(outputs.questions, read, [], K) == [], texts[language]


def _render(results: PollResults, language: str) -> str:
    with use_language(language):
        return outcome_text(results)


# Helpers for the cases -------------------------------------------------------------------------


def _cell(outputs: Outputs, question: int, row: int, column: str) -> str:
    """A by-language cell (question and row 0-based; column a language, or "total")."""
    shown = outputs.by_language.questions[question].rows[row]
    return shown.total if column == "total" else shown.by_language[column]


def _pcell(outputs: Outputs, by: str, question: int, row: int, column: str) -> str:
    shown = outputs.by_profile[by].questions[question].rows[row]
    return shown.total if column == "total" else shown.by_option[column]


def _assert_nothing_pinned(outputs: Outputs) -> None:
    """The by-language output alone, with the community breakdown, and with all of them."""
    assert outputs.pinned() == []
    assert outputs.pinned("community") == []
    assert outputs.pinned(*PROFILE_KEYS) == []


def _table_before(
    results: PollResults, respondents: Sequence[str], rows: Sequence[Sequence[str]]
) -> PollResults:
    """A one-question poll's results by language with the figures shown before the fix, each
    row as (total, Turkish, Arabic, English); nobody skipped, so answered is respondents."""

    def row(label: str, figures: Sequence[str]) -> ResultRow:
        total, *cells = figures
        return ResultRow(label, total, dict(zip(("tr", "ar", "en"), cells, strict=True)))

    [question] = results.questions
    shown = tuple(row(r.label, f) for r, f in zip(question.rows, rows, strict=True))
    before = dataclasses.replace(
        question,
        rows=shown,
        answered=row("answered", respondents),
        not_answered=None,
        withheld=False,
    )
    return dataclasses.replace(
        results, respondents=row("respondents", respondents), questions=(before,)
    )


def _times(*groups: tuple[int, Voter]) -> list[Voter]:
    """The cohort: so many people of each kind."""
    return [voter for count, voter in groups for _n in range(count)]


# Case 1: one results table alone ----------------------------------------------------------------


async def test_issue21_case1a_cleaning_7_with_turkish_small_pins_nothing(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    """9 respondents, Turkish 6 and Arabic 3, one single-choice question: 7 chose Cleaning
    (Turkish 4, Arabic 3) and 2 chose Parks (both Turkish). The Turkish speakers are of the
    host community, the Arabic speakers Syrian; ages: Turkish 18-29 3, 30-44 3, Arabic 18-29
    1, 30-44 2; neighbourhood: Turkish Merkezefendi, Arabic Yeşiltepe.

    Before the fix the results by language showed "Cleaning 7" beside Turkish ``<5``: with
    Turkish 6 and 9 respondents, Turkish Cleaning had to be 4 and Arabic Cleaning 3, so every
    Arabic speaker had chosen Cleaning. Now no output, alone or with the others, pins either
    cell, nor any other hidden figure; the message sent at closing neither.
    """
    voters = _times(
        (3, Voter("tr", (0,), "host", "18-29", "merkezefendi")),
        (1, Voter("tr", (0,), "host", "30-44", "merkezefendi")),
        (2, Voter("tr", (1,), "host", "30-44", "merkezefendi")),
        (1, Voter("ar", (0,), "syrian", "18-29", "yesiltepe")),
        (2, Voter("ar", (0,), "syrian", "30-44", "yesiltepe")),
    )
    poll_id = await _build(sessions, cipher, "case-1a", [SERVICES], voters, 100)
    await _check_open(sessions, poll_id, voters)
    texts = await _close(sessions, poll_id)
    outputs = await _outputs(sessions, poll_id)
    _check_against_truth(outputs, voters)
    # The two cells that were given away are not shown as numbers, and nothing pins them.
    assert not _cell(outputs, 0, 0, "tr").isdigit() and not _cell(outputs, 0, 0, "ar").isdigit()
    assert not _pcell(outputs, "community", 0, 0, "syrian").isdigit()
    _assert_nothing_pinned(outputs)
    _check_message(texts, outputs)
    # The table as it was (English shown as 0): the reader finds both cells, so it would
    # have caught the leak.
    before = _table_before(
        outputs.by_language,
        ("9", "6", LESS, "0"),
        [("7", LESS, LESS, "0"), (LESS, LESS, "0", "0"), ("0", "0", "0", "0")],
    )
    found = pinned_figures(outputs.questions, before, [], K)
    assert {"by language: q1 row 0 [tr] = 4", "by language: q1 row 0 [ar] = 3"} <= set(found)


async def test_issue21_case1b_all_5_said_yes_pins_nothing(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    """5 respondents (Turkish 3, host community; Arabic 2, Syrian; ages 18-29 2, 30-44 2,
    45-64 1), one yes/no question: all 5 said Yes.

    Before the fix the results showed Yes ``x``, No ``<5``, answered ``x`` beside 5
    respondents, so Yes was 5 and No 0; the message sent at closing said "People who
    answered: 5 … Yes: hidden · No: <5", which says the same. Now nothing pins Yes or No, in
    any output or in the message (read in Turkish, Arabic and English).
    """
    voters = _times(
        (2, Voter("tr", (1,), "host", "18-29", "seyitnizam")),
        (1, Voter("tr", (1,), "host", "45-64", "seyitnizam")),
        (2, Voter("ar", (1,), "syrian", "30-44", "yesiltepe")),
    )
    poll_id = await _build(sessions, cipher, "case-1b", [USED_SERVICE], voters, 200)
    await _check_open(sessions, poll_id, voters)
    texts = await _close(sessions, poll_id)
    outputs = await _outputs(sessions, poll_id)
    _check_against_truth(outputs, voters)
    assert not _cell(outputs, 0, 1, "total").isdigit() or _cell(outputs, 0, 1, "total") == "0"
    _assert_nothing_pinned(outputs)
    _check_message(texts, outputs)
    before = ("People who answered: 5", "• Yes: hidden", "• No: <5")  # the message that leaked
    assert not all(line in texts["en"].split("\n") for line in before), texts["en"]
    # The message as it was, read with "hidden" as x (K or more, beside a small count): the
    # reader finds Yes 5 and No 0, so it would have caught the leak.
    nothing = ("-", "-", "-")
    message = _table_before(
        outputs.by_language, ("5", *nothing), [("x", *nothing), (LESS, *nothing)]
    )
    found = pinned_figures(outputs.questions, message, [], K)
    assert {"q1 row 0 total = 5", "q1 row 1 total = 0"} <= set(found)


# Case 1c: random small polls ----------------------------------------------------------------------

RANDOM_POLLS = 20  # on each backend, different cohorts: 40 in a run on SQLite and PostgreSQL
EVERY_BREAKDOWN = 5  # every 5th poll is also solved with all three profile breakdowns
SEEDS = {"sqlite": 21_000, "postgres": 21_000 + RANDOM_POLLS}
HOME = {"tr": "host", "ar": "syrian", "en": "other"}


def _random_answer(rng: random.Random, kind: str) -> Answer:
    if rng.random() < 0.1:
        return None
    if kind == "single":
        return rng.choices(range(3), weights=(6, 3, 1))[0]
    if kind == "yesno":
        return rng.choices((1, 0), weights=(3, 1))[0]
    if kind == "scale":
        return rng.choices(range(1, 6), weights=(1, 1, 2, 3, 4))[0]
    chosen = tuple(o for o, p in enumerate((0.7, 0.4, 0.2)) if rng.random() < p)
    return chosen or (0,)


def _random_cohort(rng: random.Random) -> tuple[list[tuple[str, Sequence[str]]], list[Voter]]:
    """2 or 3 questions of the kinds single, yes/no, scale, multi; 5 to 15 respondents, mostly
    Turkish or Arabic, their community mostly their language's, some not saying or unknown."""
    kinds = rng.sample(("single", "yesno", "scale", "multi"), rng.randint(2, 3))
    questions: list[tuple[str, Sequence[str]]] = [
        (kind, SERVICES[1] if kind in ("single", "multi") else ()) for kind in kinds
    ]
    voters = []
    for _n in range(rng.randint(5, 15)):
        language = rng.choices(LANGUAGES, weights=(5, 4, 1))[0]
        community = rng.choices(
            (HOME[language], rng.choice(("host", "syrian", "other")), "", None),
            weights=(7, 1, 1, 1),
        )[0]
        age = rng.choice((*AGES, None))
        place = rng.choice((*PLACES, "", None))
        answers = tuple(_random_answer(rng, kind) for kind in kinds)
        if all(answer is None for answer in answers):
            answers = (_random_answer(random.Random(0), kinds[0]), *answers[1:])
        voters.append(Voter(language, answers, community, age, place))
    return questions, voters


async def test_issue21_case1c_40_random_small_polls_pin_nothing(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str, backend: str
) -> None:
    """40 random small polls in a run, 20 on each backend (seeds 21000-21019 on SQLite,
    21020-21039 on PostgreSQL): 5 to 15 respondents, 2 or 3 questions of the kinds single,
    yes/no, scale and multi, random languages and profiles (``_random_cohort``).

    Before the fix, in 11 of 40 such polls the results by language alone pinned a hidden
    count, and in 34 of 40 with the breakdown by community added. Now none does: each poll is
    closed as staff close it (its figures fixed, the results message sent), and the reader
    solves its results by language alone, then with the community breakdown, and (every 5th
    poll, to stay within two minutes a backend) with all three profile breakdowns; it also
    solves the results message sent at closing, which must be the results by language as
    ``outcome_text`` writes them. Every figure is the true count or honestly hidden. All
    polls are checked before anything is reported.
    """
    failures: list[str] = []
    started = time.monotonic()
    for number in range(RANDOM_POLLS):
        seed = SEEDS[backend] + number
        questions, voters = _random_cohort(random.Random(seed))
        slug = f"random-{seed}"
        poll_id = await _build(sessions, cipher, slug, questions, voters, 1000 + 100 * number)
        texts = await _close(sessions, poll_id)
        outputs = await _outputs(sessions, poll_id, one_plan=True)
        try:
            _check_against_truth(outputs, voters)
        except AssertionError as error:
            failures.append(f"{slug}: {error}")
        readers: list[tuple[str, ...]] = [(), ("community",)]
        if number % EVERY_BREAKDOWN == 0:
            readers.append(PROFILE_KEYS)
        for keys in readers:
            if found := outputs.pinned(*keys):
                failures.append(f"{slug}, by language and by {keys or 'nothing else'}: {found}")
        for language, results in outputs.localized.items():
            if texts[language] != _render(results, language):
                failures.append(f"{slug}, the results message in {language}: {texts[language]!r}")
        read = {
            language: _message_results(texts[language], language, results)
            for language, results in outputs.localized.items()
        }
        # The message states the same figures in every language: one reading solves them all.
        assert _stated(read["tr"]) == _stated(read["ar"]) == _stated(read["en"]), slug
        if found := pinned_figures(outputs.questions, read["en"], [], K):
            failures.append(f"{slug}, the results message: {found}")
    elapsed = time.monotonic() - started
    assert failures == [], f"{len(failures)} failures in {RANDOM_POLLS} polls ({elapsed:.0f} s)"


def _stated(results: PollResults) -> list[str]:
    """Every figure of a table read from the message, in order."""
    rows = [results.respondents]
    for question in results.questions:
        rows += [*question.rows, question.answered]
        rows += [question.not_answered] if question.not_answered else []
    return [text for row in rows for text in (row.total, *row.by_language.values())]


# Case 2: two breakdowns of one poll -----------------------------------------------------------


async def test_issue21_case2a_skipped_2_of_29_is_not_recoverable(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    """29 respondents (Turkish 14, host community; Arabic 11, Syrian but 1 who prefers not to
    say; English 4, other), two questions. Question 1 (single) was answered by all 29:
    Cleaning 15, Parks 9, Transport 5. Question 2 (yes/no) by 27: Yes 17, No 10; 2 skipped it
    (1 Turkish, 1 Arabic). Ages and neighbourhoods are spread (see the cohort).

    Before the fix the ``--by`` profile tables showed "did not answer" as ``<5`` while the
    results by language showed 29 respondents and 27 answered, so 29 − 27 = 2 skipped. Now
    the skipped count (and every other hidden figure) is not recoverable from all outputs
    together.
    """
    voters = _times(
        # Turkish 14: Cleaning 8, Parks 4, Transport 2; Yes 9, No 4, skipped 1
        (4, Voter("tr", (0, 1), "host", "18-29", "merkezefendi")),
        (2, Voter("tr", (0, 1), "host", "30-44", "seyitnizam")),
        (2, Voter("tr", (0, 0), "host", "45-64", "merkezefendi")),
        (3, Voter("tr", (1, 1), "host", "30-44", "seyitnizam")),
        (1, Voter("tr", (1, None), "host", "65+", "merkezefendi")),
        (2, Voter("tr", (2, 0), "host", "18-29", "yesiltepe")),
        # Arabic 11: Cleaning 5, Parks 4, Transport 2; Yes 6, No 4, skipped 1
        (3, Voter("ar", (0, 1), "syrian", "18-29", "yesiltepe")),
        (1, Voter("ar", (0, 0), "syrian", "30-44", "yesiltepe")),
        (1, Voter("ar", (0, 0), "", "30-44", None)),
        (2, Voter("ar", (1, 1), "syrian", "45-64", "seyitnizam")),
        (1, Voter("ar", (1, None), "syrian", "18-29", "yesiltepe")),
        (1, Voter("ar", (1, 0), "syrian", "65+", "yesiltepe")),
        (1, Voter("ar", (2, 1), "syrian", "30-44", "merkezefendi")),
        (1, Voter("ar", (2, 0), "syrian", "18-29", "yesiltepe")),
        # English 4: Cleaning 2, Parks 1, Transport 1; Yes 2, No 2
        (2, Voter("en", (0, 1), "other", "30-44", "merkezefendi")),
        (1, Voter("en", (1, 0), "other", None, "")),
        (1, Voter("en", (2, 0), "other", "45-64", "seyitnizam")),
    )
    assert len(voters) == 29
    assert sum(v.answers[1] is None for v in voters) == 2
    assert Counter(v.answers[0] for v in voters) == Counter({0: 15, 1: 9, 2: 5})
    assert Counter(v.answers[1] for v in voters) == Counter({1: 17, 0: 10, None: 2})
    poll_id = await _build(sessions, cipher, "case-2a", [SERVICES, USED_SERVICE], voters, 300)
    await _check_open(sessions, poll_id, voters)
    texts = await _close(sessions, poll_id)
    outputs = await _outputs(sessions, poll_id)
    _check_against_truth(outputs, voters)
    skipped = outputs.by_language.questions[1].not_answered
    assert skipped is not None and not skipped.total.isdigit()
    for by in PROFILE_KEYS:
        row = outputs.by_profile[by].questions[1].not_answered
        assert row is not None and not row.total.isdigit()
    pinned = outputs.pinned(*PROFILE_KEYS)
    assert not [p for p in pinned if p.startswith("q2 skipped total")]  # was 29 - 27 = 2
    assert pinned == []
    assert outputs.pinned() == [] and outputs.pinned("community") == []
    _check_message(texts, outputs)


async def test_issue21_case2b_cleaning_7_by_age_where_community_hides_it_pins_nothing(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    """13 respondents: 9 Turkish of the host community, 4 Arabic, Syrian. One single-choice
    question: Cleaning 7 (host 3, Syrian 4: every Syrian), Parks 6 (all host). Ages: host
    Cleaning 18-29 2, 30-44 1; host Parks 30-44 3, 45-64 3; Syrian Cleaning 18-29 3, 45-64 1.
    So by age: 18-29 5 (Cleaning 5), 30-44 4 (Cleaning 1, Parks 3), 45-64 4 (Cleaning 1,
    Parks 3).

    Before the fix ``--by age_band`` showed "Cleaning 7" where ``--by community`` hid it:
    with the community table's Syrian column at most 4 (``<5``) and Parks all host, the host
    Cleaning count (3) followed, and that every Syrian had chosen Cleaning. Now neither the
    host nor the Syrian Cleaning cell (nor any other hidden figure) is recoverable.
    """
    voters = _times(
        (2, Voter("tr", (0,), "host", "18-29", "merkezefendi")),
        (1, Voter("tr", (0,), "host", "30-44", "merkezefendi")),
        (3, Voter("tr", (1,), "host", "30-44", "seyitnizam")),
        (3, Voter("tr", (1,), "host", "45-64", "merkezefendi")),
        (3, Voter("ar", (0,), "syrian", "18-29", "yesiltepe")),
        (1, Voter("ar", (0,), "syrian", "45-64", "yesiltepe")),
    )
    poll_id = await _build(sessions, cipher, "case-2b", [SERVICES], voters, 400)
    await _check_open(sessions, poll_id, voters)
    texts = await _close(sessions, poll_id)
    outputs = await _outputs(sessions, poll_id)
    _check_against_truth(outputs, voters)
    assert not _pcell(outputs, "community", 0, 0, "host").isdigit()
    assert not _pcell(outputs, "community", 0, 0, "syrian").isdigit()
    _assert_nothing_pinned(outputs)
    _check_message(texts, outputs)
