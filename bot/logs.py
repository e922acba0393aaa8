"""Logging for `reslog`: our own loggers at the chosen level, never a person's address in clear.

Our code names people by a pseudonym or a row id. Some libraries log more when asked for
DEBUG: python-telegram-bot writes whole updates (user ids, names, texts), httpx writes request
URLs (the bot token), SQLAlchemy writes statement parameters, and twilio's HTTP client writes
every API request's parameters at INFO (the recipient's number and the message's text). Those
loggers are held at INFO or WARNING whatever the level, so `reslog -v` and ``LOG_LEVEL=DEBUG`` debug the project,
not leak the people in it.

With ``LOG_FORMAT=json`` each record is one JSON object on one line (python-json-logger), for
log collectors: ``time`` (ISO 8601, UTC), ``level``, ``logger``, ``message``, the traceback as ``exc_info``
when there is one, and ``person``: the pseudonym (``p:`` and 12 hex digits) the message names,
if it names one.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from pythonjsonlogger.json import JsonFormatter

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = ("levelname", "name", "message")
JSON_NAMES = {"levelname": "level", "name": "logger"}
FORMATS = ("text", "json")
PSEUDONYM = re.compile(r"\bp:([0-9a-f]{12})\b")
LIBRARY_CEILINGS: dict[str, int] = {
    "telegram": logging.INFO,
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "sqlalchemy": logging.WARNING,
    "aiosqlite": logging.WARNING,
    "asyncpg": logging.WARNING,
    "uvicorn.access": logging.WARNING,
    "twilio": logging.WARNING,  # ten lines of request and headers per message sent at INFO
}


class JsonLines(JsonFormatter):
    """One JSON object per record, with the person the message names, if any."""

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        """The standard fields, renamed, and ``person``."""
        super().add_fields(log_data, record, message_dict)
        named = PSEUDONYM.search(record.getMessage())
        if named is not None:
            log_data["person"] = named.group(0)


def configure_logging(level: int, log_format: str = "text") -> None:
    """Log to standard error at ``level``, as text or JSON lines, with the talkative libraries
    held below their ceilings."""
    logging.basicConfig(level=level, format=LOG_FORMAT, force=True)
    if log_format == "json":
        formatter = JsonLines(
            list(JSON_FIELDS), rename_fields=JSON_NAMES, timestamp="time", json_ensure_ascii=False
        )
        for handler in logging.getLogger().handlers:
            handler.setFormatter(formatter)
    for name, ceiling in LIBRARY_CEILINGS.items():
        logging.getLogger(name).setLevel(max(level, ceiling))


LEVELS: dict[str, int] = {
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARNING": logging.WARNING,
    "ERROR": logging.ERROR,
}


def service_level(log_level: str, verbose: bool) -> int:
    """The level a long-running command logs at: DEBUG with -v, else LOG_LEVEL."""
    return logging.DEBUG if verbose else LEVELS[log_level]
