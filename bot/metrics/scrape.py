"""What every ``GET /metrics`` does: check the bearer token, read the outbox's rows from the
database, and write the registry in Prometheus's text format."""

from __future__ import annotations

import hmac
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Gauge
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from storage.outbox import status_counts
from storage.vocabulary import OutboxStatus

METRICS_PATH = "/metrics"

Sessions = Callable[[], async_sessionmaker[AsyncSession]]


def outbox_gauge(registry: CollectorRegistry) -> Gauge:
    """``reslog_outbox_rows{channel,status}``, set at each scrape."""
    return Gauge(
        "reslog_outbox_rows",
        "Outbox rows, by channel and status",
        ["channel", "status"],
        registry=registry,
    )


def metrics_route(
    token: str, registry: CollectorRegistry, outbox: Gauge, sessions: Sessions
) -> Route:
    """``GET /metrics``, answered only with ``Authorization: Bearer <token>``."""

    async def scrape(request: Request) -> Response:
        if not bearer_matches(request.headers.get("Authorization", ""), token):
            return PlainTextResponse(
                "unauthorized", status_code=401, headers={"WWW-Authenticate": "Bearer"}
            )
        await refresh_outbox(outbox, sessions)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return Route(METRICS_PATH, scrape, methods=["GET"])


async def refresh_outbox(outbox: Gauge, sessions: Sessions) -> None:
    """Set the outbox gauge from the database (every status of each channel that has rows)."""
    async with sessions()() as session:
        counts = await status_counts(session)
    for channel in sorted({channel for channel, _status in counts}):
        for status in OutboxStatus:
            outbox.labels(channel, status.value).set(counts.get((channel, status), 0))


def bearer_matches(header: str, token: str) -> bool:
    """Whether an Authorization header carries this bearer token (compared in constant time)."""
    scheme, _sep, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )
