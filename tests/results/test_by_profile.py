"""Results by a profile question: the cohort fills the profile through the core, then answers.

Community answers: the six Arabic speakers who stay are Syrian but one, who prefers not to
say; the one who erases themselves afterwards lands in "no answer"; the six Turkish speakers
(one of whom answers only the first question) are of the host community; the two English
speakers are "other" and "prefer not to say". So host 6, Syrian 5, other 1, declined 2, no
answer 1: fifteen respondents.
"""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.telegram.render import split_text
from handlers.i18n.core import use_language
from handlers.i18n.lazy import render
from handlers.results.by_language import ResultsError
from handlers.results.by_profile import (
    ProfileResults,
    ProfileRow,
    UnknownProfileKeyError,
    results_by_profile,
)
from handlers.results.disclosure import DECLINED
from storage.crypto import AddressCipher
from storage.models import Assembly, Municipality, Poll
from storage.staff import MUNICIPAL
from storage.tallies import NO_ANSWER
from tests.support.chat import Chat
from tests.support.cli import reslog_all
from tests.support.closing import close_as_facilitator, close_unfixed
from tests.support.cohort import COHORT, SECRET_WORDS, answer_demo_poll
from tests.support.disclosure_reader import pinned_in_outputs
from tests.support.staff import add_staff

COMMUNITY = (1, 1, 1, 1, 1, -1, 1, 0, 0, 0, 0, 0, 0, 2, -1)
AGE = (0, 0, 1, 1, 2, 3, 1, 0, 1, 1, 2, 2, 3, 0, -1)
KEYS = ["host", "syrian", "other", DECLINED, NO_ANSWER]
FACILITATOR = "860001"


@pytest.fixture
async def answered(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> Poll:
    """The demo poll, answered by the cohort with their profile filled."""
    cohort = tuple(
        dataclasses.replace(person, profile=(community, age, -1))
        for person, community, age in zip(COHORT, COMMUNITY, AGE, strict=True)
    )
    await answer_demo_poll(sessions, cipher, demo, cohort)
    async with sessions() as session:
        poll = (await session.execute(select(Poll))).scalar_one()
    await add_staff(sessions, cipher, FACILITATOR, assembly_id=poll.assembly_id)
    return poll


async def _set_k(sessions: async_sessionmaker[AsyncSession], k: int) -> None:
    async with sessions() as session:
        await session.execute(update(Municipality).values(suppression_k=k))
        await session.commit()


async def _by(
    sessions: async_sessionmaker[AsyncSession], poll: Poll, key: str, language: str = "en"
) -> ProfileResults:
    async with sessions() as session:
        return await results_by_profile(session, poll, key, language=language)


def _cells(row: ProfileRow | None) -> list[str]:
    assert row is not None
    return [row.label, row.total, *(row.by_option[key] for key in KEYS)]


def _shown(results: ProfileResults) -> list[int]:
    rows = [results.respondents]
    for question in results.questions:
        rows += [*question.rows, *(r for r in (question.answered, question.not_answered) if r)]
    return [int(t) for row in rows for t in (row.total, *row.by_option.values()) if t.isdigit()]


async def _exact_where_k_lets_them_show(
    sessions: async_sessionmaker[AsyncSession], answered: Poll
) -> None:
    await _set_k(sessions, 2)
    results = await _by(sessions, answered, "community")
    assert [c.key for c in results.columns] == KEYS
    assert [c.label for c in results.columns] == [
        "Host community",
        "Syrian",
        "Other",
        "prefer not to say",
        "no answer",
    ]
    assert results.question == "Which community do you belong to?"
    # other 1 and no answer 1 are under K; whatever else is hidden beside them, every shown
    # number is at least K and nothing hidden follows from all the outputs together.
    respondents = _cells(results.respondents)
    assert respondents[1] == "15" and respondents[4] == respondents[6] == "<2"
    single, _multi, scale, _yesno, _number, _text = results.questions
    assert single.not_answered is None  # everyone answered the first question
    assert single.answered == results.respondents
    assert _cells(scale.not_answered) == ["did not answer"] + ["<2"] * 6
    assert all(n >= 2 for n in _shown(results))
    assert await pinned_in_outputs(sessions, answered.id) == []


async def _small_counts_and_their_partners_are_hidden_at_k(
    sessions: async_sessionmaker[AsyncSession], answered: Poll
) -> None:
    await _set_k(sessions, 5)
    results = await _by(sessions, answered, "community")
    assert results.k == 5
    respondents = _cells(results.respondents)
    assert respondents[1] == "15" and respondents[4:] == ["<5", "<5", "<5"]
    assert all(n >= 5 for n in _shown(results))
    assert await pinned_in_outputs(sessions, answered.id) == []
    # The second breakdown: by age, the labels of its options, no answer for the erased one.
    ages = await _by(sessions, answered, "age_band", "ar")
    assert [c.label for c in ages.columns][:2] == ["١٨–٢٩", "٣٠–٤٤"]
    assert ages.respondents.total == "15"
    assert all(n >= 5 for n in _shown(ages))
    words = [person.text for person in COHORT if person.text]
    dumped = json.dumps(dataclasses.asdict(ages), ensure_ascii=False)
    assert not [w for w in words if w in dumped] and SECRET_WORDS in words


async def _an_unknown_key_is_a_clear_error_in_every_language(
    sessions: async_sessionmaker[AsyncSession], answered: Poll
) -> None:
    with pytest.raises(UnknownProfileKeyError) as raised:
        await _by(sessions, answered, "religion")
    assert str(raised.value) == (
        "assembly ZEYTINBURNU has no profile question 'religion'; "
        "its profile questions: community, age_band, neighbourhood"
    )
    assert isinstance(raised.value, ResultsError)
    with use_language("tr"):
        assert render(raised.value.message).startswith(
            "\u2068religion\u2069 adlı bir profil sorusu yok. Profil soruları:\n"
            "• \u2068community\u2069: Kendinizi hangi toplulukta görüyorsunuz?"
        )


async def test_results_by_profile_count_each_person_once_and_show_only_safe_figures(
    sessions: async_sessionmaker[AsyncSession], answered: Poll
) -> None:
    """One cohort, several checks (answering through the core takes a few seconds), on exact
    figures: the poll is closed (an open poll's are rounded, tests/results/test_published_figures.py)."""
    await close_unfixed(sessions, answered)
    await _exact_where_k_lets_them_show(sessions, answered)
    await _small_counts_and_their_partners_are_hidden_at_k(sessions, answered)
    await _an_unknown_key_is_a_clear_error_in_every_language(sessions, answered)


async def test_staff_break_results_down_in_chat_and_are_told_what_exists(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    answered: Poll,
    demo: str,
) -> None:
    await _set_k(sessions, 2)
    await close_unfixed(sessions, answered)  # exact figures, fixed at K 2 by the first /results
    turkish = Chat(sessions, cipher, FACILITATOR, client_language="tr")
    await turkish.say("/results")
    assert turkish.text.startswith("\u2068Mahallemizde hizmetler 2026\u2069 (kapalı)")
    assert turkish.text.endswith(
        "Yalnızca bir anket için: /results ANKET; bir profil sorusuna göre dağılım için: "
        "/results ANKET SORU. Profil soruları:\n"
        "• \u2068community\u2069: Kendinizi hangi toplulukta görüyorsunuz?\n"
        "• \u2068age_band\u2069: Yaş grubunuz?\n"
        "• \u2068neighbourhood\u2069: Hangi mahallede yaşıyorsunuz?"
    )
    await turkish.say("/results services-2026 community")
    text = turkish.text
    assert "Dağılım: \u2068Kendinizi hangi toplulukta görüyorsunuz?\u2069" in text
    assert "Yanıtlayan kişi sayısı: 15 (\u2068Yerel halk\u2069 " in text
    assert "\u2068Diğer\u2069 <2 · " in text and "\u2068yanıt yok\u2069 <2)" in text
    assert "• Bu soruyu yanıtlamadı: <2" in text
    assert SECRET_WORDS not in text and "Bins" not in text
    await turkish.say(f"/results {demo.lower()}/services-2026")
    assert "(\u2068Türkçe\u2069" in turkish.text  # by language, the default
    arabic = Chat(sessions, cipher, FACILITATOR, client_language="ar")
    await arabic.say("/results services-2026 community")
    assert "١٥ (\u2068المجتمع المضيف\u2069 " in arabic.text  # Arabic-Indic digits
    assert "\u2068غير ذلك\u2069 <٢ · " in arabic.text
    await arabic.say("/results services-2026 religion")
    assert arabic.text.startswith("لا يوجد سؤال في الملف الشخصي باسم \u2068religion\u2069.")
    assert "• \u2068age_band\u2069: ما فئتك العمرية؟" in arabic.text
    await arabic.say("/results services-2099")
    assert arabic.text == (
        "لا يوجد استطلاع باسم \u2068services-2099\u2069. الاستطلاعات هي:\n"
        "• \u2068services-2026\u2069: \u2068الخدمات في حيّنا 2026\u2069"
    )
    await arabic.say("/results a b c")
    assert arabic.text == "اكتب /results أو /results الاستطلاع أو /results الاستطلاع السؤال."
    resident = Chat(sessions, cipher, "7003", client_language="tr")  # answered in Arabic
    await resident.say("/results services-2026 community")
    assert resident.text == "هذا الأمر مخصّص لميسّري المجلس."


async def test_the_same_slug_in_two_assemblies_needs_the_assemblys_code(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, answered: Poll
) -> None:
    async with sessions() as session:
        demo = await session.get(Assembly, answered.assembly_id)
        assert demo is not None
        other = Assembly(
            municipality_id=demo.municipality_id,
            join_code="MERKEZ",
            name={"tr": "Merkez", "ar": "المركز", "en": "Centre"},
            languages=["tr", "ar", "en"],
            profile=[],
        )
        session.add(other)
        await session.flush()
        session.add(
            Poll(
                assembly_id=other.id,
                slug=answered.slug,
                title={"tr": "T", "ar": "ت", "en": "T"},
                status="closed",
            )
        )
        await session.commit()
    await add_staff(sessions, cipher, "860002", MUNICIPAL, municipality_id=demo.municipality_id)
    municipal = Chat(sessions, cipher, "860002", client_language="en")
    await municipal.say("/results services-2026")
    assert municipal.text == (
        "Several of your assemblies have a poll \u2068services-2026\u2069. "
        "Write it with the assembly's code:\n"
        "• \u2068ZEYTINBURNU/services-2026\u2069\n• \u2068MERKEZ/services-2026\u2069"
    )
    await municipal.say("/results merkez/services-2026 community")
    assert municipal.text == "This assembly has no profile questions to break results down by."
    await municipal.say("/results ZEYTINBURNU/services-2026 community")
    assert municipal.text.startswith("\u2068Services in our neighbourhood 2026\u2069 (open)")
    assert "Broken down by: \u2068Which community do you belong to?\u2069" in municipal.text


async def test_reslog_results_by_a_profile_question(
    cli_env: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    answered: Poll,
    demo: str,
) -> None:
    await close_as_facilitator(sessions, answered.id)
    table, as_json, by_language, unknown = await reslog_all(
        cli_env,
        [
            ["results", demo, "services-2026", "--by", "community", "--language", "en"],
            ["results", demo, "services-2026", "--by", "community", "--json"],
            ["results", demo, "services-2026", "--by", "language", "--language", "en"],
            ["results", demo, "services-2026", "--by", "religion"],
        ],
    )
    text = table.ok()
    assert text.startswith("Services in our neighbourhood 2026 (services-2026, closed)\n")
    assert "by community: Which community do you belong to?" in text
    assert re.search(r"\s+total\s+host\s+syrian\s+other\s+\(declined\)\s+\(no answer\)\n", text)
    assert re.search(r"respondents\s+15\s+\S+\s+\S+\s+<5\s+<5\s+<5\n", text)
    assert re.search(r"Turkish course\s+(7|-)\s", text)
    shown = [
        int(cell)
        for line in text.splitlines()
        for cell in re.split(r"\s{2,}", line.strip())[1:]
        if cell.isdigit() and not line.startswith(("median", "5. ", "by "))
    ]
    assert shown and min(shown) >= 5
    results = json.loads(as_json.ok())
    assert results["by"] == "community"
    respondents = results["respondents"]["by_option"]
    assert respondents["other"] == respondents[DECLINED] == respondents[NO_ANSWER] == "<5"
    assert respondents["host"] in ("6", "x") and respondents["syrian"] in ("5", "x")
    assert re.search(r"respondents\s+15\s+x\s+7\s+<5\n", by_language.ok())
    unknown.refused("assembly ZEYTINBURNU has no profile question 'religion'", "community")


def test_long_results_are_split_under_telegrams_limit_without_cutting_a_line() -> None:
    lines = [f"• option {n}: " + "x" * 90 for n in range(100)]
    messages = split_text("\n".join(lines))  # how Telegram sends one long message
    assert len(messages) == 3
    assert all(len(m) <= 4096 for m in messages)
    assert "\n".join(messages).splitlines() == lines
