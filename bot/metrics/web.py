"""The web process's figures: turns and answers by channel, how long turns take, webhook
responses by route and status, the flood limits, and the outbox's rows by channel and status
(read from the database at each scrape)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.metrics_core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.metrics.scrape import outbox_gauge
from handlers.core.events import Answer
from handlers.core.flood import FloodGuard

TURN_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
OTHER_ROUTE = "other"  # any path the app does not serve: never the path itself

Guards = Callable[[], Mapping[str, FloodGuard | None]]


@dataclass(frozen=True)
class WebMetrics:
    """The figures of one ``reslog serve`` process, in a registry of their own."""

    registry: CollectorRegistry
    turns: Counter
    answers: Counter
    turn_seconds: Histogram
    responses: Counter
    reports: Counter
    outbox: Gauge

    @classmethod
    def create(cls, guards: Guards) -> WebMetrics:
        """Fresh figures; ``guards`` gives each channel's flood guard when scraped."""
        registry = CollectorRegistry()
        registry.register(FloodCollector(guards))
        return cls(
            registry=registry,
            turns=Counter(
                "reslog_turns", "Messages handled, by channel", ["channel"], registry=registry
            ),
            answers=Counter(
                "reslog_answers", "Poll answers stored, by channel", ["channel"], registry=registry
            ),
            turn_seconds=Histogram(
                "reslog_turn_seconds",
                "Time to handle one message, database included, by channel",
                ["channel"],
                buckets=TURN_BUCKETS,
                registry=registry,
            ),
            responses=Counter(
                "reslog_webhook_responses",
                "HTTP responses, by route and status",
                ["route", "status"],
                registry=registry,
            ),
            reports=Counter(
                "reslog_delivery_reports",
                "WhatsApp delivery reports from Twilio, by status and Twilio error code"
                " (63016: outside the 24-hour window, sent again as the template)",
                ["status", "error_code"],
                registry=registry,
            ),
            outbox=outbox_gauge(registry),
        )

    def turn_done(self, channel: str, started: float, answer: Answer) -> None:
        """Count one handled message (``started`` from ``time.perf_counter``)."""
        self.turns.labels(channel).inc()
        self.turn_seconds.labels(channel).observe(time.perf_counter() - started)
        if answer.answers:
            self.answers.labels(channel).inc(answer.answers)

    def delivery_report(self, status: str, code: int | None) -> None:
        """Count one WhatsApp delivery report."""
        self.reports.labels(status[:20], str(code) if code is not None else "").inc()


class FloodCollector(Collector):
    """The flood guards' counts, read when scraped."""

    def __init__(self, guards: Guards) -> None:
        self.guards = guards

    def collect(self) -> Iterable[Metric]:
        """Messages over the limit: warned once, then ignored, by channel."""
        family = CounterMetricFamily(
            "reslog_flood_messages",
            "Messages over a person's flood limit, by channel and what was done",
            labels=["channel", "outcome"],
        )
        for channel, guard in sorted(self.guards().items()):
            if guard is not None:
                family.add_metric([channel, "warned"], guard.warned)
                family.add_metric([channel, "ignored"], guard.ignored)
        yield family


class ResponseCounter:
    """ASGI middleware: counts each HTTP response by the route it was for and its status."""

    def __init__(self, app: ASGIApp, metrics: WebMetrics, routes: Iterable[str]) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = frozenset(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        route = path if path in self.routes else OTHER_ROUTE

        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.metrics.responses.labels(route, str(message["status"])).inc()
            await send(message)

        await self.app(scope, receive, counted)
