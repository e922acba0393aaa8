"""Registration-profile files: an assembly's few questions about its members, each option keyed."""

from __future__ import annotations

import re
from typing import Any

from handlers.i18n.core import LANGUAGES, N_
from handlers.polls.yaml_lines import ContentFileError, line_of, load_with_lines, translations
from storage.errors import lazy

KEY = re.compile(r"^[A-Za-z0-9_+\-]{1,64}$")
MAX_PROFILE_QUESTIONS = 8


def parse_profile(text: str, languages: tuple[str, ...]) -> tuple[str | None, list[dict[str, Any]]]:
    """Read and check a profile file; returns the assembly code it names (if any) and the questions."""
    root = load_with_lines(text)
    if not isinstance(root, dict) or not isinstance(root.get("profile"), list):
        raise ContentFileError(1, N_("a profile file is a mapping with a list under 'profile'"))
    code = root.get("assembly")
    questions: list[dict[str, Any]] = []
    seen: set[str] = set()
    if len(root["profile"]) > MAX_PROFILE_QUESTIONS:
        raise ContentFileError(
            line_of(root, 1),
            N_("a profile has too many questions: the most is {limit}"),
            limit=MAX_PROFILE_QUESTIONS,
        )
    for number, node in enumerate(root["profile"], start=1):
        line = line_of(node, line_of(root))
        if not isinstance(node, dict):
            raise ContentFileError(
                line, N_("profile question {number} must be a mapping"), number=number
            )
        key = str(node.get("key", ""))
        if not KEY.match(key) or key in seen:
            raise ContentFileError(
                line,
                N_("profile question {number} needs a unique key (letters, digits, _ or -)"),
                number=number,
            )
        seen.add(key)
        where = lazy(N_("profile question {key}"), key=key)
        text_ = translations(node.get("text"), where, languages, LANGUAGES, line)
        options = node.get("options")
        if not isinstance(options, list) or len(options) < 2:
            raise ContentFileError(line, N_("{where} needs at least two options"), where=where)
        option_keys: set[str] = set()
        parsed = []
        for option in options:
            option_line = line_of(option, line)
            option_key = str(option.get("key", "")) if isinstance(option, dict) else ""
            if not KEY.match(option_key) or option_key in option_keys:
                raise ContentFileError(
                    option_line, N_("an option of {key} needs a unique key"), key=key
                )
            option_keys.add(option_key)
            parsed.append(
                {
                    "key": option_key,
                    "text": translations(
                        option,
                        lazy(N_("option {option} of {key}"), option=option_key, key=key),
                        languages,
                        LANGUAGES,
                        option_line,
                    ),
                }
            )
        sensitive = node.get("sensitive", False)
        if not isinstance(sensitive, bool):
            raise ContentFileError(line, N_("'sensitive' of {key} must be true or false"), key=key)
        question: dict[str, Any] = {"key": key, "text": text_, "options": parsed}
        if sensitive:
            question["sensitive"] = True
        questions.append(question)
    return (str(code).strip().upper() if code else None), questions
