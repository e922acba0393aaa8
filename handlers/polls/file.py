"""Poll files: a poll in every language of its assembly, read from YAML, checked whole, then stored.

A malformed file is refused whole with the line and the reason; nothing is half-imported.
Reasons are ``ContentFileError``s: English on the command line, the reader's language in chat.
Updating a poll that exists already is ``handlers.polls.update``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n.core import LANGUAGES, N_
from handlers.polls.yaml_lines import (
    ContentFileError,
    key_line,
    line_of,
    load_with_lines,
    translations,
)
from storage.assemblies import assembly_by_code
from storage.base import utcnow
from storage.errors import LazyText, lazy
from storage.models import Assembly, Option, Poll, Question
from storage.polls import slug_taken
from storage.vocabulary import PollStatus, QuestionKind

QUESTION_KINDS = tuple(QuestionKind)
CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTI)
MAX_OPTIONS = 12


@dataclass(frozen=True)
class QuestionSpec:
    """A question as the file describes it."""

    kind: str
    text: dict[str, str]
    options: list[dict[str, str]] = field(default_factory=list)
    min_value: int | None = None
    max_value: int | None = None
    line: int | None = None


@dataclass(frozen=True)
class PollSpec:
    """A checked poll file."""

    assembly_code: str
    slug: str
    title: dict[str, str]
    questions: list[QuestionSpec]
    questions_line: int | None = None


def _question(
    node: Any, number: int, languages: tuple[str, ...], parent_line: int | None
) -> QuestionSpec:
    """Check one question."""
    line = line_of(node, parent_line)
    where = question_place(number)
    if not isinstance(node, dict):
        raise ContentFileError(
            line, N_("{where} must be a mapping with kind and text"), where=where
        )
    kind = node.get("kind")
    if kind not in QUESTION_KINDS:
        raise ContentFileError(
            line,
            N_("{where} has kind {kind}; use one of {kinds}"),
            where=where,
            kind=repr(kind),
            kinds=[str(kind) for kind in QUESTION_KINDS],
        )
    text = translations(
        node.get("text"), lazy(N_("{where} text"), where=where), languages, LANGUAGES, line
    )
    raw_options = node.get("options") or []
    if kind in CHOICE_KINDS:
        if not isinstance(raw_options, list) or len(raw_options) < 2:
            raise ContentFileError(
                line, N_("{where} ({kind}) needs at least two options"), where=where, kind=kind
            )
        if len(raw_options) > MAX_OPTIONS:
            raise ContentFileError(
                line,
                N_("{where} has too many options: the most is {limit}"),
                where=where,
                limit=MAX_OPTIONS,
            )
    elif raw_options:
        raise ContentFileError(
            line, N_("{where} ({kind}) takes no options"), where=where, kind=kind
        )
    options = [
        translations(option, option_place(number, i), languages, LANGUAGES, line)
        for i, option in enumerate(raw_options, start=1)
    ]
    low, high = node.get("min"), node.get("max")
    if kind != QuestionKind.NUMBER and (low is not None or high is not None):
        raise ContentFileError(
            line, N_("{where} ({kind}) takes no min or max"), where=where, kind=kind
        )
    for name, value in (("min", low), ("max", high)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise ContentFileError(
                line, N_("{where} {name} must be a whole number"), where=where, name=name
            )
    if isinstance(low, int) and isinstance(high, int) and low > high:
        raise ContentFileError(
            line, N_("{where} min {low} is above max {high}"), where=where, low=low, high=high
        )
    return QuestionSpec(kind, text, options, low, high, line)


def title_place() -> LazyText:
    """Where a poll's title is, for messages."""
    return lazy(N_("title"))


def question_place(number: int) -> LazyText:
    """Where a question is, for messages ("question 2")."""
    return lazy(N_("question {number}"), number=number)


def option_place(number: int, option: int) -> LazyText:
    """Where an option is, for messages ("question 2 option 3")."""
    return lazy(N_("{where} option {option}"), where=question_place(number), option=option)


def parse_poll(text: str, assembly_languages: tuple[str, ...] | None = None) -> PollSpec:
    """Read and check a poll file; languages default to what the file's assembly needs later."""
    root = load_with_lines(text)
    if not isinstance(root, dict):
        raise ContentFileError(
            1, N_("a poll file is a mapping with assembly, slug, title and questions")
        )
    line = line_of(root, 1)
    code = root.get("assembly")
    if not isinstance(code, str) or not code.strip():
        raise ContentFileError(line, N_("assembly (the join code) is missing"))
    slug = root.get("slug")
    if not isinstance(slug, str) or not slug.strip() or len(slug) > 64 or " " in slug.strip():
        raise ContentFileError(line, N_("slug is missing or not a short name without spaces"))
    languages = assembly_languages or ()
    title = translations(root.get("title"), title_place(), languages, LANGUAGES, line)
    questions = root.get("questions")
    if not isinstance(questions, list) or not questions:
        raise ContentFileError(line, N_("questions is missing or empty"))
    specs = [_question(q, i, languages, line) for i, q in enumerate(questions, start=1)]
    return PollSpec(
        code.strip().upper(), slug.strip(), title, specs, key_line(text, "questions") or line
    )


async def read_poll_file(session: AsyncSession, text: str) -> tuple[Assembly, PollSpec]:
    """Check a poll file against the assembly it names; a ContentFileError if anything is wrong."""
    assembly = await assembly_named(session, text, parse_poll(text).assembly_code)
    return assembly, parse_poll(text, tuple(assembly.languages))


async def assembly_named(session: AsyncSession, text: str, code: str) -> Assembly:
    """The assembly a poll file names, or a ContentFileError at its ``assembly`` line."""
    assembly = await assembly_by_code(session, code)
    if assembly is None:
        raise ContentFileError(
            key_line(text, "assembly"), N_("no assembly has the join code {code}"), code=code
        )
    return assembly


async def import_poll(session: AsyncSession, text: str) -> Poll:
    """Check a poll file against its assembly and store it as a draft; nothing is stored on error."""
    assembly, spec = await read_poll_file(session, text)
    if await slug_taken(session, assembly.id, spec.slug):
        raise ContentFileError(
            key_line(text, "slug"),
            N_("assembly {code} already has a poll {slug}"),
            code=assembly.join_code,
            slug=repr(spec.slug),
        )
    return await store_poll(session, assembly, spec)


def question_rows(spec: PollSpec) -> list[Question]:
    """The question and option rows a checked poll file describes."""
    return [
        Question(
            position=position,
            kind=q.kind,
            text=q.text,
            min_value=q.min_value,
            max_value=q.max_value,
            options=[Option(position=i, text=o) for i, o in enumerate(q.options)],
        )
        for position, q in enumerate(spec.questions)
    ]


async def store_poll(session: AsyncSession, assembly: Assembly, spec: PollSpec) -> Poll:
    """Write a checked poll as a draft."""
    poll = Poll(
        assembly_id=assembly.id,
        slug=spec.slug,
        title=spec.title,
        status=PollStatus.DRAFT,
        created_at=utcnow(),
    )
    poll.questions = question_rows(spec)
    session.add(poll)
    await session.flush()
    return poll


def missing_translations(poll: Poll, languages: list[str]) -> list[str]:
    """What a poll lacks in the assembly's languages, each as "where: language"."""
    gaps = [f"title: {lang}" for lang in languages if not poll.title.get(lang)]
    for number, question in enumerate(poll.questions, start=1):
        gaps += [f"question {number}: {lang}" for lang in languages if not question.text.get(lang)]
        for index, option in enumerate(question.options, start=1):
            gaps += [
                f"question {number} option {index}: {lang}"
                for lang in languages
                if not option.text.get(lang)
            ]
    return gaps
