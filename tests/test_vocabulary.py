"""Every vocabulary is declared once, as a ``StrEnum``, and the code says its members, not strings.

The stored vocabularies (``storage.vocabulary``) keep today's strings, so stored rows stay valid.
The source check reads the code's syntax tree and reports, as file:line, a quoted string that is
one of a vocabulary's values where the code means that vocabulary: compared with, assigned to or
passed as a ``status``, ``delivery_status``, ``kind`` or ``step``; the step given to ``go``,
``show`` or ``desk_go``; a ``case`` of a match on one of those; or a literal collection (two or
more strings, a dict's keys or values) made only of one vocabulary's values. The enums' own
modules need no exception: defining a member is none of these.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path

import pytest

from handlers.core import router
from handlers.core.steps import CoreStep, StaffStep, Step
from handlers.staff.desk import DeskStep
from storage.vocabulary import DeliveryStatus, NoticeStatus, OutboxStatus, PollStatus, QuestionKind

PROJECT_DIR = Path(__file__).resolve().parent.parent
SCANNED = ("handlers", "bot", "storage")
NOT_SCANNED = ("storage/migrations",)  # migrations keep the strings of their day
STEP_CALLS = {"go": 0, "show": 0, "desk_go": 1}  # where the step is among the arguments

# (path, value): why that string, where the check reports it, means something else. Empty: a
# string is only reported where a vocabulary is meant (the command "open", a "text" key of
# step data and a member's own definition are not), so nothing has needed an entry yet.
ALLOWED: dict[tuple[str, str], str] = {}


def _values(*enums: type[StrEnum]) -> frozenset[str]:
    """The values the enums declare."""
    return frozenset(member.value for enum in enums for member in enum)


def _steps(base: type[StrEnum]) -> frozenset[str]:
    """The values of every step declared under a base (the router has imported every feature)."""
    return _values(*base.__subclasses__())


def vocabularies() -> dict[str, frozenset[str]]:
    """Each vocabulary by name: the values its enum declares."""
    return {
        "poll status": _values(PollStatus),
        "question kind": _values(QuestionKind),
        "notice status": _values(NoticeStatus),
        "outbox status": _values(OutboxStatus),
        "delivery status": _values(DeliveryStatus),
        "step": _steps(Step),
        "staff step": _steps(StaffStep),
    }


def fields() -> dict[str, frozenset[str]]:
    """The values a field of each name can hold."""
    found = vocabularies()
    return {
        "status": found["poll status"]
        | found["notice status"]
        | found["outbox status"]
        | found["delivery status"],
        "delivery_status": found["delivery status"],
        "kind": found["question kind"],
        "step": found["step"] | found["staff step"],
    }


def _field(node: ast.expr) -> str | None:
    """The vocabulary field an expression reads (``poll.status``, ``kind``), if it reads one."""
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
    return name if name in ("status", "delivery_status", "kind", "step") else None


def _strings(node: ast.AST | None) -> list[ast.Constant]:
    """The string constants a value is made of: itself, or a literal tuple, list or set's."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [c for element in node.elts for c in _strings(element)]
    return []


def _meant(
    tree: ast.AST, fields: dict[str, frozenset[str]], vocabularies: list[frozenset[str]]
) -> Iterator[tuple[int, str]]:
    """(line, value) of each string in the tree that stands for a vocabulary's value."""
    for node in ast.walk(tree):
        pairs: list[tuple[str | None, ast.AST | None]] = []
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            pairs += [(_field(a), b) for a in sides for b in sides if a is not b]
        elif isinstance(node, ast.keyword):
            pairs.append((node.arg if node.arg in fields else None, node.value))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            pairs += [(_field(target), node.value) for target in targets]
        elif isinstance(node, ast.Dict):
            for key, item in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value in fields:
                    pairs.append((str(key.value), item))
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            at = STEP_CALLS.get(name)
            if at is not None and len(node.args) > at:
                pairs.append(("step", node.args[at]))
        elif isinstance(node, ast.Match):
            pairs += [
                (_field(node.subject), pattern.value)
                for case in node.cases
                for pattern in ast.walk(case.pattern)
                if isinstance(pattern, ast.MatchValue)
            ]
        for field, value in pairs:
            if field is not None:
                yield from _found(_strings(value), fields[field])
        yield from _collection(node, vocabularies)


def _found(strings: list[ast.Constant], values: frozenset[str]) -> Iterator[tuple[int, str]]:
    """The strings that are among the values."""
    for constant in strings:
        if constant.value in values:
            yield constant.lineno, str(constant.value)


def _collection(node: ast.AST, vocabularies: list[frozenset[str]]) -> Iterator[tuple[int, str]]:
    """A literal collection (or a dict's keys, or its values) of two or more strings that are all
    values of one vocabulary."""
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        groups = [node.elts]
    elif isinstance(node, ast.Dict):
        groups = [[key for key in node.keys if key is not None], node.values]
    else:
        return
    for group in groups:
        strings = [s for element in group for s in _strings(element) if element is s]
        values = {str(s.value) for s in strings} - {""}  # an empty string says nothing alone
        if len(strings) == len(group) > 1 and values and any(values <= v for v in vocabularies):
            yield from ((s.lineno, str(s.value)) for s in strings)


def literals_in(source: str) -> list[tuple[int, str]]:
    """Where this source spells a vocabulary's value as a string: (line, value), in order."""
    found = _meant(ast.parse(source), fields(), list(vocabularies().values()))
    return sorted(set(found))


def _scanned() -> Iterator[Path]:
    """The source files checked."""
    for folder in SCANNED:
        for path in sorted((PROJECT_DIR / folder).rglob("*.py")):
            relative = path.relative_to(PROJECT_DIR).as_posix()
            if not relative.startswith(NOT_SCANNED):
                yield path


def test_no_vocabulary_is_spelled_as_a_string() -> None:
    found = [
        f"{relative}:{line}: {value!r}"
        for path in _scanned()
        for relative in [path.relative_to(PROJECT_DIR).as_posix()]
        for line, value in literals_in(path.read_text(encoding="utf-8"))
        if (relative, value) not in ALLOWED
    ]
    assert found == [], "use the enum member instead:\n" + "\n".join(found)


CAUGHT = """
if poll.status == "open": pass
rows = select(Poll).where(Poll.status != "draft")
update(Notice).values(status="queued")
if question.kind in ("single", "multi"): pass
kinds = ("scale", "yesno")
turn.go("consent")
turn.show("poll", poll=1)
desk_go(turn, "notice_text")
person.step = "join"
Participant(step="")
row = {"status": "pending"}
rank = {"delivered": 3, "read": 4}
match step:
    case "digest_day" | "digest_time": pass
"""

IGNORED = """
if action == "open": pass
figures(audience="digest")
commands = {"digest": run}
staff_assemblies(turn, "text")
labels = {"open": 1, "close": 2}
kind, value = "o", "done"
"""


def test_the_check_finds_a_vocabulary_spelled_as_a_string() -> None:
    found = literals_in(CAUGHT)
    lines = {line for line, _value in found}
    assert lines == set(range(2, 16)) - {14}, found
    assert literals_in(IGNORED) == []


@pytest.mark.parametrize(
    ("enum", "stored"),
    [
        (PollStatus, {"draft", "open", "closed"}),
        (QuestionKind, {"single", "multi", "scale", "yesno", "text", "number"}),
        (NoticeStatus, {"draft", "queued"}),
        (
            OutboxStatus,
            {"pending", "sending", "sent", "failed", "blocked", "skipped", "unconfirmed"},
        ),
        (
            DeliveryStatus,
            {
                "accepted",
                "scheduled",
                "queued",
                "sending",
                "sent",
                "delivered",
                "undelivered",
                "failed",
                "read",
            },
        ),
    ],
)
def test_stored_vocabularies_keep_the_strings_already_stored(
    enum: type[StrEnum], stored: set[str]
) -> None:
    assert {member.value for member in enum} == stored


def test_every_declared_step_has_its_handlers_and_a_way_to_answer() -> None:
    """A step a feature declares is answered by the router, and a staff step takes a reply."""
    resting = {CoreStep.NONE, DeskStep.NONE}
    participant = {m for enum in Step.__subclasses__() for m in enum} - resting
    staff = {m for enum in StaffStep.__subclasses__() for m in enum} - resting
    assert participant == set(router.steps())
    assert staff == set(router.staff_steps())
    assert all(h.on_choice or h.on_text for h in router.staff_steps().values())
