"""Digests built from counts, for the tests of the digest's formats.

Every figure goes through ``handlers.privacy.suppression`` (and ``suppress_linked`` for the profile
breakdown), exactly as the digest's SQL side does, so the samples hold only what a real digest
could show: these builders stand in for the database, not for the suppression.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from handlers.digests.period import days_before
from handlers.digests.report import (
    AssemblyFeedback,
    Change,
    FeedbackItem,
    MembersSection,
    MunicipalityDigest,
    NoticeLine,
    NoticesSection,
    PollSection,
    RollupDigest,
)
from handlers.i18n.core import LANGUAGES
from handlers.privacy.linked import suppress_linked
from handlers.privacy.suppression import CountTable, SafeTable, suppress, suppress_counts
from handlers.results.by_language import PollResults, QuestionResult, ResultRow
from handlers.results.by_profile import (
    ProfileColumn,
    ProfileQuestionResult,
    ProfileResults,
    ProfileRow,
)

K = 5
GENERATED = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
TIMEZONE = "Europe/Istanbul"
Rows = Sequence[tuple[str, Sequence[int]]]

LABELS: dict[str, dict[str, str]] = {
    "tr": {
        "host": "Yerel halk",
        "syrian": "Suriyeli",
        "declined": "söylemek istemiyorum",
        "none": "cevap yok",
        "park": "Park",
        "transport": "Ulaşım",
        "health": "Sağlık",
        "yes": "Evet",
        "no": "Hayır",
        "poll": "Mahalle önceliklerimiz",
        "quiet": "Kütüphane saatleri",
        "q1": "Mahallede en çok neye ihtiyaç var?",
        "q2": "Mahallede kendinizi güvende hissediyor musunuz?",
        "q3": "Hizmetlerden ne kadar memnunsunuz?",
        "q4": "Kütüphane akşam açık olsun mu?",
        "community": "Hangi topluluktansınız?",
        "notice": "Cumartesi günü parkta toplantı var",
    },
    "ar": {
        "host": "المجتمع المضيف",
        "syrian": "سوري",
        "declined": "أفضّل عدم القول",
        "none": "بلا إجابة",
        "park": "حديقة",
        "transport": "المواصلات",
        "health": "الصحة",
        "yes": "نعم",
        "no": "لا",
        "poll": "أولويات حيّنا",
        "quiet": "ساعات المكتبة",
        "q1": "ما الذي يحتاجه الحي أكثر؟",
        "q2": "هل تشعر بالأمان في الحي؟",
        "q3": "ما مدى رضاك عن الخدمات؟",
        "q4": "هل تبقى المكتبة مفتوحة مساءً؟",
        "community": "من أي مجتمع أنت؟",
        "notice": "اجتماع في الحديقة يوم السبت",
    },
    "en": {
        "host": "Host community",
        "syrian": "Syrian",
        "declined": "prefer not to say",
        "none": "no answer",
        "park": "Park",
        "transport": "Transport",
        "health": "Health",
        "yes": "Yes",
        "no": "No",
        "poll": "Our neighbourhood's priorities",
        "quiet": "Library hours",
        "q1": "What does the neighbourhood need most?",
        "q2": "Do you feel safe in the neighbourhood?",
        "q3": "How satisfied are you with the services?",
        "q4": "Should the library open in the evening?",
        "community": "Which community are you from?",
        "notice": "Meeting in the park on Saturday",
    },
}


def week() -> tuple[date, int]:
    """The sample period: the seven days before Tuesday 1 December 2026."""
    return date(2026, 12, 1), 7


def row_of(table: SafeTable, index: int, label: str | None = None) -> ResultRow:
    """One row of a suppressed options x languages table."""
    return ResultRow(
        label or table.row_labels[index],
        table.row_totals[index],
        dict(zip(LANGUAGES, table.cells[index], strict=True)),
    )


def question(number: int, kind: str, text: str, rows: Rows, k: int = K) -> QuestionResult:
    """A single, scale or yes/no question's results by language, suppressed."""
    table = suppress_counts([(label, list(c)) for label, c in rows], LANGUAGES, k)
    assert table.column_totals is not None and table.grand_total is not None
    answered = ResultRow(
        "answered", table.grand_total, dict(zip(LANGUAGES, table.column_totals, strict=True))
    )
    shown = tuple(row_of(table, i) for i in range(len(rows)))
    return QuestionResult(number, kind, text, answered, shown, None, table.withheld)


def poll_results(
    title: str, respondents: Sequence[int], questions: Sequence[QuestionResult], k: int = K
) -> PollResults:
    """A poll's results by language, its respondents row suppressed on its own."""
    table = suppress_counts([("respondents", list(respondents))], LANGUAGES, k, column_totals=False)
    return PollResults(
        slug="oncelikler",
        title=title,
        status="closed",
        k=k,
        language="tr",
        languages=LANGUAGES,
        respondents=row_of(table, 0),
        questions=tuple(questions),
    )


def profile_results(
    labels: dict[str, str], title: str, respondents: Sequence[int], rows: Rows, k: int = K
) -> ProfileResults:
    """A poll's first question by the community question, linked to the respondents row."""
    columns = (
        ProfileColumn("host", labels["host"]),
        ProfileColumn("syrian", labels["syrian"]),
        ProfileColumn("(declined)", labels["declined"]),
        ProfileColumn("(no answer)", labels["none"]),
    )
    keys = tuple(column.key for column in columns)
    table = CountTable(tuple(label for label, _c in rows), keys, tuple(tuple(c) for _l, c in rows))
    linked = suppress_linked(keys, list(respondents), [table], k)
    head = ProfileRow(
        "respondents",
        linked.respondents.row_totals[0],
        dict(zip(keys, linked.respondents.cells[0], strict=True)),
    )
    shown = linked.tables[0]
    result_rows = tuple(
        ProfileRow(label, total, dict(zip(keys, cells, strict=True)))
        for label, total, cells in zip(shown.row_labels, shown.row_totals, shown.cells, strict=True)
    )
    first = ProfileQuestionResult(
        1, "single", labels["q1"], None, result_rows, None, None, shown.withheld
    )
    return ProfileResults(
        slug="oncelikler",
        title=title,
        status="closed",
        k=k,
        language="tr",
        by="community",
        question=labels["community"],
        columns=columns,
        respondents=head,
        questions=(first,),
    )


def members(labels: dict[str, str], k: int = K) -> MembersSection:
    """Who joined: two communities and three languages, and the week before."""
    joined = suppress(
        CountTable(
            (labels["host"], labels["syrian"], labels["declined"], labels["none"]),
            LANGUAGES,
            ((14, 1, 2), (3, 11, 0), (1, 2, 0), (0, 1, 0)),
        ),
        k,
    )
    previous = suppress(
        CountTable(
            (labels["host"], labels["syrian"], labels["declined"], labels["none"]),
            LANGUAGES,
            ((9, 0, 1), (2, 7, 0), (0, 1, 0), (0, 0, 0)),
        ),
        k,
    )
    assert joined.grand_total is not None and previous.grand_total is not None
    return MembersSection(
        joined=joined,
        previous=previous,
        total_members="210",
        total_base=5,
        new_members=Change(joined.grand_total, previous.grand_total, 35 - 20),
        community_question=labels["community"],
    )


def polls(labels: dict[str, str], k: int = K) -> tuple[PollSection, ...]:
    """Two polls: one with answers in three languages, one with a single respondent."""
    needs = [
        (labels["park"], [9, 6, 1]),
        (labels["transport"], [5, 7, 0]),
        (labels["health"], [2, 3, 2]),
    ]
    full = poll_results(
        labels["poll"],
        [16, 16, 3],
        [
            question(1, "single", labels["q1"], needs, k),
            question(
                2,
                "yesno",
                labels["q2"],
                [(labels["yes"], [12, 9, 2]), (labels["no"], [4, 7, 1])],
                k,
            ),
            question(
                3,
                "scale",
                labels["q3"],
                [
                    (str(v), c)
                    for v, c in zip(
                        range(1, 6),
                        ([1, 3, 0], [2, 2, 1], [5, 4, 1], [6, 5, 1], [2, 2, 0]),
                        strict=True,
                    )
                ],
                k,
            ),
        ],
        k,
    )
    by_community = profile_results(
        labels,
        labels["poll"],
        [17, 14, 3, 1],
        [
            (labels["park"], [8, 6, 1, 1]),
            (labels["transport"], [5, 6, 1, 0]),
            (labels["health"], [4, 2, 1, 0]),
        ],
        k,
    )
    single = poll_results(
        labels["quiet"],
        [0, 1, 0],
        [
            question(
                1, "yesno", labels["q4"], [(labels["yes"], [0, 1, 0]), (labels["no"], [0, 0, 0])], k
            )
        ],
        k,
    )
    opened = GENERATED - timedelta(days=6)
    return (
        PollSection(
            "Zeytinburnu Meclisi",
            "ZEYTINBURNU",
            "oncelikler",
            full.title,
            "closed",
            opened,
            GENERATED - timedelta(days=1),
            full,
            (by_community,),
        ),
        PollSection(
            "Zeytinburnu Gençlik",
            "ZBGENC",
            "kutuphane",
            single.title,
            "open",
            opened,
            None,
            single,
            (),
        ),
    )


FEEDBACK = (
    (
        "tr",
        "Parktaki lambalar yanmıyor, akşamları çocuklar için karanlık. <b>Lütfen</b> & hızlı olun.",
    ),
    ("ar", "نحتاج إلى دروس لغة تركية للنساء في المساء. رقمي [telefon]"),
    ("tr", "Otobüs 97 çok geç geliyor."),
    ("en", "The library should open on Sundays."),
    ("ar", "شكراً على الاجتماع، كان مفيداً."),
    ("tr", "Kaldırımlar tekerlekli sandalye için dar."),
    ("tr", '=HYPERLINK("http://example.org") formül değil, metin'),
    ("ar", "أين يمكن تسجيل الأطفال في المدرسة؟"),
)


def feedback(count: int = len(FEEDBACK)) -> tuple[AssemblyFeedback, ...]:
    """Feedback from two assemblies, in three languages; the first assembly has ``count`` texts."""
    start = GENERATED - timedelta(days=6)
    items = tuple(
        FeedbackItem(start + timedelta(hours=3 * i), language, text)
        for i, (language, text) in enumerate((FEEDBACK * (count // len(FEEDBACK) + 1))[:count])
    )
    youth = (FeedbackItem(start + timedelta(days=2), "ar", "نريد ملعب كرة قدم."),)
    return (
        AssemblyFeedback("Zeytinburnu Meclisi", "ZEYTINBURNU", items, "4"),
        AssemblyFeedback("Zeytinburnu Gençlik", "ZBGENC", youth, "<5"),
    )


def notices(labels: dict[str, str], k: int = K) -> NoticesSection:
    """Two notices and how far they reached."""
    reach = suppress(
        CountTable(
            ("1", "2"),
            ("delivered", "failed", "blocked", "waiting"),
            ((180, 3, 6, 0), (25, 0, 1, 0)),
        ),
        k,
    )
    return NoticesSection(
        (
            NoticeLine(
                "Zeytinburnu Meclisi", "notice", labels["notice"], GENERATED - timedelta(days=4)
            ),
            NoticeLine(
                "Zeytinburnu Gençlik", "notice", labels["notice"], GENERATED - timedelta(days=3)
            ),
        ),
        reach,
    )


def municipality_digest(
    language: str = "tr", *, feedback_count: int = len(FEEDBACK), k: int = K
) -> MunicipalityDigest:
    """Zeytinburnu's week: members in two communities and three languages, two polls, feedback, notices."""
    labels = LABELS[language]
    day, days = week()
    return MunicipalityDigest(
        slug="zeytinburnu",
        name="Zeytinburnu",
        period=days_before(day, days, TIMEZONE),
        language=language,
        k=k,
        generated_at=GENERATED,
        members=members(labels, k),
        polls=polls(labels, k),
        feedback=feedback(feedback_count),
        notices=notices(labels, k),
        empty=False,
    )


def empty_digest(language: str = "tr") -> MunicipalityDigest:
    """A week in which nothing happened."""
    day, days = week()
    nobody = suppress_counts([("everyone", [0, 0, 0])], LANGUAGES, K)
    assert nobody.grand_total is not None
    return MunicipalityDigest(
        slug="zeytinburnu",
        name="Zeytinburnu",
        period=days_before(day, days, TIMEZONE),
        language=language,
        k=K,
        generated_at=GENERATED,
        members=MembersSection(
            nobody, nobody, "210", 5, Change(nobody.grand_total, nobody.grand_total, None), None
        ),
        polls=(),
        feedback=(),
        notices=NoticesSection((), None),
        empty=True,
    )


ROLLUP_ROWS: dict[str, dict[str, str]] = {
    "tr": {"polls": "anket", "responses": "yanıt", "feedback": "geri bildirim"},
    "ar": {"polls": "استطلاعات", "responses": "ردود", "feedback": "ملاحظات"},
    "en": {"polls": "polls", "responses": "responses", "feedback": "feedback"},
}


def rollup_digest(language: str = "tr", k: int = K) -> RollupDigest:
    """The Marmara union's week over three municipalities, one of them small."""
    labels, rows = LABELS[language], ROLLUP_ROWS[language]
    members = ("Zeytinburnu", "Esenyurt", "Şile")
    day, days = week()

    def table(labels_: Sequence[str], counts: Sequence[Sequence[int]]) -> SafeTable:
        return suppress(
            CountTable(
                tuple(labels_), members, tuple(tuple(c) for c in counts), column_totals=True
            ),
            k,
        )

    return RollupDigest(
        slug="marmara",
        name="Marmara Belediyeler Birliği",
        level="regional",
        period=days_before(day, days, TIMEZONE),
        language=language,
        k=k,
        generated_at=GENERATED,
        members=members,
        joined=table(LANGUAGES, [(18, 40, 2), (13, 22, 1), (2, 9, 0)]),
        previous_joined=table(LANGUAGES, [(12, 30, 1), (9, 15, 0), (1, 6, 1)]),
        communities=table(
            (labels["host"], labels["syrian"], labels["declined"], labels["none"]),
            [(18, 41, 1), (11, 21, 2), (3, 7, 0), (1, 2, 0)],
        ),
        participation=table((rows["polls"], rows["responses"]), [(2, 3, 0), (35, 80, 2)]),
        feedback=table((rows["feedback"],), [(9, 14, 1)]),
        reach=table(
            ("delivered", "failed", "blocked", "waiting"),
            [(205, 410, 12), (3, 8, 0), (7, 9, 1), (0, 2, 0)],
        ),
        empty=False,
    )
