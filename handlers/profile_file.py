"""Registration-profile files: an assembly's few questions about its members, each option keyed."""

from __future__ import annotations

import re
from typing import Any

from handlers.i18n import LANGUAGES
from handlers.yaml_lines import ContentFileError, line_of, load_with_lines, translations

KEY = re.compile(r"^[A-Za-z0-9_+\-]{1,64}$")
MAX_PROFILE_QUESTIONS = 8


def parse_profile(text: str, languages: tuple[str, ...]) -> tuple[str | None, list[dict[str, Any]]]:
    """Read and check a profile file; returns the assembly code it names (if any) and the questions."""
    root = load_with_lines(text)
    if not isinstance(root, dict) or not isinstance(root.get("profile"), list):
        raise ContentFileError(1, "a profile file is a mapping with a list under 'profile'")
    code = root.get("assembly")
    questions: list[dict[str, Any]] = []
    seen: set[str] = set()
    if len(root["profile"]) > MAX_PROFILE_QUESTIONS:
        raise ContentFileError(
            line_of(root, 1), f"a profile has at most {MAX_PROFILE_QUESTIONS} questions"
        )
    for number, node in enumerate(root["profile"], start=1):
        line = line_of(node, line_of(root))
        if not isinstance(node, dict):
            raise ContentFileError(line, f"profile question {number} must be a mapping")
        key = str(node.get("key", ""))
        if not KEY.match(key) or key in seen:
            raise ContentFileError(
                line, f"profile question {number} needs a unique key (letters, digits, _ or -)"
            )
        seen.add(key)
        text_ = translations(
            node.get("text"), f"profile question {key}", languages, LANGUAGES, line
        )
        options = node.get("options")
        if not isinstance(options, list) or len(options) < 2:
            raise ContentFileError(line, f"profile question {key} needs at least two options")
        option_keys: set[str] = set()
        parsed = []
        for option in options:
            option_line = line_of(option, line)
            option_key = str(option.get("key", "")) if isinstance(option, dict) else ""
            if not KEY.match(option_key) or option_key in option_keys:
                raise ContentFileError(option_line, f"an option of {key} needs a unique key")
            option_keys.add(option_key)
            parsed.append(
                {
                    "key": option_key,
                    "text": translations(
                        option, f"option {option_key} of {key}", languages, LANGUAGES, option_line
                    ),
                }
            )
        questions.append({"key": key, "text": text_, "options": parsed})
    return (str(code).strip().upper() if code else None), questions
