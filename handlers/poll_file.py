"""Poll files: a poll in every language of its assembly, read from YAML, checked whole, then stored.

A malformed file is refused whole with the line and the reason; nothing is half-imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import LANGUAGES
from handlers.yaml_lines import (
    ContentFileError,
    key_line,
    line_of,
    load_with_lines,
    translations,
)
from storage.assemblies import assembly_by_code
from storage.base import utcnow
from storage.models import Assembly, Option, Poll, Question

QUESTION_KINDS = ("single", "multi", "scale", "yesno", "text", "number")
CHOICE_KINDS = ("single", "multi")
MAX_OPTIONS = 12


@dataclass(frozen=True)
class QuestionSpec:
    """A question as the file describes it."""

    kind: str
    text: dict[str, str]
    options: list[dict[str, str]] = field(default_factory=list)
    min_value: int | None = None
    max_value: int | None = None


@dataclass(frozen=True)
class PollSpec:
    """A checked poll file."""

    assembly_code: str
    slug: str
    title: dict[str, str]
    questions: list[QuestionSpec]


def _question(
    node: Any, number: int, languages: tuple[str, ...], parent_line: int | None
) -> QuestionSpec:
    """Check one question."""
    line = line_of(node, parent_line)
    where = f"question {number}"
    if not isinstance(node, dict):
        raise ContentFileError(line, f"{where} must be a mapping with kind and text")
    kind = node.get("kind")
    if kind not in QUESTION_KINDS:
        raise ContentFileError(
            line, f"{where} has kind {kind!r}; use one of {', '.join(QUESTION_KINDS)}"
        )
    text = translations(node.get("text"), f"{where} text", languages, LANGUAGES, line)
    raw_options = node.get("options") or []
    if kind in CHOICE_KINDS:
        if not isinstance(raw_options, list) or len(raw_options) < 2:
            raise ContentFileError(line, f"{where} ({kind}) needs at least two options")
        if len(raw_options) > MAX_OPTIONS:
            raise ContentFileError(line, f"{where} has more than {MAX_OPTIONS} options")
    elif raw_options:
        raise ContentFileError(line, f"{where} ({kind}) takes no options")
    options = [
        translations(option, f"{where} option {i}", languages, LANGUAGES, line)
        for i, option in enumerate(raw_options, start=1)
    ]
    low, high = node.get("min"), node.get("max")
    if kind != "number" and (low is not None or high is not None):
        raise ContentFileError(line, f"{where} ({kind}) takes no min or max")
    for name, value in (("min", low), ("max", high)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise ContentFileError(line, f"{where} {name} must be a whole number")
    if isinstance(low, int) and isinstance(high, int) and low > high:
        raise ContentFileError(line, f"{where} min {low} is above max {high}")
    return QuestionSpec(kind, text, options, low, high)


def parse_poll(text: str, assembly_languages: tuple[str, ...] | None = None) -> PollSpec:
    """Read and check a poll file; languages default to what the file's assembly needs later."""
    root = load_with_lines(text)
    if not isinstance(root, dict):
        raise ContentFileError(
            1, "a poll file is a mapping with assembly, slug, title and questions"
        )
    line = line_of(root, 1)
    code = root.get("assembly")
    if not isinstance(code, str) or not code.strip():
        raise ContentFileError(line, "assembly (the join code) is missing")
    slug = root.get("slug")
    if not isinstance(slug, str) or not slug.strip() or len(slug) > 64 or " " in slug.strip():
        raise ContentFileError(line, "slug is missing or not a short name without spaces")
    languages = assembly_languages or ()
    title = translations(root.get("title"), "title", languages, LANGUAGES, line)
    questions = root.get("questions")
    if not isinstance(questions, list) or not questions:
        raise ContentFileError(line, "questions is missing or empty")
    specs = [_question(q, i, languages, line) for i, q in enumerate(questions, start=1)]
    return PollSpec(code.strip().upper(), slug.strip(), title, specs)


async def import_poll(session: AsyncSession, text: str) -> Poll:
    """Check a poll file against its assembly and store it as a draft; nothing is stored on error."""
    first_pass = parse_poll(text)
    assembly = await assembly_by_code(session, first_pass.assembly_code)
    if assembly is None:
        raise ContentFileError(
            key_line(text, "assembly"), f"no assembly has the join code {first_pass.assembly_code}"
        )
    spec = parse_poll(text, tuple(assembly.languages))
    existing = await session.execute(
        select(Poll.id).where(Poll.assembly_id == assembly.id, Poll.slug == spec.slug)
    )
    if existing.first() is not None:
        raise ContentFileError(
            key_line(text, "slug"),
            f"assembly {assembly.join_code} already has a poll {spec.slug!r}",
        )
    return await store_poll(session, assembly, spec)


async def store_poll(session: AsyncSession, assembly: Assembly, spec: PollSpec) -> Poll:
    """Write a checked poll."""
    poll = Poll(
        assembly_id=assembly.id,
        slug=spec.slug,
        title=spec.title,
        status="draft",
        created_at=utcnow(),
    )
    poll.questions = [
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
