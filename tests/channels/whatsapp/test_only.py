"""A deployment with WhatsApp and no Telegram: `reslog serve` as a real process, no bot token."""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

import httpx

from bot.channels.whatsapp.webhook import WHATSAPP_PATH
from tests.support.processes import running_reslog, start_reslog
from tests.support.whatsapp import ACCOUNT_SID, AUTH_TOKEN, SENDER, Phone, replies_of, sign

PUBLIC = "https://bot.example.org"
READY_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _whatsapp_only(cli_env: dict[str, str], port: int) -> dict[str, str]:
    return {
        **cli_env,
        "PATH": os.environ.get("PATH", ""),
        "PORT": str(port),
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": SENDER,
        "PUBLIC_BASE_URL": PUBLIC,
    }


async def _ready(client: httpx.AsyncClient) -> None:
    async with asyncio.timeout(READY_TIMEOUT):
        while True:
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)


async def test_serve_answers_whatsapp_without_a_telegram_token(
    cli_env: dict[str, str], demo: str, tmp_path: Path
) -> None:
    port = _free_port()
    env = _whatsapp_only(cli_env, port)
    async with (
        running_reslog("serve", env=env, cwd=tmp_path),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client,
    ):
        await _ready(client)
        form = Phone("+963944770001", "أمل").form(f"انضم {demo}")
        response = await client.post(
            WHATSAPP_PATH,
            data=form,
            headers={"X-Twilio-Signature": sign(PUBLIC + WHATSAPP_PATH, form)},
        )
        assert response.status_code == 200
        assert "العربية" in "\n".join(replies_of(response))
        assert (await client.post("/telegram/webhook", json={"update_id": 1})).status_code == 404


async def test_serve_and_worker_without_any_channel_stop_with_one_line(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    for command in ("serve", "worker"):
        process = await start_reslog(command, env={**cli_env, "PATH": ""}, cwd=tmp_path)
        _out, err = await process.communicate()
        assert process.returncode != 0
        lines = err.decode().strip().splitlines()
        assert (
            len(lines) == 1
            and "TELEGRAM_BOT_TOKEN" in lines[0]
            and "TWILIO_ACCOUNT_SID" in lines[0]
        )
