"""Settings: a missing or malformed value stops start-up with one line naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings
from storage.crypto import webhook_secret
from tests.conftest import TEST_SECRET


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "DATABASE_URL",
        "RESLOG_SECRET_KEY",
        "RESLOG_SECRET_KEY_FILE",
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_WEBHOOK_URL",
        "TELEGRAM_WEBHOOK_SECRET",
        "TELEGRAM_WEBHOOK_INSECURE",
        "PORT",
        "FLOOD_MESSAGES_PER_MINUTE",
        "STAFF_BROADCASTS_PER_HOUR",
        "METRICS_TOKEN",
        "METRICS_PORT",
        "LOG_FORMAT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("DATABASE_URL", "mysql://u@h/db", "names 'mysql'"),
        ("DATABASE_URL", "not a url", "is not a database URL"),
        ("PORT", "eighty", "PORT"),
        ("RESLOG_SECRET_KEY", "short", "at least 32 characters"),
        ("RESLOG_SECRET_KEY_FILE", "/nonexistent/key", "cannot be read"),
        ("FLOOD_MESSAGES_PER_MINUTE", "0", "must be between 1 and 1000 messages a minute"),
        ("FLOOD_MESSAGES_PER_MINUTE", "ten", "is not a whole number"),
        ("METRICS_TOKEN", "short", "at least 16 characters"),
        ("METRICS_PORT", "99999", "must be between 1 and 65535"),
        ("LOG_FORMAT", "xml", "must be one of: text, json"),
        ("STAFF_BROADCASTS_PER_HOUR", "0", "between 1 and 1000 notices and poll openings an hour"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    if variable not in ("RESLOG_SECRET_KEY", "RESLOG_SECRET_KEY_FILE"):
        monkeypatch.setenv("RESLOG_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_missing_secret_names_the_setting_and_how_to_make_one() -> None:
    with pytest.raises(SettingsError, match=r"RESLOG_SECRET_KEY' is missing.*reslog keygen"):
        load_settings()


def test_defaults_and_the_secret_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key = tmp_path / "secret.key"
    key.write_text(TEST_SECRET + "\n", encoding="utf-8")
    monkeypatch.setenv("RESLOG_SECRET_KEY_FILE", str(key))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "  ")
    settings = load_settings()
    assert settings.database_url == "sqlite:///var/reslog.db"
    assert settings.telegram_bot_token is None
    assert settings.cipher().decrypt(settings.cipher().encrypt("123")) == "123"


WHATSAPP = {
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "test-auth-token",
    "TWILIO_WHATSAPP_FROM": "whatsapp:+905320000000",
    "PUBLIC_BASE_URL": "https://bot.example.org/",
    "WHATSAPP_TEMPLATES": "tr=HX" + "a" * 32 + ", ar=HX" + "b" * 32,
}


def test_whatsapp_is_off_without_an_account_and_read_whole_with_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RESLOG_SECRET_KEY", TEST_SECRET)
    for name in (*WHATSAPP, "TWILIO_API_BASE_URL", "WHATSAPP_RATE"):
        monkeypatch.delenv(name, raising=False)
    assert load_settings().whatsapp is None
    for name, value in WHATSAPP.items():
        monkeypatch.setenv(name, value)
    whatsapp = load_settings().whatsapp
    assert whatsapp is not None
    assert (whatsapp.sender, whatsapp.public_base_url, whatsapp.rate) == (
        "+905320000000",
        "https://bot.example.org",
        50.0,
    )
    assert whatsapp.templates == {"tr": "HX" + "a" * 32, "ar": "HX" + "b" * 32}


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("TWILIO_ACCOUNT_SID", "XY123", "is not a Twilio account SID"),
        ("TWILIO_AUTH_TOKEN", "", "Config 'TWILIO_AUTH_TOKEN' is missing"),
        ("TWILIO_WHATSAPP_FROM", "0532 000 00 00", "is not a phone number like +905321234567"),
        ("PUBLIC_BASE_URL", "bot.example.org", "is not a URL like https://bot.example.org"),
        ("WHATSAPP_TEMPLATES", "tr=template-1", "must look like tr=HX"),
        ("WHATSAPP_TEMPLATES", "ku=HX" + "a" * 32, "must look like tr=HX"),
        ("WHATSAPP_RATE", "5000", "WHATSAPP_RATE"),
        ("TWILIO_API_BASE_URL", "localhost:9", "TWILIO_API_BASE_URL"),
    ],
)
def test_a_bad_whatsapp_setting_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv("RESLOG_SECRET_KEY", TEST_SECRET)
    for name, good in WHATSAPP.items():
        monkeypatch.setenv(name, good)
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_smtp_is_off_without_a_url_and_read_whole_with_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RESLOG_SECRET_KEY", TEST_SECRET)
    monkeypatch.delenv("SMTP_URL", raising=False)
    monkeypatch.delenv("SMTP_FROM", raising=False)
    assert load_settings().smtp is None
    monkeypatch.setenv("SMTP_URL", "smtp://ozet%40bel.tr:p%40ss@mail.bel.tr:2525?starttls=true")
    monkeypatch.setenv("SMTP_FROM", "RESLOG <ozet@bel.tr>")
    smtp = load_settings().smtp
    assert smtp is not None
    assert (smtp.host, smtp.port, smtp.username) == ("mail.bel.tr", 2525, "ozet@bel.tr")
    assert str(smtp.password) == "p@ss" and "p@ss" not in repr(smtp)
    assert (smtp.use_tls, smtp.start_tls, smtp.sender) == (False, True, "RESLOG <ozet@bel.tr>")
    monkeypatch.setenv("SMTP_URL", "smtps://mail.bel.tr")
    smtp = load_settings().smtp
    assert smtp is not None and (smtp.port, smtp.use_tls, smtp.start_tls) == (465, True, False)


@pytest.mark.parametrize(
    ("url", "sender", "expected"),
    [
        ("http://u:gizli@mail.bel.tr", "a@bel.tr", "SMTP_URL 'http://u:***@mail.bel.tr' is not"),
        ("smtp://u:gizli@mail.bel.tr:99999", "a@bel.tr", "has a bad port"),
        ("smtp://mail.bel.tr?tls=yes", "a@bel.tr", "may only have ?starttls=true"),
        ("smtp://:gizli@/", "a@bel.tr", "is not a URL like smtp://"),
        ("smtp://mail.bel.tr", "", "SMTP_FROM '' is not an e-mail address"),
        ("smtp://mail.bel.tr", "ozet", "SMTP_FROM 'ozet' is not an e-mail address"),
    ],
)
def test_a_bad_smtp_setting_is_one_line_that_never_shows_the_password(
    monkeypatch: pytest.MonkeyPatch, url: str, sender: str, expected: str
) -> None:
    monkeypatch.setenv("RESLOG_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("SMTP_URL", url)
    monkeypatch.setenv("SMTP_FROM", sender)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value) and "gizli" not in str(caught.value)


def test_the_webhook_secret_is_derived_unless_configured_and_none_only_when_insecure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RESLOG_SECRET_KEY", TEST_SECRET)
    derived = load_settings(None).webhook_secret()
    assert derived == webhook_secret(TEST_SECRET)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_INSECURE", "1")
    assert load_settings(None).webhook_secret() is None
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "own_secret-1")
    assert load_settings(None).webhook_secret() == "own_secret-1"
    monkeypatch.setenv("TELEGRAM_WEBHOOK_INSECURE", "0")
    assert load_settings(None).webhook_secret() == "own_secret-1"


def test_a_plain_http_webhook_url_needs_the_explicit_insecure_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """For a local Bot API server on a private network; Telegram itself takes https only."""
    monkeypatch.setenv("RESLOG_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "http://bot.internal:8081/telegram/webhook")
    with pytest.raises(SettingsError, match="is not https://"):
        load_settings(None)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_INSECURE", "true")
    settings = load_settings(None)
    assert settings.telegram_webhook_url == "http://bot.internal:8081/telegram/webhook"
    assert settings.webhook_secret() is None
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "bot.internal/telegram/webhook")
    with pytest.raises(SettingsError, match="is not a URL like"):
        load_settings(None)
