"""Logging for `reslog`: our own loggers at the chosen level, never a person's address in clear.

Our code names people by a pseudonym or a row id. Some libraries log more when asked for
DEBUG: python-telegram-bot writes whole updates (user ids, names, texts), httpx writes request
URLs (the bot token), SQLAlchemy writes statement parameters, and twilio's HTTP client writes
every API request's parameters at INFO (the recipient's number and the message's text). Those
loggers are held at INFO or WARNING whatever the level, so `reslog -v` and ``LOG_LEVEL=DEBUG`` debug the project,
not leak the people in it.
"""

from __future__ import annotations

import logging

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
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


def configure_logging(level: int) -> None:
    """Log to standard error at ``level``, with the talkative libraries held below their ceilings."""
    logging.basicConfig(level=level, format=LOG_FORMAT, force=True)
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
