"""A municipality's digest from the digest cohort: the numbers, the suppression, the scrubbing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.digests.content import municipality_digest
from handlers.digests.report import MunicipalityDigest
from handlers.privacy.suppression import HIDDEN, WITHHELD, CountTable, SafeTable
from handlers.results.by_language import ResultsError
from tests.privacy.test_suppression import _hidden_targets, _Reader
from tests.support.digest_cohort import (
    EMAILS,
    FOREIGNER_NUMBER,
    INVITATION_ARABIC,
    PHONE,
    TC_NUMBER,
    DigestCohort,
    add_assembly,
    add_municipality,
    build_digest_cohort,
    cohort_period,
)

NOW = datetime(2026, 11, 10, 6, 0, tzinfo=UTC)


async def digest_of(
    sessions: async_sessionmaker[AsyncSession], language: str = "tr", k: int | None = None
) -> tuple[DigestCohort, MunicipalityDigest]:
    """The cohort written, and its digest for the cohort's week."""
    async with sessions() as session:
        cohort = await build_digest_cohort(session)
        await session.commit()
        digest = await municipality_digest(
            session, cohort.municipality, cohort.period, language=language, now=NOW, k=k
        )
    return cohort, digest


def shown_numbers(table: SafeTable) -> list[int]:
    """Every figure of a table shown as a number."""
    texts = [t for row in table.cells for t in row] + list(table.row_totals)
    texts += [*(table.column_totals or ()), table.grand_total or WITHHELD]
    return [int(t) for t in texts if t.isdigit()]


def assert_nothing_recomputable(shown: SafeTable, counts: tuple[tuple[int, ...], ...]) -> None:
    """No hidden entry of the table follows from what it shows (brute force over every table)."""
    truth = CountTable(shown.row_labels, shown.column_labels, counts)
    reader = _Reader(shown, truth, cap=sum(map(sum, counts)) + shown.k)
    for target in _hidden_targets(shown):
        assert reader.another_table_changes(target), target


async def test_new_members_are_counted_per_person_by_community_and_language(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    cohort, digest = await digest_of(sessions)
    joined = digest.members.joined
    assert joined.row_labels == ("Yerel halk", "Suriyeli", "belirtmek istemiyor", "yanıt yok")
    assert joined.column_labels == ("Türkçe", "Arapça", "İngilizce")
    assert joined.cells[0][0] == str(cohort.new_members["host", "tr"]) == "18"
    assert joined.cells[1][1] == str(cohort.new_members["syrian", "ar"]) == "15"
    assert joined.row_totals[:2] == ("20", "18")
    assert joined.grand_total == str(sum(cohort.new_members.values())) == "43"
    assert digest.members.previous.grand_total == str(sum(cohort.previous_members.values()))
    assert digest.members.new_members.current == "43"
    assert digest.members.new_members.previous == "15"
    assert digest.members.new_members.change == 28
    assert cohort.total_members == 69
    assert digest.members.total_members == "65"  # rounded down to a multiple of K
    assert digest.members.community_question == "Kendinizi hangi toplulukta görüyorsunuz?"
    assert not digest.empty and digest.k == 5 and digest.name == "Zeytinburnu Belediyesi"


async def test_small_cells_read_under_k_and_complementary_cells_hide_the_rest(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    cohort, digest = await digest_of(sessions)
    joined = digest.members.joined
    assert joined.cells[1][0] == "<5"  # three Syrians who speak Turkish
    assert joined.cells[2] == ("<5", "<5", "<5")
    assert HIDDEN in (joined.column_totals or ())  # Arabic speakers: would give the small ones away
    for table in (joined, digest.members.previous):
        assert all(number >= 5 for number in shown_numbers(table))
    counts = tuple(
        tuple(cohort.new_members.get((key, lang), 0) for lang in ("tr", "ar", "en"))
        for key in ("host", "syrian", "", None)
    )
    assert_nothing_recomputable(joined, counts)


async def test_polls_open_in_the_period_come_with_results_by_language_and_profile(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    cohort, digest = await digest_of(sessions)
    assert tuple(poll.slug for poll in digest.polls) == cohort.poll_slugs
    services = digest.polls[0]
    assert services.by_language.respondents.total == "30"
    parks = services.by_language.questions[0].rows[0]
    assert (parks.label, parks.total, parks.by_language["tr"]) == ("parks", "13", "8")
    assert [profile.by for profile in services.by_profile] == ["community", "age_band"]
    assert services.by_profile[0].respondents.total == "30"
    assert services.assembly == "ZEYTA Meclisi" and services.title == "Anket services"


async def test_a_poll_with_a_single_respondent_shows_no_count(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    _cohort, digest = await digest_of(sessions)
    single = digest.polls[1]
    results = single.by_language
    figures = [results.respondents.total, *results.respondents.by_language.values()]
    for question in results.questions:
        for row in (question.answered, *question.rows):
            figures += [row.total, *row.by_language.values()]
    for profile in single.by_profile:
        figures += [profile.respondents.total, *profile.respondents.by_option.values()]
    assert figures and not [f for f in figures if f.isdigit()]
    # Open, with one answer: nothing is shown until it closes (closed, it would read <5).
    assert single.status == "open" and set(figures) == {"-"}


async def test_feedback_is_scrubbed_grouped_by_assembly_and_kept_in_its_language(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    cohort, digest = await digest_of(sessions)
    assert [(f.join_code, len(f.items)) for f in digest.feedback] == [("ZEYTA", 2), ("ZEYTB", 1)]
    first, second = digest.feedback
    assert [item.language for item in first.items] == ["tr", "ar"]
    assert first.items[0].received_at < first.items[1].received_at
    assert (first.previous_count, second.previous_count) == ("6", "<5")
    texts = [item.text for section in digest.feedback for item in section.items]
    for secret in (PHONE, *EMAILS, TC_NUMBER, FOREIGNER_NUMBER, "532"):
        assert not any(secret in text for text in texts), secret
    assert not any(re.search(r"\d{7,}", text) for text in texts)
    assert "[telefon]" in texts[0] and "[e-posta]" in texts[0]
    assert "[kimlik numarası]" in texts[0] and "[kimlik numarası]" in texts[1]
    assert texts[1].startswith("نحتاج حافلات أكثر")
    assert texts[2] == "More buses please, write to me at [e-posta]"
    assert cohort.feedback_texts[0] != texts[0]


async def test_notices_show_their_first_words_and_a_suppressed_reach(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    cohort, digest = await digest_of(sessions)
    first, second = digest.notices.notices
    assert first.summary.startswith("Salı akşamı") and len(first.summary) <= 80
    assert first.summary.endswith("…")
    assert second.summary == INVITATION_ARABIC  # it has no Turkish text: the language it has
    assert (first.kind, second.kind) == ("notice", "invitation")
    reach = digest.notices.reach
    assert reach is not None
    assert reach.column_labels == ("teslim edildi", "başarısız", "engellendi", "bekliyor")
    assert reach.row_totals == ("20", "6")
    assert reach.column_totals == ("18", "<5", "<5", "<5")
    assert reach.grand_total == "26"
    assert reach.cells[0][1:] == ("<5", "<5", "<5")
    counts = tuple(tuple(r.values()) for r in cohort.notice_reach)
    assert_nothing_recomputable(reach, counts)


async def test_the_digest_speaks_arabic_when_asked(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    _cohort, digest = await digest_of(sessions, language="ar")
    assert digest.members.joined.column_labels == ("التركية", "العربية", "الإنجليزية")
    assert digest.members.joined.row_labels[0] == "المجتمع المضيف"
    assert digest.notices.notices[0].summary.startswith("سيُعقد اجتماع")
    marked = digest.feedback[0].items[0].text
    assert "[هاتف]" in marked and "[بريد إلكتروني]" in marked and "[رقم هوية]" in marked
    assert digest.name == "بلدية Zeytinburnu"


async def test_k_can_be_raised_but_never_lowered(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    _cohort, digest = await digest_of(sessions, k=16)
    assert digest.k == 16
    assert digest.members.joined.cells[1][1] == "<16"
    assert digest.members.joined.cells[0][0] == "18"
    async with sessions() as session:
        municipality = await add_municipality(session, "other", "Other", k=5)
        with pytest.raises(ResultsError, match="can only be raised"):
            await municipality_digest(
                session, municipality, cohort_period(), language="tr", now=NOW, k=3
            )


async def test_a_municipality_with_nothing_in_the_period_has_an_empty_digest(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    period = cohort_period()
    async with sessions() as session:
        municipality = await add_municipality(session, "sessiz", "Sessiz")
        await add_assembly(session, municipality, "SESSIZ", [], period.start - timedelta(days=40))
        await session.commit()
        digest = await municipality_digest(session, municipality, period, language="en", now=NOW)
    assert digest.empty
    assert digest.polls == () and digest.feedback == ()
    assert digest.notices.notices == () and digest.notices.reach is None
    assert digest.members.community_question is None
    assert digest.members.joined.row_labels == ("everyone",)
    assert digest.members.joined.grand_total == "<5"
    assert digest.members.new_members.change is None


async def test_an_unknown_language_is_refused(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        municipality = await add_municipality(session, "dil", "Dil")
        with pytest.raises(ResultsError, match="language 'de'"):
            await municipality_digest(
                session, municipality, cohort_period(), language="de", now=NOW
            )
