"""Loading YAML while keeping the line of every mapping, so errors can name the line."""

from __future__ import annotations

from typing import Any

import yaml

from handlers.i18n.core import N_
from storage.errors import Argument, DomainError, LazyText, lazy

LINE_KEY = "__line__"


class ContentFileError(DomainError):
    """A content file (poll, profile) is malformed; the message names the line and the reason.

    The reason is a msgid marked with ``N_`` and its format arguments (or a ``LazyText``).
    """

    def __init__(self, line: int | None, reason: str | LazyText, **args: Argument) -> None:
        said = reason if isinstance(reason, LazyText) else lazy(reason, **args)
        super().__init__(
            lazy(N_("line {line}: {reason}"), line=line, reason=said) if line else said
        )


class _LineLoader(yaml.SafeLoader):
    """A safe loader that records, in each mapping, the line where it starts."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """A mapping with its 1-based line number under LINE_KEY."""
        mapping = super().construct_mapping(node, deep=True)
        mapping[LINE_KEY] = node.start_mark.line + 1
        return mapping


def load_with_lines(text: str) -> Any:
    """Parse YAML text; a syntax error becomes a ContentFileError with its line."""
    try:
        return yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise ContentFileError(
            line, N_("not valid YAML: {problem}"), problem=str(exc.problem)
        ) from None
    except yaml.YAMLError as exc:
        raise ContentFileError(None, N_("not valid YAML: {problem}"), problem=str(exc)) from None


def key_line(text: str, key: str) -> int | None:
    """The line of a top-level key of a YAML document, if it has one."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if isinstance(root, yaml.MappingNode):
        for key_node, _value in root.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return int(key_node.start_mark.line) + 1
    return None


def line_of(node: Any, fallback: int | None = None) -> int | None:
    """The line a loaded mapping started on."""
    return node.get(LINE_KEY, fallback) if isinstance(node, dict) else fallback


def translations(
    node: Any,
    where: LazyText,
    required: tuple[str, ...],
    allowed: tuple[str, ...],
    line: int | None,
) -> dict[str, str]:
    """A {tr: ..., ar: ..., en: ...} mapping with a non-empty text for every required language."""
    if not isinstance(node, dict):
        raise ContentFileError(
            line,
            N_("{where} must be a mapping of language to text, like {example}"),
            where=where,
            example="{tr: ..., ar: ...}",
        )
    here = line_of(node, line)
    texts = {str(k): v for k, v in node.items() if k not in (LINE_KEY, "key")}
    unknown = sorted(set(texts) - set(allowed))
    if unknown:
        raise ContentFileError(
            here,
            N_("{where} has an unknown language {unknown} (use {allowed})"),
            where=where,
            unknown=unknown,
            allowed=list(allowed),
        )
    missing = [
        lang for lang in required if not (isinstance(texts.get(lang), str) and texts[lang].strip())
    ]
    if missing:
        raise ContentFileError(
            here, N_("{where} has no text in {languages}"), where=where, languages=missing
        )
    return {lang: str(text).strip() for lang, text in texts.items() if str(text or "").strip()}
