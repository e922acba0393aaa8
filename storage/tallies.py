"""A poll's raw tallies by language and by any profile questions at once, in three grouped queries.

The breakdown of a response (its language, and its member's answer to each profile question,
``NO_ANSWER`` when there is none) is worked out once per response, in a materialised common
table expression. The answers are then counted once, grouped by question and option (in the
order of the index on them, so SQLite needs no sort) with one conditional sum per breakdown
value: asking for the language and three profile questions costs one pass over the answers,
not four.

Counting rows is counting people: an answer is one row per response and question (per option
chosen, for a multiple choice), as ``storage.polls.replace_answer`` writes them. Only the people
who answered a multiple-choice question need a distinct count, over those questions' rows alone.
Nothing this module returns is shown as it is: ``handlers.results.by_language`` and
``handlers.results.by_profile`` suppress it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Answer, Poll, ProfileAnswer, Response
from storage.vocabulary import QuestionKind

LANGUAGE = "language"  # the breakdown by the language a response was given in
NO_ANSWER = "(no answer)"

Counts = dict[str, int]


@dataclass(frozen=True)
class Tallies:
    """The raw counts of a poll by one breakdown (language, a profile answer); never shown as is."""

    respondents: Counts
    answered: dict[int, Counts]
    options: dict[int, Counts]
    values: dict[tuple[int, int], Counts]


@dataclass(frozen=True)
class Breakdown:
    """One way of splitting the counts: its name, its column in the CTE, the values it counts
    separately; any other value (a removed option, no answer) counts as ``NO_ANSWER``."""

    name: str
    column: str
    values: tuple[str, ...]


def breakdowns(profile: Sequence[dict[str, Any]], languages: Sequence[str]) -> list[Breakdown]:
    """The language (``languages``), then each profile question (its options, then "prefer not
    to say")."""
    return [
        Breakdown(LANGUAGE, "k0", tuple(languages)),
        *(
            Breakdown(
                str(question["key"]),
                f"k{index}",
                (*(str(option["key"]) for option in question["options"]), ""),
            )
            for index, question in enumerate(profile, start=1)
        ),
    ]


async def tally_poll(
    session: AsyncSession,
    poll: Poll,
    profile: Sequence[dict[str, Any]] = (),
    *,
    languages: Sequence[str],
) -> dict[str, Tallies]:
    """The poll's tallies by language (``LANGUAGE``: responses in ``languages`` only) and by
    each profile question's key (``profile``: the assembly's profile questions to break down by)."""
    splits = breakdowns(profile, languages)
    keys = _response_keys(poll, splits)
    sums = _sum_columns(keys, splits)

    def counted(query: Any, *lead: Any) -> Any:
        return query.add_columns(*sums).group_by(*lead) if lead else query.add_columns(*sums)

    # "+ 0" keeps SQLite from walking the answers by response (a random read per answer): it
    # scans the covering index ix_answers_tally in question and option order instead, and so
    # groups without a sort. PostgreSQL hash-joins either way.
    of_response = keys.c.rid == Answer.response_id + 0
    by_option = counted(
        select(Answer.question_id, Answer.option_id)
        .join(keys, of_response)
        .where(Answer.option_id.is_not(None)),
        Answer.question_id,
        Answer.option_id,
    )
    by_value = counted(
        select(Answer.question_id, Answer.value_int)
        .join(keys, of_response)
        .where(Answer.option_id.is_(None)),
        Answer.question_id,
        Answer.value_int,
    )
    multi = [question.id for question in poll.questions if question.kind == QuestionKind.MULTI]
    chose = (
        select(Answer.response_id, Answer.question_id)
        .where(Answer.question_id.in_(multi))
        .distinct()
        .subquery()
    )
    multi_answered = counted(
        select(chose.c.question_id).join(keys, keys.c.rid == chose.c.response_id),
        chose.c.question_id,
    )
    respondents = counted(
        select().select_from(keys).where(exists().where(Answer.response_id == keys.c.rid))
    )
    options = await _rows(session, by_option, 2, splits)
    values = await _rows(session, by_value, 2, splits)
    multis = await _rows(session, multi_answered, 1, splits) if multi else {}
    people = await _rows(session, respondents, 0, splits)
    return {
        split.name: _tallies(split.name, options, values, multis, people, set(multi))
        for split in splits
    }


def _sum_columns(keys: Any, splits: Sequence[Breakdown]) -> list[Any]:
    """The count, then per breakdown one sum per value it counts separately (by its number);
    the rest, its other values, is the count less those."""
    columns: list[Any] = [func.count()]
    for split in splits:
        code = keys.c[split.column]
        columns += [
            func.sum(case((code == number, 1), else_=0)) for number in range(len(split.values))
        ]
    return columns


def _response_keys(poll: Poll, splits: Sequence[Breakdown]) -> Any:
    """Each response of the poll with its breakdown, by number: ``k0`` its language, ``k1``...
    its profile answers, each the position of the value in its breakdown's values (their count
    for any other); materialised, so each is worked out once per response, not per answer."""
    columns: list[Any] = [Response.id.label("rid"), _numbered(Response.language, splits[0], "k0")]
    joins = []
    for split in splits[1:]:
        answer = aliased(ProfileAnswer, name=f"profile_{split.column}")
        columns.append(_numbered(answer.option_key, split, split.column))
        joins.append(
            (
                answer,
                and_(
                    answer.participant_id == Response.participant_id,
                    answer.assembly_id == poll.assembly_id,
                    answer.question_key == split.name,
                ),
            )
        )
    query = select(*columns).select_from(Response)
    for answer, condition in joins:
        query = query.outerjoin(answer, condition)
    query = query.where(Response.poll_id == poll.id, Response.language.in_(splits[0].values))
    return query.cte("response_keys").prefix_with("MATERIALIZED")


def _numbered(column: Any, split: Breakdown, name: str) -> Any:
    """The position of ``column``'s value among the breakdown's values; their count otherwise."""
    return case(
        *((column == value, number) for number, value in enumerate(split.values)),
        else_=len(split.values),
    ).label(name)


Rows = dict[tuple[Any, ...], dict[str, Counts]]


async def _rows(session: AsyncSession, query: Any, width: int, splits: Sequence[Breakdown]) -> Rows:
    """Per leading key (``width`` columns), per breakdown, the counts by value (zeros left out)."""
    found: Rows = {}
    for row in (await session.execute(query)).all():
        values = tuple(row)
        total = int(values[width])
        sums = iter(values[width + 1 :])
        by_split: dict[str, Counts] = {}
        for split in splits:
            counts = {value: int(next(sums) or 0) for value in split.values}
            counts[NO_ANSWER] = total - sum(counts.values())
            by_split[split.name] = {value: n for value, n in counts.items() if n}
        if total:
            found[values[:width]] = by_split
    return found


def _tallies(
    name: str, options: Rows, values: Rows, multi: Rows, respondents: Rows, multi_ids: set[int]
) -> Tallies:
    """One breakdown's tallies from the grouped rows."""
    answered: dict[int, Counts] = defaultdict(lambda: defaultdict(int))
    for (question_id, _key), by_split in (*options.items(), *values.items()):
        if question_id not in multi_ids:
            for value, count in by_split[name].items():
                answered[question_id][value] += count
    for (question_id,), by_split in multi.items():
        answered[question_id] = dict(by_split[name])
    return Tallies(
        respondents=dict(respondents[()][name]) if () in respondents else {},
        answered={question: dict(counts) for question, counts in answered.items()},
        options={option_id: by_split[name] for (_q, option_id), by_split in options.items()},
        values={
            (question_id, value): by_split[name]
            for (question_id, value), by_split in values.items()
            if value is not None
        },
    )
