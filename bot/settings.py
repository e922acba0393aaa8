"""Every setting, read once from the environment (then an env file), with one clear line per problem."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from starlette.config import Config
from starlette.datastructures import Secret

from bot.logs import FORMATS, LEVELS
from handlers.core.flood import DEFAULT_BROADCASTS, DEFAULT_MESSAGES, FloodGuard
from handlers.i18n.core import LANGUAGES
from storage.crypto import AddressCipher, SecretKeyError, webhook_secret
from storage.engine import DatabaseURLError, normalise_database_url
from storage.errors import DomainError

DEFAULT_DATABASE_URL = "sqlite:///var/reslog.db"
PHONE_NUMBER = re.compile(r"\+[1-9][0-9]{6,14}")
CONTENT_SID = re.compile(r"HX[0-9a-fA-F]{32}")
ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}")
DEFAULT_TELEGRAM_API = "https://api.telegram.org/bot"
BOT_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{2,29}[Bb][Oo][Tt]")
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"", "0", "false", "no", "off"}


# How long backups are kept, so how long erasures are remembered (``storage.erasures``).
DEFAULT_BACKUP_KEEP_DAYS = 90


class SettingsError(DomainError):
    """A setting is missing or malformed; the message is one line naming it."""


@dataclass(frozen=True)
class WhatsAppSettings:
    """WhatsApp through Twilio: the account, the sender, where Twilio calls us, the templates.

    ``templates`` maps a language to the ContentSid of the approved template that carries a
    message outside WhatsApp's 24-hour window (its one variable, ``{{1}}``, is the text).
    """

    account_sid: str
    auth_token: Secret
    sender: str
    public_base_url: str
    api_base_url: str | None = None
    rate: float = 50.0
    templates: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SmtpSettings:
    """Where digests are e-mailed from: the server (``SMTP_URL``) and the sender (``SMTP_FROM``).

    ``start_tls`` None upgrades to TLS when the server offers it; ``use_tls`` is TLS from the
    first byte (``smtps://``).
    """

    host: str
    port: int
    username: str | None
    password: Secret | None
    use_tls: bool
    start_tls: bool | None
    sender: str
    timeout: float = 30.0


@dataclass(frozen=True)
class Settings:
    """The process's configuration."""

    database_url: str
    secret_key: Secret
    telegram_bot_token: Secret | None
    telegram_api_base_url: str
    telegram_webhook_url: str | None
    telegram_webhook_secret: Secret | None
    host: str
    port: int
    log_level: str
    telegram_bot_username: str | None = None
    telegram_webhook_insecure: bool = False
    telegram_rate: float = 25.0
    scheduler_interval: float = 30.0
    flood_messages: int = DEFAULT_MESSAGES
    staff_broadcasts: int = DEFAULT_BROADCASTS
    metrics_token: Secret | None = None
    metrics_port: int = 9464
    backup_keep_days: int = DEFAULT_BACKUP_KEEP_DAYS
    log_format: str = "text"
    whatsapp: WhatsAppSettings | None = None
    smtp: SmtpSettings | None = None

    def flood_guard(self) -> FloodGuard:
        """This process's flood limits, as configured."""
        return FloodGuard(self.flood_messages, self.staff_broadcasts)

    def cipher(self) -> AddressCipher:
        """The address cipher built from the secret key."""
        return AddressCipher.from_secret(str(self.secret_key))

    def webhook_secret(self) -> str | None:
        """What Telegram must send in ``X-Telegram-Bot-Api-Secret-Token`` on every webhook call.

        ``TELEGRAM_WEBHOOK_SECRET`` when set, else a secret derived from ``RESLOG_SECRET_KEY``;
        None (no check at all) only with ``TELEGRAM_WEBHOOK_INSECURE`` and no secret set.
        """
        if self.telegram_webhook_secret is not None:
            return str(self.telegram_webhook_secret)
        if self.telegram_webhook_insecure:
            return None
        return webhook_secret(str(self.secret_key))


def _read_secret(config: Config) -> Secret:
    """RESLOG_SECRET_KEY, or the contents of the file RESLOG_SECRET_KEY_FILE names."""
    key = config("RESLOG_SECRET_KEY", cast=Secret, default=None)
    if key is None:
        path = config("RESLOG_SECRET_KEY_FILE", default=None)
        if path is None:
            raise SettingsError(
                "Config 'RESLOG_SECRET_KEY' is missing, and has no default "
                "(set it, or RESLOG_SECRET_KEY_FILE; `reslog keygen` makes one)"
            )
        try:
            key = Secret(Path(path).read_text(encoding="utf-8").strip())
        except OSError as exc:
            raise SettingsError(
                f"RESLOG_SECRET_KEY_FILE {path!r} cannot be read: {exc.strerror}"
            ) from None
    try:
        AddressCipher.from_secret(str(key))
    except SecretKeyError as exc:
        raise SettingsError(str(exc)) from None
    return key


def bot_username(value: str | None, name: str = "TELEGRAM_BOT_USERNAME") -> str | None:
    """A Telegram bot's username without its @ (None when empty), or a SettingsError naming it."""
    username = (value or "").strip().removeprefix("@")
    if username and not BOT_USERNAME.fullmatch(username):
        raise SettingsError(
            f"{name} {value!r} is not a Telegram bot's username "
            "(5 to 32 letters, digits or _, starting with a letter and ending in bot)"
        )
    return username or None


def flag(value: str, name: str) -> bool:
    """A yes/no setting: 1, true, yes or on; 0, false, no, off or empty."""
    word = value.strip().lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        raise SettingsError(f"{name} {value!r} is not 1 or 0 (true or false)")
    return word in TRUE_WORDS


def telegram_webhook(
    url: str | None, secret: str | None, *, insecure: bool
) -> tuple[str | None, Secret | None]:
    """TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET, checked.

    The URL must be https (Telegram would otherwise carry every update and the secret header
    in the clear) unless TELEGRAM_WEBHOOK_INSECURE allows plain http; the secret must be what
    Telegram accepts as a ``secret_token``.
    """
    url = (url or "").strip() or None
    if url is not None:
        if not re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?", url):
            raise SettingsError(
                f"TELEGRAM_WEBHOOK_URL {url!r} is not a URL like "
                "https://bot.example.org/telegram/webhook"
            )
        if not url.startswith("https://") and not insecure:
            raise SettingsError(
                f"TELEGRAM_WEBHOOK_URL {url!r} is not https://: Telegram would send every "
                "update and its secret in the clear (TELEGRAM_WEBHOOK_INSECURE=1 allows it)"
            )
    if secret is not None and secret != "" and not WEBHOOK_SECRET.fullmatch(secret):
        raise SettingsError(
            "TELEGRAM_WEBHOOK_SECRET must be 1 to 256 characters of A-Z, a-z, 0-9, _ and - "
            "(what Telegram accepts); leave it unset to use one derived from RESLOG_SECRET_KEY"
        )
    return url, Secret(secret) if secret else None


def log_level(value: str, name: str = "LOG_LEVEL") -> str:
    """A logging level by name: DEBUG, INFO, WARNING or ERROR, in any case."""
    level = value.strip().upper()
    if level not in LEVELS:
        raise SettingsError(f"{name} {value!r} is not one of {', '.join(LEVELS)}")
    return level


def send_rate(value: str, name: str = "TELEGRAM_RATE", highest: float = 1000.0) -> float:
    """Messages per second for bulk sends, between 1 and ``highest`` (1000: paid broadcasts)."""
    try:
        rate = float(value)
    except ValueError:
        raise SettingsError(f"{name} {value!r} is not a number of messages per second") from None
    if not 1 <= rate <= highest:
        raise SettingsError(
            f"{name} {value!r} must be between 1 and {highest:g} messages per second"
        )
    return rate


def log_format(value: str) -> str:
    """How log lines are written: ``text`` (for people) or ``json`` (for log collectors)."""
    chosen = value.strip().lower()
    if chosen not in FORMATS:
        raise SettingsError(f"LOG_FORMAT {value!r} must be one of: {', '.join(FORMATS)}")
    return chosen


def whole_number(value: str, name: str, lowest: int, highest: int, unit: str = "") -> int:
    """A whole number between ``lowest`` and ``highest`` (``unit`` names what it counts)."""
    try:
        number = int(value)
    except ValueError:
        raise SettingsError(f"{name} {value!r} is not a whole number") from None
    if not lowest <= number <= highest:
        raise SettingsError(
            f"{name} {value!r} must be between {lowest} and {highest}{' ' if unit else ''}{unit}"
        )
    return number


def metrics_token(value: str) -> Secret | None:
    """The bearer token that opens ``GET /metrics``; None (no route at all) when unset."""
    token = value.strip()
    if not token:
        return None
    if len(token) < 16 or any(c.isspace() for c in token):
        raise SettingsError(
            "METRICS_TOKEN must be at least 16 characters without spaces (for example the"
            " output of `openssl rand -hex 16`)"
        )
    return Secret(token)


def seconds_between(
    value: str, name: str = "SCHEDULER_INTERVAL", lowest: float = 1.0, highest: float = 3600.0
) -> float:
    """A number of seconds between ``lowest`` and ``highest``."""
    try:
        seconds = float(value)
    except ValueError:
        raise SettingsError(f"{name} {value!r} is not a number of seconds") from None
    if not lowest <= seconds <= highest:
        raise SettingsError(f"{name} {value!r} must be between {lowest:g} and {highest:g} seconds")
    return seconds


def phone_number(value: str, name: str) -> str:
    """A phone number in E.164 form (+ and the country code), "whatsapp:" allowed before it."""
    number = value.strip().removeprefix("whatsapp:")
    if not PHONE_NUMBER.fullmatch(number):
        raise SettingsError(f"{name} {value!r} is not a phone number like +905321234567")
    return number


def public_url(value: str, name: str = "PUBLIC_BASE_URL") -> str:
    """The https (or, for a machine of one's own, http) address the outside world reaches us at."""
    url = value.strip().rstrip("/")
    if not re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?", url):
        raise SettingsError(f"{name} {value!r} is not a URL like https://bot.example.org")
    return url


def content_templates(value: str, name: str = "WHATSAPP_TEMPLATES") -> dict[str, str]:
    """LANG=ContentSid pairs, separated by commas: tr=HX...,ar=HX...,en=HX...."""
    templates: dict[str, str] = {}
    for pair in filter(None, (part.strip() for part in value.split(","))):
        language, _sep, sid = pair.partition("=")
        if language.strip() not in LANGUAGES or not CONTENT_SID.fullmatch(sid.strip()):
            raise SettingsError(
                f"{name} {pair!r} must look like tr=HX followed by 32 hex digits "
                f"(one per language: {', '.join(LANGUAGES)})"
            )
        templates[language.strip()] = sid.strip()
    return templates


def _whatsapp(config: Config) -> WhatsAppSettings | None:
    """The WhatsApp settings, if TWILIO_ACCOUNT_SID is set (then the others are needed)."""
    account_sid = (config("TWILIO_ACCOUNT_SID", default="") or "").strip()
    if not account_sid:
        return None
    if not ACCOUNT_SID.fullmatch(account_sid):
        raise SettingsError(
            f"TWILIO_ACCOUNT_SID {account_sid!r} is not a Twilio account SID (AC and 32 hex digits)"
        )
    needed = {"TWILIO_AUTH_TOKEN", "TWILIO_WHATSAPP_FROM", "PUBLIC_BASE_URL"}
    for name in sorted(needed):
        if not (config(name, default="") or "").strip():
            raise SettingsError(
                f"Config {name!r} is missing, and has no default (WhatsApp needs it with "
                "TWILIO_ACCOUNT_SID)"
            )
    api_base = (config("TWILIO_API_BASE_URL", default="") or "").strip()
    return WhatsAppSettings(
        account_sid=account_sid,
        auth_token=config("TWILIO_AUTH_TOKEN", cast=Secret),
        sender=phone_number(config("TWILIO_WHATSAPP_FROM"), "TWILIO_WHATSAPP_FROM"),
        public_base_url=public_url(config("PUBLIC_BASE_URL")),
        api_base_url=public_url(api_base, "TWILIO_API_BASE_URL") if api_base else None,
        rate=send_rate(config("WHATSAPP_RATE", default="50"), "WHATSAPP_RATE"),
        templates=content_templates(config("WHATSAPP_TEMPLATES", default="")),
    )


SMTP_SCHEMES = {"smtp": 587, "smtps": 465}
SMTP_URL_SHAPE = "a URL like smtp://user:password@host:587?starttls=true or smtps://host:465"
EMAIL_ADDRESS = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")


def smtp_settings(url: str | None, sender: str | None) -> SmtpSettings | None:
    """The SMTP settings from ``SMTP_URL`` and ``SMTP_FROM``; None when ``SMTP_URL`` is unset.

    A problem is one line that never repeats the password.
    """
    url = (url or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    shown = _without_password(url)
    try:
        port = parts.port
    except ValueError:
        raise SettingsError(
            f"SMTP_URL {shown!r} has a bad port; it must be {SMTP_URL_SHAPE}"
        ) from None
    if parts.scheme not in SMTP_SCHEMES or not parts.hostname:
        raise SettingsError(f"SMTP_URL {shown!r} is not {SMTP_URL_SHAPE}")
    query = dict(parse_qsl(parts.query))
    starttls = query.pop("starttls", None)
    if query or starttls not in (None, "true", "false"):
        raise SettingsError(f"SMTP_URL {shown!r} may only have ?starttls=true or ?starttls=false")
    address = (sender or "").strip()
    if not EMAIL_ADDRESS.fullmatch(parseaddr(address)[1]) or not address:
        raise SettingsError(
            f"SMTP_FROM {address!r} is not an e-mail address like digest@belediye.gov.tr "
            "(SMTP_URL needs it)"
        )
    use_tls = parts.scheme == "smtps"
    return SmtpSettings(
        host=parts.hostname,
        port=port or SMTP_SCHEMES[parts.scheme],
        username=unquote(parts.username) if parts.username else None,
        password=Secret(unquote(parts.password)) if parts.password else None,
        use_tls=use_tls,
        start_tls=False if use_tls else None if starttls is None else starttls == "true",
        sender=address,
    )


def _without_password(url: str) -> str:
    """A URL with its password replaced by ***."""
    return re.sub(r"(//[^/@:]*:)[^/@]*@", r"\1***@", url)


def load_settings(env_file: str | None = ".env", *, need_secret: bool = True) -> Settings:
    """Read and check every setting; raise SettingsError with one line on the first problem."""
    config = Config(env_file if env_file and Path(env_file).is_file() else None)
    try:
        database_url = config("DATABASE_URL", default=DEFAULT_DATABASE_URL)
        normalise_database_url(database_url)
        port = config("PORT", cast=int, default=8080)
        token = config("TELEGRAM_BOT_TOKEN", cast=Secret, default=None)
        insecure = flag(
            config("TELEGRAM_WEBHOOK_INSECURE", default=""), "TELEGRAM_WEBHOOK_INSECURE"
        )
        webhook_url, webhook_secret = telegram_webhook(
            config("TELEGRAM_WEBHOOK_URL", default=None),
            config("TELEGRAM_WEBHOOK_SECRET", default=None),
            insecure=insecure,
        )
        secret_key = _read_secret(config) if need_secret else Secret("")
        return Settings(
            database_url=database_url,
            secret_key=secret_key,
            telegram_bot_token=token if token and str(token).strip() else None,
            telegram_api_base_url=config("TELEGRAM_API_BASE_URL", default=DEFAULT_TELEGRAM_API),
            telegram_webhook_url=webhook_url,
            telegram_webhook_secret=webhook_secret,
            telegram_webhook_insecure=insecure,
            host=config("HOST", default="127.0.0.1"),
            port=port,
            log_level=log_level(config("LOG_LEVEL", default="INFO")),
            log_format=log_format(config("LOG_FORMAT", default="text")),
            telegram_bot_username=bot_username(config("TELEGRAM_BOT_USERNAME", default=None)),
            telegram_rate=send_rate(config("TELEGRAM_RATE", default="25")),
            scheduler_interval=seconds_between(config("SCHEDULER_INTERVAL", default="30")),
            flood_messages=whole_number(
                config("FLOOD_MESSAGES_PER_MINUTE", default=str(DEFAULT_MESSAGES)),
                "FLOOD_MESSAGES_PER_MINUTE",
                1,
                1000,
                "messages a minute",
            ),
            staff_broadcasts=whole_number(
                config("STAFF_BROADCASTS_PER_HOUR", default=str(DEFAULT_BROADCASTS)),
                "STAFF_BROADCASTS_PER_HOUR",
                1,
                1000,
                "notices and poll openings an hour",
            ),
            metrics_token=metrics_token(config("METRICS_TOKEN", default="")),
            metrics_port=whole_number(
                config("METRICS_PORT", default="9464"), "METRICS_PORT", 1, 65535
            ),
            backup_keep_days=whole_number(
                config("BACKUP_KEEP_DAYS", default=str(DEFAULT_BACKUP_KEEP_DAYS)),
                "BACKUP_KEEP_DAYS",
                1,
                3650,
                "days",
            ),
            whatsapp=_whatsapp(config),
            smtp=smtp_settings(config("SMTP_URL", default=""), config("SMTP_FROM", default="")),
        )
    except DatabaseURLError as exc:
        raise SettingsError(str(exc)) from None
    except (KeyError, ValueError) as exc:
        message = exc.args[0] if exc.args else str(exc)
        raise SettingsError(str(message)) from None
