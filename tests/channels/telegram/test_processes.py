"""`reslog run` and `reslog serve` as real processes against the fake Bot API: start, answer, stop.

These run ``run_polling(settings)`` and ``serve(settings)`` exactly as deployed: settings from the
environment, signals for shutdown, uvicorn on a real port.
"""

from __future__ import annotations

import asyncio
import signal
import socket
from pathlib import Path

import httpx

from bot.web import WEBHOOK_PATH
from tests.fakes.bot_api import FakeBotApi
from tests.support.processes import EXIT_TIMEOUT, running_reslog, start_reslog, telegram_env

WEBHOOK_SECRET = "process-test-secret_0123"


def _free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_reslog_run_polls_answers_and_stops_on_sigterm(
    cli_env: dict[str, str], demo: str, tmp_path: Path
) -> None:
    async with FakeBotApi() as fake:
        amal = fake.user(880001, "Amal", "ar")
        update_id = fake.queue(fake.text_update(amal, f"/start {demo}"))
        async with running_reslog("run", env=telegram_env(cli_env, fake), cwd=tmp_path):
            await fake.wait_until(lambda: fake.calls_to("sendMessage"), what="the reply")
            await fake.wait_until(lambda: fake.delivered(update_id), what="the confirmation")
        polls = fake.calls_to("getUpdates")
    assert "يُرجى اختيار لغتك." in fake.calls_to("sendMessage")[0].params["text"]
    assert fake.calls_to("deleteWebhook")
    assert polls[0].params["allowed_updates"] == ["message", "edited_message", "callback_query"]
    assert len(fake.calls_to("setMyCommands")) == 4


async def test_reslog_serve_registers_the_webhook_answers_and_reports_health(
    cli_env: dict[str, str], demo: str, tmp_path: Path
) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    async with FakeBotApi() as fake:
        env = telegram_env(
            cli_env,
            fake,
            PORT=str(port),
            TELEGRAM_WEBHOOK_URL="https://bot.reslog.example/telegram/webhook",
            TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        )
        async with running_reslog("serve", env=env, cwd=tmp_path), httpx.AsyncClient() as http:
            await fake.wait_until(lambda: fake.calls_to("setWebhook"), what="setWebhook")
            health = await _get_when_listening(http, f"{base}/healthz")
            ayse = fake.user(880002, "Ayşe", "tr")
            update = fake.text_update(ayse, f"/start {demo}")
            refused = await http.post(f"{base}{WEBHOOK_PATH}", json=update)
            accepted = await fake.post_update(http, f"{base}{WEBHOOK_PATH}", update, WEBHOOK_SECRET)
            await fake.wait_until(lambda: fake.calls_to("sendMessage"), what="the reply")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert (refused.status_code, accepted.status_code) == (403, 200)
    [webhook] = fake.calls_to("setWebhook")
    assert webhook.params["url"] == "https://bot.reslog.example/telegram/webhook"
    assert webhook.params["secret_token"] == WEBHOOK_SECRET
    assert webhook.params["allowed_updates"] == ["message", "edited_message", "callback_query"]
    assert fake.calls_to("getUpdates") == []
    assert "Lütfen dilinizi seçin." in fake.calls_to("sendMessage")[0].params["text"]


async def _get_when_listening(http: httpx.AsyncClient, url: str) -> httpx.Response:
    """GET a URL, retrying while the server is still starting (bounded)."""
    async with asyncio.timeout(EXIT_TIMEOUT):
        while True:
            try:
                return await http.get(url)
            except httpx.ConnectError:
                await asyncio.sleep(0.05)


async def test_reslog_verbose_never_logs_a_persons_telegram_id_name_or_the_token(
    cli_env: dict[str, str], demo: str, tmp_path: Path
) -> None:
    async with FakeBotApi() as fake:
        amal = fake.user(884321987, "Amalnamefortest", "ar")
        fake.queue(fake.text_update(amal, f"/start {demo}"))
        process = await start_reslog(
            "-v", "run", env=telegram_env(cli_env, fake, LOG_LEVEL="DEBUG"), cwd=tmp_path
        )
        try:
            await fake.wait_until(lambda: fake.calls_to("sendMessage"), what="the reply")
        finally:
            process.send_signal(signal.SIGTERM)
            _out, err = await asyncio.wait_for(process.communicate(), EXIT_TIMEOUT)
    log = err.decode(errors="replace")
    assert process.returncode == 0, log
    assert "DEBUG" in log  # verbose indeed: the project's own debug lines are there
    assert "884321987" not in log
    assert "Amalnamefortest" not in log
    assert fake.token not in log
    assert fake.token.split(":")[1] not in log


async def test_a_bad_log_level_stops_start_up_with_one_line(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    async with FakeBotApi() as fake:
        env = telegram_env(cli_env, fake, LOG_LEVEL="LOUD")
        process = await start_reslog("run", env=env, cwd=tmp_path)
        _out, err = await asyncio.wait_for(process.communicate(), EXIT_TIMEOUT)
    assert process.returncode == 2
    assert err.decode().strip() == (
        "reslog: error: LOG_LEVEL 'LOUD' is not one of DEBUG, INFO, WARNING, ERROR"
    )
