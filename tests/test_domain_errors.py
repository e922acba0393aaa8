"""The one error base: an English line for the command line, the reader's language in chat."""

from __future__ import annotations

import pytest

from bot.cli.common import CliError, about
from bot.digests.job import DigestRunError
from bot.settings import SettingsError
from handlers.digests.period import PeriodError, parse_send_time
from handlers.digests.staff.input import RecipientInputError
from handlers.i18n.core import CatalogMissingError, use_language
from handlers.i18n.lazy import render
from handlers.notices.queue import NoticeProblem
from handlers.polls.lifecycle import PollStateError
from handlers.polls.staff.pick import PollNotFound
from handlers.polls.update import PollLockedError
from handlers.polls.yaml_lines import ContentFileError
from handlers.results.by_profile import UnknownProfileKeyError
from handlers.results.figures import ResultsError
from storage.crypto import SecretKeyError
from storage.engine import DatabaseURLError
from storage.errors import DomainError
from storage.unions import UnionError

ERRORS = [
    CliError,
    DigestRunError,
    SettingsError,
    PeriodError,
    RecipientInputError,
    CatalogMissingError,
    NoticeProblem,
    PollStateError,
    PollNotFound,
    PollLockedError,
    ContentFileError,
    UnknownProfileKeyError,
    ResultsError,
    SecretKeyError,
    DatabaseURLError,
    UnionError,
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda error: error.__name__)
def test_every_refusal_of_the_domain_is_a_domain_error(error: type[Exception]) -> None:
    assert issubclass(error, DomainError)


def test_a_refusal_is_english_on_the_command_line_and_the_readers_language_in_chat() -> None:
    with use_language("ar"), pytest.raises(PeriodError) as caught:
        parse_send_time("٢٥:٠٠")  # raised under one language, shown under each
    assert str(caught.value) == "time '٢٥:٠٠' must be a time of day like 08:00"
    said = {}
    for language in ("tr", "ar", "en"):
        with use_language(language):
            said[language] = render(caught.value.message)
    assert said["en"] == "\u2068٢٥:٠٠\u2069 is not a time of day. Write it like 08:00."
    assert len(set(said.values())) == 3
    assert parse_send_time("٠٨:٣٠") == "08:30"


def test_the_command_line_says_first_what_a_refusal_is_about() -> None:
    with pytest.raises(PeriodError) as caught, about("--time: "):
        parse_send_time("noon")
    assert str(caught.value) == "--time: time 'noon' must be a time of day like 08:00"
