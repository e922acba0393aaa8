"""The worker's figures, on a port of its own (``METRICS_PORT``): what the dispatchers settled
and why sends failed, each scheduler's rounds and when the last one ran (the retention purge's
among them), the digests sent, the people warned and records destroyed by the purge, and
the outbox's rows by channel and status (read from the database at each scrape)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass

import uvicorn
from prometheus_client import CollectorRegistry, Counter, Gauge
from starlette.applications import Starlette

from bot.metrics.scrape import Sessions, metrics_route, outbox_gauge
from bot.schedule.digests import DigestRound
from handlers.retention.purge import PurgeReport
from storage.outbox import Outcome

STOP_POLL = 0.2  # seconds between looks at the stop event while serving


@dataclass(frozen=True)
class WorkerMetrics:
    """The figures of one ``reslog worker`` process, in a registry of their own."""

    registry: CollectorRegistry
    settled: Counter
    send_errors: Counter
    rounds: Counter
    last_round: Gauge
    digests: Counter
    last_digest: Gauge
    templates: Counter
    warned: Counter
    destroyed: Counter
    outbox: Gauge

    @classmethod
    def create(cls) -> WorkerMetrics:
        """Fresh figures."""
        registry = CollectorRegistry()
        return cls(
            registry=registry,
            settled=Counter(
                "reslog_outbox_settled",
                "Outbox rows the dispatcher settled, by channel and the status they reached",
                ["channel", "status"],
                registry=registry,
            ),
            send_errors=Counter(
                "reslog_send_errors",
                "Sends the channel refused or failed, by channel and kind of error",
                ["channel", "reason"],
                registry=registry,
            ),
            rounds=Counter(
                "reslog_scheduler_rounds",
                "Rounds of the schedulers, by scheduler (polls, digests) and outcome",
                ["scheduler", "outcome"],
                registry=registry,
            ),
            last_round=Gauge(
                "reslog_scheduler_last_round_timestamp_seconds",
                "When each scheduler last finished a round (Unix time)",
                ["scheduler"],
                registry=registry,
            ),
            digests=Counter(
                "reslog_digests",
                "Digest runs, by outcome (sent, failed)",
                ["outcome"],
                registry=registry,
            ),
            last_digest=Gauge(
                "reslog_digest_last_sent_timestamp_seconds",
                "When a digest was last sent (Unix time)",
                registry=registry,
            ),
            templates=Counter(
                "reslog_whatsapp_template_sends",
                "WhatsApp messages sent as the approved template (outside the 24-hour window),"
                " by language",
                ["language"],
                registry=registry,
            ),
            warned=Counter(
                "reslog_retention_warned",
                "Participants warned of their erasure for inactivity",
                registry=registry,
            ),
            destroyed=Counter(
                "reslog_retention_destroyed",
                "Records the retention purge destroyed, by category and reason",
                ["category", "reason"],
                registry=registry,
            ),
            outbox=outbox_gauge(registry),
        )

    def template_sent(self, language: str) -> None:
        """Count one WhatsApp message sent as its language's template."""
        self.templates.labels(language).inc()

    def dispatched(self, channel: str, outcomes: Sequence[Outcome]) -> None:
        """Count rows a dispatcher settled."""
        for outcome in outcomes:
            self.settled.labels(channel, outcome.status.value).inc()

    def send_failed(self, channel: str, reason: str) -> None:
        """Count one send the channel refused or failed (``reason``: the kind of error)."""
        self.send_errors.labels(channel, reason).inc()

    def round_done(self, scheduler: str, summary: object | None) -> None:
        """Count one scheduler round (``summary`` None: the round failed)."""
        self.rounds.labels(scheduler, "failed" if summary is None else "ok").inc()
        if summary is None:
            return
        self.last_round.labels(scheduler).set(time.time())
        if isinstance(summary, DigestRound):
            self.digests.labels("sent").inc(len(summary.sent))
            self.digests.labels("failed").inc(len(summary.failed))
            if summary.sent:
                self.last_digest.set(time.time())
        if isinstance(summary, PurgeReport):
            self.warned.inc(summary.warned)
            for (category, reason), count in summary.destroyed.items():
                self.destroyed.labels(category.value, reason.value).inc(count)


async def serve_metrics(
    metrics: WorkerMetrics,
    token: str,
    sessions: Sessions,
    host: str,
    port: int,
    stop: asyncio.Event,
) -> None:
    """``GET /metrics`` on ``host:port`` until ``stop`` is set."""
    app = Starlette(routes=[metrics_route(token, metrics.registry, metrics.outbox, sessions)])
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off")
    )
    serving = asyncio.create_task(server.serve())
    try:
        while not stop.is_set() and not serving.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), STOP_POLL)
    finally:
        server.should_exit = True
        await serving
