"""A fake Telegram Bot API server on loopback, for tests that run python-telegram-bot for real.

``FakeBotApi`` is a Starlette app served by uvicorn on 127.0.0.1 with an ephemeral port, as a
task of the test's own event loop. Point the bot's ``base_url`` at ``fake.base_url``. It speaks
the Bot API's shapes (``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": ...,
"description": ...}``), reads parameters from the query string, JSON, url-encoded forms and
multipart uploads, records every call, and keeps the chats: every message a person sent and
every message the bot sent, edited or disarmed, so a test can press a button that is really shown.

``post_update`` delivers an update to the bot's webhook as Telegram does, and makes the Bot API
call that the webhook's 200 may carry in its body (recorded with ``via_webhook``).

A person can send a file (``document_update``): the bot finds it with ``getFile`` and downloads
it from ``/file/bot<token>/<file_path>``, recorded as a ``downloadFile`` call (``fail_next``
works on it too).

It enforces the limits that matter to an adapter: text of 1 to 4096 characters, callback data of
at most 64 bytes, a caption of at most 1024, "message is not modified", answering a callback query
once, 403 for a person who blocked the bot, 409 for getUpdates while a webhook is set.

Group chats (``group``, negative ids) receive texts, photos (``sendPhoto``, ``sendMediaGroup``
of 2 to 10) and documents; ``kick`` removes the bot from one, so sending there answers 403
"bot was kicked from the group chat".

    async with FakeBotApi() as fake:
        amal = fake.user(424242, "Amal", "ar")
        fake.queue(fake.text_update(amal, "/start ZEYTINBURNU"))
        ...  # run the bot against fake.base_url
        await fake.wait_until(lambda: fake.calls_to("sendMessage"), what="a reply")
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.loopback import serving

Json = dict[str, Any]

DEFAULT_TOKEN = "123456789:AAFakeTokenForTestsOnly_0123456789ab"
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_MEDIA_GROUP = 10
WAIT_TIMEOUT = 10.0
WEBHOOK_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Parameters that are strings in the Bot API: never JSON-decoded, even when they look like numbers.
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "callback_query_id",
        "url",
        "secret_token",
        "language_code",
        "parse_mode",
        "inline_message_id",
        "ip_address",
        "business_connection_id",
        "filename",
    }
)
COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


class ApiError(Exception):
    """A Bot API error answer."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


@dataclass(frozen=True)
class UploadedFile:
    """A file the bot uploaded in a multipart request."""

    filename: str
    content: bytes
    content_type: str


@dataclass(frozen=True)
class ApiCall:
    """One request the bot made: the method and its decoded parameters."""

    method: str
    params: Json
    at: float = field(default_factory=time.monotonic)
    via_webhook: bool = False


@dataclass(frozen=True)
class Button:
    """An inline button shown on a bot message."""

    chat_id: int
    message_id: int
    label: str
    data: str


@dataclass
class _Failure:
    """An error to answer the next calls of one method with."""

    method: str
    code: int
    description: str
    retry_after: int | None
    times: int


@dataclass
class _State:
    """Everything the fake server remembers."""

    updates: list[Json] = field(default_factory=list)
    confirmed_offset: int = 0
    allowed_updates: list[str] = field(default_factory=list)
    chats: dict[int, list[Json]] = field(default_factory=dict)
    users: dict[int, Json] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)
    groups: dict[int, str] = field(default_factory=dict)
    kicked: set[int] = field(default_factory=set)
    callback_queries: dict[str, bool] = field(default_factory=dict)
    webhook: Json | None = None
    webhook_error: tuple[int, str] | None = None  # when and why Telegram last failed to deliver
    commands: dict[tuple[str, str], list[Json]] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)
    file_paths: dict[str, str] = field(default_factory=dict)
    claimed_sizes: dict[str, int] = field(default_factory=dict)
    failures: list[_Failure] = field(default_factory=list)


class FakeBotApi:
    """A Bot API server on 127.0.0.1, with helpers to build and queue updates."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_id: int = 123456789,
        username: str = "reslog_test_bot",
        max_poll_wait: float = 1.0,
    ) -> None:
        self.token = token
        self.bot = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "RESLOG",
            "username": username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.max_poll_wait = max_poll_wait
        self.calls: list[ApiCall] = []
        self.state = _State()
        self._next_update_id = 100_000_001
        self._next_query_id = 4_000_000_000_000_000_001
        self._changed: asyncio.Condition | None = None
        self._wakers: set[asyncio.Task[None]] = set()
        self._closing = False
        self._serving: AsyncExitStack | None = None
        self._origin = ""
        self._held: set[str] = set()
        self._gate: asyncio.Event | None = None

    # ---- life cycle -------------------------------------------------------------------

    async def __aenter__(self) -> FakeBotApi:
        """Start serving on an ephemeral loopback port."""
        self._changed = asyncio.Condition()
        self._serving = AsyncExitStack()
        self._origin = await self._serving.enter_async_context(serving(self._app()))
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Wake any long poll and stop the server."""
        self._closing = True
        await self._notify()
        if self._serving is not None:
            await self._serving.aclose()
            self._serving = None

    @property
    def base_url(self) -> str:
        """The ``base_url`` python-telegram-bot appends the token to."""
        return f"{self._origin}/bot"

    @property
    def method_url(self) -> str:
        """The URL prefix of this bot's methods (``<method_url>/getMe``)."""
        return f"{self.base_url}{self.token}"

    # ---- HTTP --------------------------------------------------------------------------

    def _app(self) -> Starlette:
        """The Starlette app serving /bot<token>/<method>."""
        return Starlette(
            routes=[
                Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"]),
                Route("/file/bot{token}/{path:path}", self._download, methods=["GET"]),
            ]
        )

    async def _download(self, request: Request) -> Response:
        """Serve the content of a file by the path getFile gave."""
        if request.path_params["token"] != self.token:
            return _error(ApiError(401, "Unauthorized"))
        path = str(request.path_params["path"])
        self.calls.append(ApiCall("downloadFile", {"file_path": path}))
        await self._notify()
        for failure in self.state.failures:
            if failure.method == "downloadFile" and failure.times > 0:
                failure.times -= 1
                return _error(ApiError(failure.code, failure.description, failure.retry_after))
        file_id = self.state.file_paths.get(path)
        if file_id is None:
            return _error(ApiError(404, "Not Found"))
        upload = self.state.files[file_id]
        return Response(upload.content, media_type="application/octet-stream")

    async def _endpoint(self, request: Request) -> JSONResponse:
        """Answer one Bot API request."""
        if request.path_params["token"] != self.token:
            return _error(ApiError(401, "Unauthorized"))
        method = str(request.path_params["method"])
        try:
            params = await _read_params(request)
        except (ValueError, UnicodeDecodeError):
            return _error(ApiError(400, "Bad Request: can't parse request parameters"))
        self.calls.append(ApiCall(method, params))
        await self._notify()
        try:
            result = await self._dispatch(method, params)
        except ApiError as exc:
            return _error(exc)
        finally:
            await self._notify()
        if method in self._held and self._gate is not None:
            await self._gate.wait()
        return JSONResponse({"ok": True, "result": result})

    async def _dispatch(self, method: str, params: Json) -> Any:
        """Run one method, or fail as scheduled with ``fail_next``."""
        for failure in self.state.failures:
            if failure.method == method and failure.times > 0:
                failure.times -= 1
                raise ApiError(failure.code, failure.description, failure.retry_after)
        if method == "getUpdates":
            return await self._get_updates(params)
        handler = self._methods().get(method)
        if handler is None:
            raise ApiError(404, "Not Found")
        return handler(params)

    def _methods(self) -> dict[str, Callable[[Json], Any]]:
        """The synchronous methods by name."""
        return {
            "getMe": lambda _params: self.bot,
            "logOut": lambda _params: True,
            "close": lambda _params: True,
            "sendMessage": self._send_message,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "sendMediaGroup": self._send_media_group,
            "getFile": self._get_file,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "setMyCommands": self._set_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getMyCommands": self._get_my_commands,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
        }

    # ---- updates -----------------------------------------------------------------------

    async def _get_updates(self, params: Json) -> list[Json]:
        """Serve pending updates from ``offset`` on, waiting briefly (long poll) if none."""
        if self.state.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        if offset > self.state.confirmed_offset:
            self.state.confirmed_offset = offset
            self.state.updates = [u for u in self.state.updates if u["update_id"] >= offset]
            await self._notify()
        if "allowed_updates" in params:
            self.state.allowed_updates = list(params["allowed_updates"] or [])
        limit = int(params.get("limit") or 100)
        wait = min(float(params.get("timeout") or 0), self.max_poll_wait)
        if not self._deliverable() and wait > 0:
            await self._wait_quietly(lambda: bool(self._deliverable()) or self._closing, wait)
        return self._deliverable()[:limit]

    def _deliverable(self) -> list[Json]:
        """Pending updates of the kinds the bot asked for."""
        allowed = self.state.allowed_updates
        return [u for u in self.state.updates if not allowed or _kind(u) in allowed]

    def delivered(self, update_id: int) -> bool:
        """Whether the bot confirmed (asked past) this update, so it holds it now."""
        return self.state.confirmed_offset > update_id

    def queue(self, update: Json) -> int:
        """Make an update available to getUpdates; its id."""
        self.state.updates.append(update)
        self._notify_soon()
        return int(update["update_id"])

    # ---- sending -----------------------------------------------------------------------

    def _send_message(self, params: Json) -> Json:
        """sendMessage."""
        chat_id = self._writable_chat(params)
        text = str(params.get("text") or "")
        _check_text(text)
        markup = _checked_markup(params.get("reply_markup"))
        return self._bot_message(chat_id, {"text": text}, markup)

    def _send_document(self, params: Json) -> Json:
        """sendDocument (multipart upload)."""
        chat_id = self._writable_chat(params)
        upload = params.get("document")
        if not isinstance(upload, UploadedFile):
            raise ApiError(400, "Bad Request: there is no document in the request")
        caption = params.get("caption")
        if caption is not None and _length(str(caption)) > MAX_CAPTION:
            raise ApiError(400, "Bad Request: message caption is too long")
        file_id = self._keep_file(upload)
        document = {
            "file_id": file_id,
            "file_unique_id": f"AgAD{len(self.state.files):06d}",
            "file_name": upload.filename,
            "mime_type": upload.content_type,
            "file_size": len(upload.content),
        }
        content: Json = {"document": document}
        if caption:
            content["caption"] = str(caption)
        return self._bot_message(chat_id, content, _checked_markup(params.get("reply_markup")))

    def _send_photo(self, params: Json) -> Json:
        """sendPhoto (multipart upload)."""
        chat_id = self._writable_chat(params)
        content = self._photo_content(params.get("photo"), params.get("caption"))
        return self._bot_message(chat_id, content, _checked_markup(params.get("reply_markup")))

    def _send_media_group(self, params: Json) -> list[Json]:
        """sendMediaGroup: 2 to 10 photos, each uploaded as ``attach://<name>``."""
        chat_id = self._writable_chat(params)
        media = params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= MAX_MEDIA_GROUP:
            raise ApiError(400, "Bad Request: wrong number of media in the group")
        contents = []
        for item in media:
            if not isinstance(item, dict) or item.get("type") != "photo":
                raise ApiError(400, "Bad Request: only photos are supported in this fake")
            upload = _attached(item.get("media"), params)
            contents.append(self._photo_content(upload, item.get("caption")))
        group_id = str(len(self.calls_to("sendMediaGroup")))
        return [
            self._bot_message(chat_id, {**content, "media_group_id": group_id}, None)
            for content in contents
        ]

    def _photo_content(self, upload: Any, caption: Any) -> Json:
        """The content of a photo message, with its file kept (a PNG or a JPEG only)."""
        if not isinstance(upload, UploadedFile):
            raise ApiError(400, "Bad Request: there is no photo in the request")
        if not upload.content.startswith((b"\x89PNG", b"\xff\xd8")):
            raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
        if caption is not None and _length(str(caption)) > MAX_CAPTION:
            raise ApiError(400, "Bad Request: message caption is too long")
        file_id = self._keep_file(upload)
        size = {"file_id": file_id, "file_unique_id": f"AQAD{file_id[-6:]}"}
        content: Json = {
            "photo": [{**size, "width": 1024, "height": 600, "file_size": len(upload.content)}]
        }
        if caption:
            content["caption"] = str(caption)
        return content

    def uploaded(self, message: Json) -> UploadedFile:
        """The file a bot message (a photo or a document) carries."""
        file = message.get("document") or (message.get("photo") or [{}])[-1]
        return self.state.files[str(file["file_id"])]

    def _get_file(self, params: Json) -> Json:
        """getFile: where to download a file (a person's or one the bot sent)."""
        file_id = str(params.get("file_id") or "")
        upload = self.state.files.get(file_id)
        if upload is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        path = next(p for p, known in self.state.file_paths.items() if known == file_id)
        return {
            "file_id": file_id,
            "file_unique_id": f"AgAD{file_id[-6:]}",
            "file_size": self.state.claimed_sizes.get(file_id, len(upload.content)),
            "file_path": path,
        }

    def _keep_file(self, upload: UploadedFile) -> str:
        """Store a file; its file id (its path for getFile is kept too)."""
        number = len(self.state.files) + 1
        file_id = f"BQACAgIAAxkDAAI{number:06d}"
        self.state.files[file_id] = upload
        suffix = "." + upload.filename.rsplit(".", 1)[-1] if "." in upload.filename else ""
        self.state.file_paths[f"documents/file_{number}{suffix}"] = file_id
        return file_id

    def _edit_message_text(self, params: Json) -> Json:
        """editMessageText: the text and keyboard of a bot message (no keyboard removes it)."""
        message = self._editable(params)
        text = str(params.get("text") or "")
        _check_text(text)
        markup = _checked_markup(params.get("reply_markup"))
        if message.get("text") == text and message.get("reply_markup") == markup:
            raise ApiError(400, NOT_MODIFIED)
        message["text"] = text
        _set_markup(message, markup)
        message["edit_date"] = _now()
        return message

    def _edit_reply_markup(self, params: Json) -> Json:
        """editMessageReplyMarkup: a new keyboard, or none."""
        message = self._editable(params)
        markup = _checked_markup(params.get("reply_markup"))
        if message.get("reply_markup") == markup:
            raise ApiError(400, NOT_MODIFIED)
        _set_markup(message, markup)
        message["edit_date"] = _now()
        return message

    def _answer_callback_query(self, params: Json) -> bool:
        """answerCallbackQuery: each query once."""
        query_id = str(params.get("callback_query_id") or "")
        if self.state.callback_queries.get(query_id, True):
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.state.callback_queries[query_id] = True
        return True

    def _writable_chat(self, params: Json) -> int:
        """The chat a message goes to, if the bot may write there."""
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int) or chat_id not in self.state.chats:
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self.state.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id in self.state.kicked:
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        return chat_id

    def _editable(self, params: Json) -> Json:
        """The bot message an edit names."""
        chat_id = params.get("chat_id")
        message_id = params.get("message_id")
        for message in self.state.chats.get(chat_id if isinstance(chat_id, int) else 0, []):
            if message["message_id"] == message_id and message["from"]["id"] == self.bot["id"]:
                return message
        raise ApiError(400, "Bad Request: message to edit not found")

    def _bot_message(self, chat_id: int, content: Json, markup: Json | None) -> Json:
        """Store and return a message the bot sent."""
        message = {
            "message_id": self._next_message_id(chat_id),
            "from": self.bot,
            "chat": self._chat(chat_id),
            "date": _now(),
            **content,
        }
        _set_markup(message, markup)
        self.state.chats[chat_id].append(message)
        return message

    # ---- commands and webhook ----------------------------------------------------------

    def _set_my_commands(self, params: Json) -> bool:
        """setMyCommands, per scope and language."""
        commands = params.get("commands")
        if not isinstance(commands, list) or not commands:
            raise ApiError(400, "Bad Request: commands must be non-empty")
        for command in commands:
            if not COMMAND_NAME.match(str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.state.commands[_command_key(params)] = list(commands)
        return True

    def _delete_my_commands(self, params: Json) -> bool:
        """deleteMyCommands."""
        self.state.commands.pop(_command_key(params), None)
        return True

    def _get_my_commands(self, params: Json) -> list[Json]:
        """getMyCommands."""
        return self.state.commands.get(_command_key(params), [])

    def _set_webhook(self, params: Json) -> bool:
        """setWebhook; an empty URL removes it."""
        url = str(params.get("url") or "")
        secret = params.get("secret_token")
        if secret is not None and not SECRET_TOKEN.match(str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self.state.updates.clear()
        if not url:
            self.state.webhook = None
            return True
        if not url.startswith("https://"):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        self.state.webhook = {
            "url": url,
            "secret_token": secret,
            "allowed_updates": list(params.get("allowed_updates") or []),
        }
        return True

    def _delete_webhook(self, params: Json) -> bool:
        """deleteWebhook."""
        self.state.webhook = None
        if params.get("drop_pending_updates"):
            self.state.updates.clear()
        return True

    def _get_webhook_info(self, _params: Json) -> Json:
        """getWebhookInfo."""
        webhook = self.state.webhook or {}
        info: Json = {
            "url": webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self.state.updates),
        }
        if webhook.get("allowed_updates"):
            info["allowed_updates"] = webhook["allowed_updates"]
        if self.state.webhook_error is not None:
            info["last_error_date"], info["last_error_message"] = self.state.webhook_error
        return info

    # ---- people, chats and updates to send -----------------------------------------------

    def user(
        self, user_id: int, first_name: str = "Amal", language_code: str | None = "ar"
    ) -> Json:
        """A person who talks to the bot (their private chat exists from now on)."""
        user: Json = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        self.state.users[user_id] = user
        self.state.chats.setdefault(user_id, [])
        return user

    def group(self, chat_id: int, title: str = "Uyum ekibi") -> Json:
        """A group chat the bot is a member of (its id is negative, as Telegram's are)."""
        if chat_id >= 0:
            raise AssertionError("a group chat's id is negative")
        self.state.groups[chat_id] = title
        self.state.chats.setdefault(chat_id, [])
        return self._chat(chat_id)

    def kick(self, chat_id: int) -> None:
        """The bot is removed from a group: sending there answers 403."""
        self.state.kicked.add(chat_id)

    def block(self, user: Json) -> None:
        """The person blocks the bot: sending to them answers 403."""
        self.state.blocked.add(int(user["id"]))

    def fail_next(
        self,
        method: str,
        code: int,
        description: str,
        *,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with an error."""
        self.state.failures.append(_Failure(method, code, description, retry_after, times))

    def hold(self, method: str) -> None:
        """Carry out calls of ``method`` but keep their answers back until ``release``."""
        self._held.add(method)
        self._gate = asyncio.Event()

    def release(self) -> None:
        """Answer every held call, and hold nothing more."""
        self._held.clear()
        if self._gate is not None:
            self._gate.set()

    def text_update(self, user: Json, text: str) -> Json:
        """A text message (a command if it starts with "/") from a person."""
        content: Json = {"text": text}
        if text.startswith("/"):
            length = len(text.split(" ", 1)[0])
            content["entities"] = [{"offset": 0, "length": length, "type": "bot_command"}]
        return self._update("message", self._person_message(user, content))

    def command_update(self, user: Json, command: str, argument: str | None = None) -> Json:
        """A command, with a deep-link argument if given (/start CODE)."""
        text = f"/{command} {argument}" if argument else f"/{command}"
        return self.text_update(user, text)

    def media_update(self, user: Json, kind: str) -> Json:
        """A message carrying media of one kind (sticker, photo, voice, video, document, ...)."""
        return self._update("message", self._person_message(user, media_content(kind)))

    def document_update(
        self,
        user: Json,
        name: str,
        content: bytes,
        mime_type: str = "application/x-yaml",
        *,
        claimed_size: int | None = None,
    ) -> Json:
        """The person sends a file; ``claimed_size`` is the size Telegram says it has (if not its own)."""
        file_id = self._keep_file(UploadedFile(name, content, mime_type))
        if claimed_size is not None:
            self.state.claimed_sizes[file_id] = claimed_size
        document: Json = {
            "file_id": file_id,
            "file_unique_id": f"AgAD{file_id[-6:]}",
            "file_name": name,
            "mime_type": mime_type,
            "file_size": len(content) if claimed_size is None else claimed_size,
        }
        return self._update("message", self._person_message(user, {"document": document}))

    def edited_update(self, user: Json, message_id: int, text: str) -> Json:
        """The person edited one of their earlier messages."""
        for message in self.state.chats.get(int(user["id"]), []):
            if message["message_id"] == message_id and message["from"]["id"] == user["id"]:
                edited = {**message, "text": text, "edit_date": _now()}
                edited.pop("entities", None)
                return self._update("edited_message", edited)
        raise AssertionError(f"the person sent no message {message_id}")

    def group_update(self, user: Json, text: str, chat_id: int = -1001234567890) -> Json:
        """A message the person wrote in a group the bot is in."""
        message = {
            "message_id": 77,
            "from": user,
            "chat": {"id": chat_id, "title": "Zeytinburnu komşular", "type": "supergroup"},
            "date": _now(),
            "text": text,
        }
        return self._update("message", message)

    def press_update(self, user: Json, label: str) -> Json:
        """The person presses the newest button whose label contains ``label``."""
        return self.button_update(user, self.button(user, label))

    def press_data_update(self, user: Json, data: str) -> Json:
        """The person presses the newest shown button whose callback data is ``data``."""
        for message in reversed(self.state.chats.get(int(user["id"]), [])):
            for button in buttons_of(message):
                if button.data == data:
                    return self.button_update(user, button)
        raise AssertionError(f"no button with data {data!r} is shown")

    def button_update(self, user: Json, button: Button) -> Json:
        """The person presses a button (possibly one shown long ago)."""
        return self.callback_update(user, button.message_id, button.data)

    def callback_update(self, user: Json, message_id: int, data: str) -> Json:
        """A callback query with any data, from a button on one of the bot's messages."""
        message = next(
            (m for m in self.state.chats.get(int(user["id"]), []) if m["message_id"] == message_id),
            None,
        )
        if message is None:
            raise AssertionError(f"no message {message_id} in the chat")
        query_id = str(self._next_query_id)
        self._next_query_id += 1
        self.state.callback_queries[query_id] = False
        query = {
            "id": query_id,
            "from": user,
            "message": json.loads(json.dumps(message)),
            "chat_instance": "-5812345678901234567",
            "data": data,
        }
        return self._update("callback_query", query)

    def button(self, user: Json, label: str) -> Button:
        """The newest button shown to the person whose label contains ``label``."""
        for message in reversed(self.state.chats.get(int(user["id"]), [])):
            for button in buttons_of(message):
                if label in button.label:
                    return button
        raise AssertionError(f"no button {label!r} is shown; shown: {self.shown(user)}")

    def shown(self, user: Json) -> list[str]:
        """The labels of every button still shown in the person's chat."""
        messages = self.state.chats.get(int(user["id"]), [])
        return [button.label for message in messages for button in buttons_of(message)]

    def sent_by(self, user: Json) -> list[Json]:
        """The messages the person sent, oldest first."""
        return [m for m in self.chat(user) if m["from"]["id"] == user["id"]]

    def chat(self, user: Json) -> list[Json]:
        """Every message in the person's private chat, oldest first."""
        return self.state.chats.get(int(user["id"]), [])

    def _person_message(self, user: Json, content: Json) -> Json:
        """A message from a person in their private chat (stored, so it can be edited later)."""
        chat_id = int(user["id"])
        self.state.chats.setdefault(chat_id, [])
        message = {
            "message_id": self._next_message_id(chat_id),
            "from": user,
            "chat": self._chat(chat_id),
            "date": _now(),
            **content,
        }
        self.state.chats[chat_id].append(message)
        return message

    def _update(self, kind: str, payload: Json) -> Json:
        """An update with the next update id."""
        update = {"update_id": self._next_update_id, kind: payload}
        self._next_update_id += 1
        return update

    def _chat(self, chat_id: int) -> Json:
        """The chat object: a group's, or a person's private chat."""
        if chat_id in self.state.groups:
            return {"id": chat_id, "title": self.state.groups[chat_id], "type": "group"}
        user = self.state.users.get(chat_id, {"first_name": "?"})
        return {"id": chat_id, "first_name": user["first_name"], "type": "private"}

    def _next_message_id(self, chat_id: int) -> int:
        """Message ids count up per chat, shared by the person and the bot."""
        return len(self.state.chats.get(chat_id, [])) + 1

    # ---- delivering to a webhook ---------------------------------------------------------

    async def post_update(
        self, client: httpx.AsyncClient, url: str, update: Json, secret: str | None = None
    ) -> httpx.Response:
        """Deliver an update to a webhook as Telegram does: POST it, then take its answer."""
        headers = {WEBHOOK_SECRET_HEADER: secret} if secret is not None else {}
        response = await client.post(url, json=update, headers=headers)
        await self.take_webhook_reply(response)
        return response

    async def take_webhook_reply(self, response: httpx.Response) -> None:
        """Make the Bot API call a webhook's 2xx JSON answer carries, as Telegram does.

        Telegram reports nothing back about such a call, so a failure is only recorded.
        """
        content_type = response.headers.get("content-type", "")
        await self.take_webhook_answer(response.status_code, content_type, response.content)

    async def take_webhook_answer(self, status: int, content_type: str, content: bytes) -> None:
        """``take_webhook_reply`` for an answer read by any client: its status, type and body."""
        if not 200 <= status < 300 or not content_type.startswith("application/json"):
            return
        body = json.loads(content)
        if not isinstance(body, dict) or not isinstance(body.get("method"), str):
            return
        params = {k: v for k, v in body.items() if k != "method"}
        method = body["method"]
        self.calls.append(ApiCall(method, params, via_webhook=True))
        with contextlib.suppress(ApiError):
            await self._dispatch(method, params)
        await self._notify()

    # ---- looking at what happened --------------------------------------------------------

    def calls_to(self, method: str) -> list[ApiCall]:
        """Every call of one method, in order."""
        return [call for call in self.calls if call.method == method]

    def commands(self, language_code: str = "", scope: str = "default") -> list[Json]:
        """The commands registered for a language (or the default list), in a scope ("default",
        or "chat:<id>" for one chat)."""
        return self.state.commands.get((scope, language_code), [])

    def unanswered_queries(self) -> list[str]:
        """Callback queries the bot has not answered."""
        return [query for query, answered in self.state.callback_queries.items() if not answered]

    async def wait_until(
        self, predicate: Callable[[], object], *, within: float = WAIT_TIMEOUT, what: str = ""
    ) -> None:
        """Wait until ``predicate()`` is true, re-checking after every request; fail on timeout."""
        if not await self._wait_quietly(predicate, within):
            raise AssertionError(f"timed out after {within} s waiting for {what or predicate}")

    async def _wait_quietly(self, predicate: Callable[[], object], within: float) -> bool:
        """Wait until ``predicate()`` is true or ``within`` seconds pass; whether it became true."""
        assert self._changed is not None, "the fake Bot API is not running"
        try:
            async with asyncio.timeout(within), self._changed:
                await self._changed.wait_for(lambda: bool(predicate()))
        except TimeoutError:
            return bool(predicate())
        return True

    async def _notify(self) -> None:
        """Wake everything waiting for a change."""
        if self._changed is not None:
            async with self._changed:
                self._changed.notify_all()

    def _notify_soon(self) -> None:
        """Wake waiters from synchronous code."""
        with contextlib.suppress(RuntimeError):
            task = asyncio.get_running_loop().create_task(self._notify())
            self._wakers.add(task)
            task.add_done_callback(self._wakers.discard)


def buttons_of(message: Json) -> list[Button]:
    """The inline buttons a message shows now."""
    markup = message.get("reply_markup") or {}
    return [
        Button(
            message["chat"]["id"], message["message_id"], button["text"], button["callback_data"]
        )
        for row in markup.get("inline_keyboard", [])
        for button in row
        if "callback_data" in button
    ]


def media_content(kind: str) -> Json:
    """The Bot API content of a media message of one kind."""
    file: Json = {
        "file_id": f"AgACAgQAAxkBAAI{kind}",
        "file_unique_id": f"AQAD{kind}",
        "file_size": 2048,
    }
    samples: dict[str, Json] = {
        "sticker": {
            "sticker": {
                **file,
                "width": 512,
                "height": 512,
                "emoji": "👍",
                "type": "regular",
                "is_animated": False,
                "is_video": False,
            }
        },
        "photo": {
            "photo": [
                {**file, "width": 90, "height": 67},
                {**file, "file_id": file["file_id"] + "x", "width": 1280, "height": 960},
            ],
            "caption": "الحديقة",
        },
        "voice": {"voice": {**file, "duration": 4, "mime_type": "audio/ogg"}},
        "video": {"video": {**file, "duration": 9, "width": 640, "height": 360}},
        "document": {
            "document": {**file, "file_name": "kimlik.pdf", "mime_type": "application/pdf"}
        },
        "location": {"location": {"latitude": 40.9906, "longitude": 28.9036}},
        "contact": {"contact": {"phone_number": "+905550000000", "first_name": "Amal"}},
    }
    if kind not in samples:
        raise AssertionError(f"no sample for media kind {kind!r}")
    return samples[kind]


async def _read_params(request: Request) -> Json:
    """The request's parameters, from the query string and the body, decoded like the Bot API."""
    raw: dict[str, Any] = dict(request.query_params)
    content_type = request.headers.get("content-type", "")
    body = await request.body()
    if content_type.startswith("application/json") and body:
        decoded = json.loads(body)
        if not isinstance(decoded, dict):
            raise ValueError("the JSON body is not an object")
        return {**{k: _decode(k, v) for k, v in raw.items()}, **decoded}
    if content_type.startswith("application/x-www-form-urlencoded"):
        raw.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    elif content_type.startswith("multipart/form-data"):
        raw.update(_multipart(content_type, body))
    params = {k: v if isinstance(v, UploadedFile) else _decode(k, v) for k, v in raw.items()}
    return {k: _attached(v, raw) for k, v in params.items()}


def _multipart(content_type: str, body: bytes) -> dict[str, Any]:
    """The fields and files of a multipart/form-data body."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not isinstance(message, EmailMessage):
        raise ValueError("not a multipart body")
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        if not isinstance(part, EmailMessage):
            continue
        name = str(part.get_param("name", header="content-disposition") or "")
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            fields[name] = UploadedFile(filename, content, part.get_content_type())
        else:
            fields[name] = content.decode("utf-8")
    return fields


def _decode(name: str, value: Any) -> Any:
    """A form value as the Bot API reads it: JSON for non-string parameters."""
    if name in STRING_PARAMS or not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _attached(value: Any, raw: dict[str, Any]) -> Any:
    """Resolve "attach://name" references to the uploaded file."""
    if isinstance(value, str) and value.startswith("attach://"):
        return raw.get(value.removeprefix("attach://"), value)
    return value


def _check_text(text: str) -> None:
    """The Bot API's length rules for a message text."""
    if not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if _length(text) > MAX_TEXT:
        raise ApiError(400, "Bad Request: message is too long")


def _checked_markup(markup: Any) -> Json | None:
    """An inline keyboard as the Bot API would accept it, or None."""
    if markup is None:
        return None
    if isinstance(markup, str):
        markup = json.loads(markup)
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in rows:
        for button in row:
            if not str(button.get("text", "")).strip():
                raise ApiError(
                    400, "Bad Request: text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return {"inline_keyboard": rows} if rows else None


def _set_markup(message: Json, markup: Json | None) -> None:
    """Show a keyboard on a message, or remove it."""
    if markup is None:
        message.pop("reply_markup", None)
    else:
        message["reply_markup"] = markup


def _command_key(params: Json) -> tuple[str, str]:
    """Where a command list is registered: scope type and language code."""
    scope = params.get("scope") or {}
    kind = str(scope.get("type", "default"))
    if kind == "chat":
        kind = f"chat:{scope.get('chat_id')}"
    return (kind, str(params.get("language_code") or ""))


def _kind(update: Json) -> str:
    """The kind of an update ("message", "callback_query", ...)."""
    return next(key for key in update if key != "update_id")


def _length(text: str) -> int:
    """Length as the Bot API counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _now() -> int:
    """The Unix time, as Telegram dates are."""
    return int(time.time())


def _error(exc: ApiError) -> JSONResponse:
    """A Bot API error answer."""
    body: Json = {"ok": False, "error_code": exc.code, "description": exc.description}
    if exc.retry_after is not None:
        body["parameters"] = {"retry_after": exc.retry_after}
    return JSONResponse(body, status_code=exc.code)
