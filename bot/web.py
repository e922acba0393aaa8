"""The web app: the Telegram webhook and a health check, run by uvicorn on the bot's own event loop.

The webhook route checks the secret first (403), then parses (400), then handles the update
through the Application's update processor (in order per person) and answers 200 only once the
answer is committed and the replies before the last one sent; the last text reply rides in the
200's body as a Bot API call that Telegram makes itself (bot.channels.telegram.webhook_reply). Telegram redelivers an update it got no 200 for, so a
crash or a kill while handling loses nothing; the core's de-duplication makes the redelivery
harmless. (Queueing the update and answering 200 at once, as the library's example does, would
lose every queued update when the process dies.)

    POST /telegram/webhook   X-Telegram-Bot-Api-Secret-Token checked first: TELEGRAM_WEBHOOK_SECRET,
                             else the secret derived from RESLOG_SECRET_KEY (never unchecked
                             unless TELEGRAM_WEBHOOK_INSECURE=1 and no secret is set)
    POST /twilio/whatsapp    only with WhatsApp configured: X-Twilio-Signature checked first
                             (bot.channels.whatsapp.webhook)
    GET  /healthz            SELECT 1 on the database: 200 {"status": "ok"} or 503
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import uvicorn
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.error import InvalidToken, TelegramError

from bot import event_loop
from bot.channels.telegram.app import (
    ALLOWED_UPDATES,
    FLOOD,
    METRICS,
    TelegramApplication,
    build_application,
    running,
    sessions_of,
)
from bot.channels.telegram.webhook_reply import webhook_reply
from bot.channels.whatsapp.status import status_routes
from bot.channels.whatsapp.webhook import WhatsAppWebhook
from bot.metrics.scrape import metrics_route
from bot.metrics.web import ResponseCounter, WebMetrics
from bot.request_body import read_body
from bot.settings import Settings, SettingsError
from storage.engine import create_engine, create_sessionmaker

log = logging.getLogger(__name__)

SessionsOf = Callable[[], async_sessionmaker[AsyncSession]]

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 1 << 20
HEALTH_TIMEOUT = 5.0


def build_app(
    settings: Settings,
    application: TelegramApplication | None,
    sessions: SessionsOf | None = None,
) -> Starlette:
    """The Starlette app: Telegram's webhook when ``application`` is given, WhatsApp's routes
    when it is configured, and the health check. ``sessions`` is the database when there is no
    Telegram application to take it from (a WhatsApp-only deployment)."""
    if sessions is None:
        if application is None:
            raise ValueError("the web app needs a Telegram application or a session factory")
        telegram = application

        def sessions() -> async_sessionmaker[AsyncSession]:
            """The Telegram application's, once it has started."""
            return sessions_of(telegram)

    whatsapp: WhatsAppWebhook | None = None
    metrics = (
        WebMetrics.create(
            lambda: {
                "telegram": application.bot_data.get(FLOOD) if application else None,
                "whatsapp": whatsapp.flood if whatsapp is not None else None,
            }
        )
        if settings.metrics_token is not None
        else None
    )
    routes = [Route("/healthz", healthz, methods=["GET"])]
    if application is not None:
        routes.append(Route(WEBHOOK_PATH, telegram_webhook, methods=["POST"]))
        if metrics is not None:
            application.bot_data[METRICS] = metrics
    if settings.whatsapp is not None:
        cipher = settings.cipher()
        whatsapp = WhatsAppWebhook(
            settings.whatsapp,
            sessions=sessions,
            cipher=lambda: cipher,
            flood=settings.flood_guard(),
            metrics=metrics,
        )
        routes.append(whatsapp.route())
        on_report = metrics.delivery_report if metrics is not None else None
        routes += status_routes(settings.whatsapp, sessions, on_report)
    middleware = []
    if metrics is not None and settings.metrics_token is not None:
        token = str(settings.metrics_token)
        routes.append(metrics_route(token, metrics.registry, metrics.outbox, sessions))
        paths = [route.path for route in routes if isinstance(route, Route)]
        middleware.append(Middleware(ResponseCounter, metrics=metrics, routes=paths))
    app = Starlette(routes=routes, middleware=middleware)
    app.state.telegram = application
    app.state.sessions = sessions
    app.state.webhook_secret = settings.webhook_secret()
    app.state.refused = RefusedCalls()
    if application is not None and app.state.webhook_secret is None:
        log.warning(
            "TELEGRAM_WEBHOOK_INSECURE is set and TELEGRAM_WEBHOOK_SECRET is not: %s is served "
            "with no secret, so anyone who can reach it can act as any participant or staff "
            "member (send notices, read results, erase people)",
            WEBHOOK_PATH,
        )
    return app


@dataclass
class RefusedCalls:
    """How many webhook calls this process refused for a missing or wrong secret header."""

    telegram: int = 0


async def telegram_webhook(request: Request) -> Response:
    """Check the secret, parse the update, handle it, and only then answer 200 (or 503 when
    the database was out of reach and nothing was applied, so that Telegram delivers it again)."""
    application: TelegramApplication = request.app.state.telegram
    secret: str | None = request.app.state.webhook_secret
    if secret is not None and not secret_matches(request.headers.get(SECRET_HEADER, ""), secret):
        return _refuse(request)

    body = await read_body(request, MAX_BODY_BYTES)
    if body is None:
        return PlainTextResponse("request body too large", status_code=413)
    update = _parse_update(body, application)
    if update is None:
        return PlainTextResponse("not a Telegram update", status_code=400)
    with webhook_reply() as reply:
        await application.update_processor.process_update(
            update, application.process_update(update)
        )
    if reply.deliver_again:
        return PlainTextResponse("the database is out of reach; deliver again", status_code=503)
    if reply.call is not None:
        return JSONResponse(reply.call)
    return Response(status_code=200)


def _refuse(request: Request) -> Response:
    """403 for a call without the right secret header: counted and logged, its body unread."""
    refused: RefusedCalls = request.app.state.refused
    refused.telegram += 1
    log.warning(
        "refused a call to %s from %s: %s header %s (%d refused since start)",
        WEBHOOK_PATH,
        request.client.host if request.client else "an unknown address",
        SECRET_HEADER,
        "wrong" if SECRET_HEADER in request.headers else "missing",
        refused.telegram,
    )
    return PlainTextResponse("forbidden", status_code=403)


def secret_matches(given: str, expected: str) -> bool:
    """Whether the header carries the configured secret (compared in constant time)."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _parse_update(body: bytes, application: TelegramApplication) -> Update | None:
    """The update a body holds, or None if it is not a JSON object shaped like one."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        return None
    try:
        return Update.de_json(data, application.bot)
    except Exception:  # the library raises whatever a malformed field leads to
        return None


async def healthz(request: Request) -> JSONResponse:
    """200 when the database answers SELECT 1, else 503."""
    sessions: SessionsOf = request.app.state.sessions
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT), sessions()() as session:
            await session.execute(text("SELECT 1"))
    except Exception as exc:
        log.warning("health check failed: %s", type(exc).__name__)
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})


async def register_webhook(application: TelegramApplication, settings: Settings) -> None:
    """Tell Telegram where to deliver updates, with the secret it must send back."""
    if not settings.telegram_webhook_url:
        log.warning("TELEGRAM_WEBHOOK_URL is not set: the webhook is not registered with Telegram")
        return
    try:
        await application.bot.set_webhook(
            url=settings.telegram_webhook_url,
            secret_token=settings.webhook_secret(),
            allowed_updates=list(ALLOWED_UPDATES),
        )
    except TelegramError as exc:
        raise SettingsError(
            f"Telegram refused TELEGRAM_WEBHOOK_URL or TELEGRAM_WEBHOOK_SECRET: {exc.message}"
        ) from None


class _Server(uvicorn.Server):
    """uvicorn, stopping gracefully on SIGINT/SIGTERM without re-raising the signal afterwards.

    uvicorn re-raises a captured signal once it has stopped, which would kill the process
    before the Telegram Application is stopped and the database engine disposed.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Ask the server to exit on SIGINT or SIGTERM; the caller then stops the bot."""
        loop = asyncio.get_running_loop()
        signals = (signal.SIGINT, signal.SIGTERM)
        try:
            for sig in signals:
                loop.add_signal_handler(sig, self._request_exit)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread
            yield
            return
        try:
            yield
        finally:
            for sig in signals:
                loop.remove_signal_handler(sig)

    def _request_exit(self) -> None:
        """First signal: stop gracefully; second: stop now."""
        self.force_exit = self.should_exit
        self.should_exit = True


def _uvicorn_server(settings: Settings, app: Starlette) -> uvicorn.Server:
    """A uvicorn server for the app on HOST and PORT."""
    level = settings.log_level.lower()
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=level if level in uvicorn.config.LOG_LEVELS else "info",
        lifespan="off",
    )
    return _Server(config)


async def serve_async(settings: Settings) -> None:
    """Run the bot and the web server on this event loop until the server is stopped."""
    if settings.telegram_bot_token is None:
        await _serve_without_telegram(settings)
        return
    application = build_application(settings, polling=False)
    server = _uvicorn_server(settings, build_app(settings, application))
    try:
        async with running(application):
            await register_webhook(application, settings)
            await server.serve()
    except InvalidToken:
        raise SettingsError("TELEGRAM_BOT_TOKEN was refused by Telegram") from None


async def _serve_without_telegram(settings: Settings) -> None:
    """WhatsApp only: the web server with its own database engine, no Telegram application."""
    engine = create_engine(settings.database_url)
    factory = create_sessionmaker(engine)
    server = _uvicorn_server(settings, build_app(settings, None, sessions=lambda: factory))
    try:
        await server.serve()
    finally:
        await engine.dispose()


def serve(settings: Settings) -> None:
    """Serve webhooks and /healthz with uvicorn until interrupted."""
    event_loop.run(serve_async(settings))
