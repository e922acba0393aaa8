"""Whether a webhook call comes from Twilio: ``X-Twilio-Signature`` over the public URL and the form.

Twilio signs the URL it was told to call, as the outside world writes it, followed by the form's
fields, with the account's auth token (twilio's ``RequestValidator`` checks it, with and without
the default port). Behind a proxy the request that reaches us names another scheme and host, so
the URL is rebuilt from ``PUBLIC_BASE_URL`` (configured, hence trusted): its scheme, host and path
prefix, then the route's path and the request's query string.

``X-Forwarded-Proto`` and ``X-Forwarded-Host`` are honoured only inside that trust. Anyone can
send them, so a forwarded host that is not the host of ``PUBLIC_BASE_URL`` is never tried: a
request Twilio signed for another site of the same account must not pass here. A forwarded
scheme (``http`` or ``https``) and a forwarded port of the same host are tried beside the
configured URL, which covers a Twilio console pointed at ``http://`` or at an explicit port
while ``PUBLIC_BASE_URL`` says otherwise. Only the first value of each header counts (the one
the outermost proxy saw).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from twilio.request_validator import RequestValidator

from bot.request_body import read_body
from bot.settings import WhatsAppSettings

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"
MAX_BODY_BYTES = 256 * 1024
MAX_FORM_FIELDS = 200
FORWARDED_PROTO = "X-Forwarded-Proto"
FORWARDED_HOST = "X-Forwarded-Host"
SCHEMES = ("http", "https")


def signed_urls(
    public_base_url: str, path: str, query: str, headers: Mapping[str, str]
) -> list[str]:
    """The URLs Twilio may have signed for this request: the configured one first."""
    base = urlsplit(public_base_url)
    full_path = base.path.rstrip("/") + path
    urls = [urlunsplit((base.scheme, base.netloc, full_path, query, ""))]
    proto = _first(headers.get(FORWARDED_PROTO)).lower()
    host = _first(headers.get(FORWARDED_HOST))
    if not proto and not host:
        return urls
    netloc = _same_host(host, base.hostname) if host else base.netloc
    if netloc is None:
        return urls
    scheme = proto if proto in SCHEMES else base.scheme
    forwarded = urlunsplit((scheme, netloc, full_path, query, ""))
    if forwarded not in urls:
        urls.append(forwarded)
    return urls


def signature_matches(
    auth_token: str, urls: Sequence[str], form: ImmutableMultiDict[str, str], signature: str
) -> bool:
    """Whether ``signature`` is Twilio's for one of ``urls`` and the form's fields."""
    validator = RequestValidator(auth_token)
    return any(bool(validator.validate(url, form, signature)) for url in urls)


def _first(value: str | None) -> str:
    """The first of a header's comma-separated values, trimmed."""
    return (value or "").split(",")[0].strip()


def _same_host(value: str, hostname: str | None) -> str | None:
    """A forwarded ``host[:port]`` if it names ``hostname``; None if another host or malformed."""
    try:
        parsed = urlsplit("//" + value)
        _port = parsed.port  # raises on a port that is not a number
    except ValueError:
        return None
    clean = not (parsed.path or parsed.query or parsed.fragment or "@" in parsed.netloc)
    return parsed.netloc if clean and parsed.hostname == hostname else None


async def signed_form(
    request: Request, settings: WhatsAppSettings, path: str
) -> ImmutableMultiDict[str, str] | Response:
    """The posted form if Twilio signed it for ``path``; else the answer to give: 403 without a
    signature (the body unread) or with one that matches no URL, 413 for a body too large."""
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not signature:
        return PlainTextResponse("forbidden", status_code=403)
    body = await read_body(request, MAX_BODY_BYTES)
    if body is None:
        return PlainTextResponse("request body too large", status_code=413)
    form = read_form(body)
    urls = signed_urls(settings.public_base_url, path, request.url.query, request.headers)
    if not signature_matches(str(settings.auth_token), urls, form, signature):
        log.warning(
            "X-Twilio-Signature matches none of %s: is Twilio's URL PUBLIC_BASE_URL%s, and "
            "TWILIO_AUTH_TOKEN the account's?",
            ", ".join(urls),
            path,
        )
        return PlainTextResponse("forbidden", status_code=403)
    return form


def read_form(body: bytes) -> ImmutableMultiDict[str, str]:
    """An ``application/x-www-form-urlencoded`` body's fields (a malformed one reads as empty)."""
    try:
        pairs = parse_qsl(
            body.decode("ascii", errors="replace"),
            keep_blank_values=True,
            encoding="utf-8",
            errors="replace",
            max_num_fields=MAX_FORM_FIELDS,
        )
    except ValueError:
        pairs = []
    return ImmutableMultiDict(pairs)
