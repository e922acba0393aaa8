"""A fake Twilio REST API on loopback, for tests that run the official twilio client for real.

``FakeTwilioApi`` is a Starlette app served by uvicorn on 127.0.0.1 with an ephemeral port, as
a task of the test's own event loop; point the client at ``fake.base_url``. It serves
the two resources the bot uses:

    POST /2010-04-01/Accounts/{AccountSid}/Messages.json    send a message
    GET  /2010-04-01/Accounts/{AccountSid}/Messages.json    list the messages it accepted

with HTTP basic auth (account SID and auth token; 401, code 20003, otherwise), and checks the
fields as Twilio does for WhatsApp (``GET .../Accounts/{AccountSid}.json`` answers the account,
for a check of the credentials): ``From`` is the account's sender and ``To`` a number, both
``whatsapp:+...``; exactly one of ``Body`` (at most 1600 characters) or ``ContentSid`` (``HX``
and 32 hex digits, with ``ContentVariables`` a JSON object of strings); ``StatusCallback`` an
http(s) URL. A message it accepts is recorded (``messages``) and answered 201 with Twilio's
JSON (``sid`` ``SM...``, ``status`` ``queued``); every request, refused or not, is in ``requests``.
The list is Twilio's: newest first, filtered by ``To``, ``From`` and ``DateSent`` (a day, or a
time in ``YYYY-MM-DDTHH:MM:SSZ``; ``DateSent>`` on or after, ``DateSent<`` on or before), in pages
of ``PageSize`` (50 by default, at most 1000) with ``next_page_uri``; a template message's
``body`` is its text as rendered (variable 1). Each list request is in ``lookups``.

``hold`` accepts messages but keeps their answers back until ``release``, and ``drop_next``
lets the next requests hang without accepting them, then answers them 503 on ``release``
(records nothing): together they stand for the requests under way when a sender is killed,
some of which had reached Twilio and some not.

The 24-hour window is simulated: the fake knows when each number last wrote (``wrote``), and a
free-form ``Body`` to a number that has not written within 24 hours is refused with 63016. (Real
Twilio usually accepts such a message and reports 63016 in its status callback instead; a test
shows that path with ``send_status``.) A number that opted out (``opt_out``) is refused with
21610. ``fail_next`` programs other failures: a Twilio error code and HTTP status (20429 with
429, a 500, ...), optionally with a ``Retry-After`` header.

``send_status`` posts a status callback to a message's ``StatusCallback`` URL as Twilio does,
signed with ``RequestValidator.compute_signature`` (or unsigned, or wrongly signed), through
``callback_transport`` when a test sets one (an ``httpx.ASGITransport`` on the bot's app).

    async with FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN, sender="+905550000000") as fake:
        fake.wrote("+905321234567")
        ...  # send through twilio.rest.Client pointed at fake.base_url
        [message] = fake.messages
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
import secrets
import time
from collections.abc import Callable, Iterable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from tests.fakes.loopback import serving

Json = dict[str, Any]

API_VERSION = "2010-04-01"
MAX_BODY = 1600
WINDOW_SECONDS = 24 * 3600.0
WAIT_TIMEOUT = 10.0
SIGNATURE_HEADER = "X-Twilio-Signature"
WHATSAPP_NUMBER = re.compile(r"whatsapp:\+[1-9][0-9]{6,14}")
CONTENT_SID = re.compile(r"HX[0-9a-fA-F]{32}")
CALLBACK_URL = re.compile(r"https?://[^\s/?#_]+(/[^\s]*)?")
MESSAGES = {
    20003: "Authenticate",
    20429: "Too Many Requests",
    21211: "Invalid 'To' Phone Number",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21609: "Invalid 'StatusCallback'",
    21610: "Attempt to send to unsubscribed recipient",
    21617: "The concatenated message body exceeds the 1600 character limit.",
    21619: "A text message body or media urls must be specified.",
    21655: "The ContentSid is Invalid",
    21656: "The ContentVariables Parameter is invalid",
    63007: "Twilio could not find a Channel with the specified From address",
    63016: (
        "Failed to send freeform message because you are outside the allowed window. "
        "If you are using WhatsApp, please use a Message Template."
    ),
}


class ApiError(Exception):
    """A Twilio error answer."""

    def __init__(self, code: int, status: int = 400, message: str | None = None) -> None:
        super().__init__(message or MESSAGES.get(code, "Error"))
        self.code = code
        self.status = status
        self.message = message or MESSAGES.get(code, "Error")


@dataclass(frozen=True)
class ApiRequest:
    """One request to the Messages resource, and how it was answered."""

    form: dict[str, str]
    status: int
    code: int | None
    at: float = field(default_factory=time.monotonic)

    @property
    def to(self) -> str:
        """The recipient without the ``whatsapp:`` prefix."""
        return self.form.get("To", "").removeprefix("whatsapp:")


@dataclass(frozen=True)
class SentMessage:
    """A message the fake accepted."""

    sid: str
    to: str  # E.164, without "whatsapp:"
    sender: str
    body: str | None
    content_sid: str | None
    content_variables: dict[str, str] | None
    status_callback: str | None
    at: float = field(default_factory=time.monotonic)
    created: float = field(default_factory=time.time)

    @property
    def text(self) -> str | None:
        """What the person reads: the body, or the template's variable 1."""
        if self.body is not None:
            return self.body
        return (self.content_variables or {}).get("1")


@dataclass
class _Failure:
    """An error to answer the next requests with."""

    code: int
    status: int
    message: str | None
    retry_after: float | None
    times: int


class FakeTwilioApi:
    """A Twilio Messages API on 127.0.0.1 that records what it is sent."""

    def __init__(self, account_sid: str, auth_token: str, *, sender: str) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.sender = sender
        self.requests: list[ApiRequest] = []
        self.messages: list[SentMessage] = []
        self.last_inbound: dict[str, float] = {}
        self.opted_out: set[str] = set()
        self.callback_transport: httpx.AsyncBaseTransport | None = None
        self.lookups: list[dict[str, str]] = []
        self._holding = False
        self._dropping = 0
        self.dropped = 0  # create requests let hang by ``drop_next``
        self._gate: asyncio.Event | None = None
        self._failures: list[_Failure] = []
        self._changed: asyncio.Condition | None = None
        self._serving: AsyncExitStack | None = None
        self._origin = ""

    # ---- life cycle -------------------------------------------------------------------

    async def __aenter__(self) -> FakeTwilioApi:
        """Start serving on an ephemeral loopback port."""
        self._changed = asyncio.Condition()
        self._serving = AsyncExitStack()
        self._origin = await self._serving.enter_async_context(
            serving(
                Starlette(
                    routes=[
                        Route(
                            f"/{API_VERSION}/Accounts/{{account_sid}}/Messages.json",
                            self._create_message,
                            methods=["POST"],
                        ),
                        Route(
                            f"/{API_VERSION}/Accounts/{{account_sid}}/Messages.json",
                            self._list_messages,
                            methods=["GET"],
                        ),
                        Route(
                            f"/{API_VERSION}/Accounts/{{account_sid}}.json",
                            self._fetch_account,
                            methods=["GET"],
                        ),
                    ]
                )
            )
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop the server."""
        if self._serving is not None:
            await self._serving.aclose()
            self._serving = None

    @property
    def base_url(self) -> str:
        """What ``TWILIO_API_BASE_URL`` is set to (the client adds ``/2010-04-01/...``)."""
        return f"{self._origin}"

    # ---- what a test arranges -----------------------------------------------------------

    def wrote(self, number: str, *, seconds_ago: float = 0.0) -> None:
        """The person at ``number`` (E.164) sent the sender a message ``seconds_ago``."""
        self.last_inbound[number] = time.time() - seconds_ago

    def opt_out(self, number: str) -> None:
        """The person at ``number`` opted out: every message to them is refused with 21610."""
        self.opted_out.add(number)

    def fail_next(
        self,
        code: int,
        status: int = 400,
        *,
        message: str | None = None,
        retry_after: float | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` requests with a Twilio error (and a Retry-After, if given)."""
        self._failures.append(_Failure(code, status, message, retry_after, times))

    def hold(self) -> None:
        """Accept messages but keep their answers back until ``release``."""
        self._holding = True
        self._gate = self._gate or asyncio.Event()

    def drop_next(self, count: int) -> None:
        """Let the next ``count`` create requests hang unaccepted until ``release``."""
        self._dropping += count
        self._gate = self._gate or asyncio.Event()

    def release(self) -> None:
        """Answer what was held (the dropped with a 503), and hold nothing more."""
        self._holding = False
        self._dropping = 0
        if self._gate is not None:
            self._gate.set()
            self._gate = None

    async def send_status(
        self,
        sid: str,
        status: str,
        *,
        error_code: int | None = None,
        signed: bool = True,
        signature: str | None = None,
        url: str | None = None,
        omit: tuple[str, ...] = (),
    ) -> httpx.Response:
        """Post a status callback for message ``sid`` as Twilio does; the bot's answer.

        ``signed=False`` sends no signature, ``signature`` a given one; ``url`` posts to another
        callback URL than the message's (for a message the bot never sent, say); ``omit``
        leaves fields out.
        """
        message = next((m for m in self.messages if m.sid == sid), None)
        target = url or (message.status_callback if message else None)
        assert target, f"no StatusCallback known for {sid}"
        to = message.to if message else "+905559999999"
        form = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "ChannelPrefix": "whatsapp",
            "ChannelToAddress": to,
            "From": f"whatsapp:{self.sender}",
            "MessageSid": sid,
            "MessageStatus": status,
            "SmsSid": sid,
            "SmsStatus": status,
            "To": f"whatsapp:{to}",
        }
        if error_code is not None:
            form["ErrorCode"] = str(error_code)
            form["ErrorMessage"] = MESSAGES.get(error_code, "Error")
        for name in omit:
            form.pop(name, None)
        headers = {}
        if signature is not None:
            headers[SIGNATURE_HEADER] = signature
        elif signed:
            headers[SIGNATURE_HEADER] = RequestValidator(self.auth_token).compute_signature(
                target, form
            )
        async with httpx.AsyncClient(transport=self.callback_transport) as client:
            return await client.post(target, data=form, headers=headers)

    # ---- what a test reads ---------------------------------------------------------------

    def messages_to(self, number: str) -> list[SentMessage]:
        """The messages accepted for one number, in order."""
        return [m for m in self.messages if m.to == number]

    def requests_to(self, number: str) -> list[ApiRequest]:
        """Every request for one number, refused ones too, in order."""
        return [r for r in self.requests if r.to == number]

    async def wait_until(
        self, predicate: Callable[[], object], *, within: float = WAIT_TIMEOUT, what: str = ""
    ) -> None:
        """Wait until ``predicate()`` is true, re-checking after every request; fail on timeout."""
        assert self._changed is not None, "the fake Twilio API is not running"
        try:
            async with asyncio.timeout(within), self._changed:
                await self._changed.wait_for(lambda: bool(predicate()))
        except TimeoutError:
            if not predicate():
                raise AssertionError(
                    f"timed out after {within} s waiting for {what or predicate}"
                ) from None

    # ---- the resource -------------------------------------------------------------------

    async def _create_message(self, request: Request) -> JSONResponse:
        """POST Messages.json: authenticate, check, record, answer."""
        fields = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        if self._dropping and self._gate is not None:
            self._dropping -= 1
            self.dropped += 1
            gate = self._gate
            await self._notify()
            await gate.wait()
            return JSONResponse({"code": 20500, "message": "dropped", "status": 503}, 503)
        try:
            self._authenticate(request)
            self._programmed_failure()
            message = self._accept(_check(fields, self.sender))
        except _Throttle as exc:
            return await self._answer_error(fields, exc.error, {"Retry-After": exc.retry_after})
        except ApiError as exc:
            return await self._answer_error(fields, exc, {})
        self.messages.append(message)
        await self._record(ApiRequest(fields, 201, None))
        if self._holding and self._gate is not None:
            await self._gate.wait()
        return JSONResponse(self._resource(message), status_code=201)

    async def _list_messages(self, request: Request) -> JSONResponse:
        """GET Messages.json: the accepted messages, newest first, filtered, one page."""
        query = dict(request.query_params)
        try:
            self._authenticate(request)
            size = min(int(query.get("PageSize", "50")), 1000)
            page = int(query.get("Page", "0"))
            kept = _listed(reversed(self.messages), query, self.sender)
        except ValueError:
            return await self._answer_error({}, ApiError(20001, 400, "Invalid parameter"), {})
        except ApiError as exc:
            return await self._answer_error({}, exc, {})
        self.lookups.append(query)
        path = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages.json"

        def page_uri(number: int) -> str:
            return f"{path}?{urlencode({**query, 'PageSize': size, 'Page': number})}"

        chunk = kept[page * size : (page + 1) * size]
        more = (page + 1) * size < len(kept)
        return JSONResponse(
            {
                "messages": [self._resource(m, listed=True) for m in chunk],
                "start": page * size,
                "end": page * size + max(len(chunk) - 1, 0),
                "page": page,
                "page_size": size,
                "first_page_uri": page_uri(0),
                "previous_page_uri": page_uri(page - 1) if page else None,
                "next_page_uri": page_uri(page + 1) if more else None,
                "uri": page_uri(page),
            }
        )

    async def _fetch_account(self, request: Request) -> JSONResponse:
        """GET Accounts/{sid}.json: the account, to whoever holds its credentials."""
        try:
            self._authenticate(request)
        except ApiError as exc:
            return await self._answer_error({}, exc, {})
        return JSONResponse(
            {
                "sid": self.account_sid,
                "friendly_name": "RESLOG test account",
                "status": "active",
                "type": "Full",
                "uri": f"/{API_VERSION}/Accounts/{self.account_sid}.json",
            }
        )

    def _authenticate(self, request: Request) -> None:
        """Basic auth with the account SID and auth token, for this account's URL."""
        scheme, _sep, encoded = request.headers.get("Authorization", "").partition(" ")
        try:
            user, _colon, password = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise ApiError(20003, 401) from None
        if (
            scheme.lower() != "basic"
            or not secrets.compare_digest(user, self.account_sid)
            or not secrets.compare_digest(password, self.auth_token)
            or request.path_params["account_sid"] != self.account_sid
        ):
            raise ApiError(20003, 401)

    def _programmed_failure(self) -> None:
        """Raise the next programmed failure, if any."""
        if not self._failures:
            return
        failure = self._failures[0]
        failure.times -= 1
        if failure.times <= 0:
            self._failures.pop(0)
        error = ApiError(failure.code, failure.status, failure.message)
        if failure.retry_after is not None:
            raise _Throttle(error, f"{failure.retry_after:g}")
        raise error

    def _accept(self, message: SentMessage) -> SentMessage:
        """Refuse what WhatsApp would not deliver: an opted-out number, free-form out of window."""
        if message.to in self.opted_out:
            raise ApiError(21610)
        if message.body is not None:
            wrote = self.last_inbound.get(message.to)
            if wrote is None or time.time() - wrote > WINDOW_SECONDS:
                raise ApiError(63016)
        return message

    async def _answer_error(
        self, fields: dict[str, str], error: ApiError, headers: dict[str, str]
    ) -> JSONResponse:
        """Twilio's error JSON, the request recorded."""
        await self._record(ApiRequest(fields, error.status, error.code))
        return JSONResponse(
            {
                "code": error.code,
                "message": error.message,
                "more_info": f"https://www.twilio.com/docs/errors/{error.code}",
                "status": error.status,
            },
            status_code=error.status,
            headers=headers,
        )

    def _resource(self, message: SentMessage, *, listed: bool = False) -> Json:
        """The Message resource as Twilio answers a create (queued), or lists it (sent)."""
        created = formatdate(message.created, usegmt=True)
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{message.sid}"
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": (message.text if listed else message.body) or "",
            "date_created": created,
            "date_sent": created if listed else None,
            "date_updated": created,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": f"whatsapp:{message.sender}",
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": None,
            "sid": message.sid,
            "status": "sent" if listed else "queued",
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": f"whatsapp:{message.to}",
            "uri": f"{uri}.json",
        }

    async def _record(self, entry: ApiRequest) -> None:
        """Keep the request and wake whoever waits."""
        self.requests.append(entry)
        await self._notify()

    async def _notify(self) -> None:
        """Wake whoever waits for a change."""
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()


class _Throttle(Exception):
    """A programmed failure answered with a Retry-After header."""

    def __init__(self, error: ApiError, retry_after: str) -> None:
        super().__init__(error.message)
        self.error = error
        self.retry_after = retry_after


def _check(fields: dict[str, str], sender: str) -> SentMessage:
    """The message the fields describe, or the ApiError Twilio would answer."""
    to, sender_field = fields.get("To"), fields.get("From")
    if not to:
        raise ApiError(21604)
    if not WHATSAPP_NUMBER.fullmatch(to):
        raise ApiError(21211)
    if not sender_field:
        raise ApiError(21603)
    if sender_field != f"whatsapp:{sender}":
        raise ApiError(63007)
    body, content_sid = fields.get("Body"), fields.get("ContentSid")
    if (body is None) == (content_sid is None) or body == "":
        raise ApiError(21619)  # the fake's rule: exactly one of Body or ContentSid
    if body is not None and len(body) > MAX_BODY:
        raise ApiError(21617)
    variables: dict[str, str] | None = None
    if content_sid is not None:
        if not CONTENT_SID.fullmatch(content_sid):
            raise ApiError(21655)
        variables = _content_variables(fields.get("ContentVariables"))
    elif "ContentVariables" in fields:
        raise ApiError(21656)
    callback = fields.get("StatusCallback")
    if callback is not None and not CALLBACK_URL.fullmatch(callback):
        raise ApiError(21609)
    return SentMessage(
        sid="SM" + secrets.token_hex(16),
        to=to.removeprefix("whatsapp:"),
        sender=sender,
        body=body,
        content_sid=content_sid,
        content_variables=variables,
        status_callback=callback,
    )


def _listed(
    messages: Iterable[SentMessage], query: dict[str, str], sender: str
) -> list[SentMessage]:
    """The messages the list's filters keep (``To``, ``From``, ``DateSent``, ``DateSent>``,
    ``DateSent<``); a malformed date is a ValueError."""
    to, sender_field = query.get("To"), query.get("From")
    on, after, before = (query.get(f"DateSent{op}") for op in ("", ">", "<"))
    bounds = [
        (_moment(on, 0) if on else None, _moment(on, 1) if on else None),
        (_moment(after, 0) if after else None, None),
        (None, _moment(before, 1) if before else None),
    ]
    kept = []
    for message in messages:
        if to is not None and to != f"whatsapp:{message.to}":
            continue
        if sender_field is not None and sender_field != f"whatsapp:{sender}":
            continue
        if all(
            (low is None or message.created >= low) and (high is None or message.created < high)
            for low, high in bounds
        ):
            kept.append(message)
    return kept


def _moment(value: str, end: int) -> float:
    """A DateSent filter as a Unix time: a day's start (``end`` 1: the next day's start), or
    the time given (``end`` 1: a second after it)."""
    if len(value) == len("YYYY-MM-DD"):
        day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
        return (day + timedelta(days=end)).timestamp()
    moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return moment.timestamp() + end


def _content_variables(raw: str | None) -> dict[str, str]:
    """ContentVariables: a JSON object of strings keyed by the template's placeholders."""
    if raw is None:
        return {}
    try:
        variables = json.loads(raw)
    except ValueError:
        raise ApiError(21656) from None
    if not isinstance(variables, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in variables.items()
    ):
        raise ApiError(21656)
    return variables
