"""`reslog digest-settings` through the real entry point, on both databases: every value checked
first, one-line errors, nothing changed by a refused command, K lowered only here and said so."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.crypto import AddressCipher
from storage.digest_settings import list_recipients, setting_for
from storage.models import DigestRecipient, DigestSetting, Municipality, MunicipalUnion
from tests.support.cli import reslog_all
from tests.support.cli_inprocess import reslog_here

GROUP = "-1001234567890"


async def _places(cli_env: dict[str, str]) -> None:
    for run in await reslog_all(
        cli_env,
        [
            ["municipality", "create", "zeytinburnu", "--name", "tr=Zeytinburnu Belediyesi"],
            ["union", "create", "marmara", "--name", "tr=Marmara Belediyeler Birliği"],
        ],
    ):
        run.ok()


async def _shown(cli_env: dict[str, str], *subject: str) -> dict[str, Any]:
    shown: dict[str, Any] = json.loads(
        (await reslog_here(cli_env, "digest-settings", *subject, "--json")).ok()
    )
    return shown


async def test_settings_are_changed_and_shown_and_lowering_k_is_said(
    cli_env: dict[str, str], sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher
) -> None:
    await _places(cli_env)
    first = await _shown(cli_env, "--municipality", "zeytinburnu")
    assert first == {
        "subject": "municipality",
        "slug": "zeytinburnu",
        "frequency": "off",
        "weekday": "mon",
        "time": "08:00",
        "timezone": "Europe/Istanbul",
        "language": "tr",
        "k": 5,
        "recipients": [],
    }
    changed = await reslog_here(
        cli_env,
        "digest-settings",
        "--municipality",
        "zeytinburnu",
        "--frequency",
        "weekly",
        "--weekday",
        "fri",
        "--time",
        "9:30",
        "--language",
        "ar",
        "--k",
        "3",
        "--add-telegram",
        GROUP,
        "--add-email",
        "Ayse.Yilmaz@Zeytinburnu.BEL.TR",
        "--add-email",
        "uyum@zeytinburnu.bel.tr",
    )
    output = changed.ok()
    assert "K is now 3 (was 5)" in output and "/results" in output
    assert f"added telegram recipient {GROUP}" in output
    assert "added email recipient Ayse.Yilmaz@zeytinburnu.bel.tr" in output
    assert "frequency   weekly" in output and "time        09:30 (Europe/Istanbul)" in output

    shown = await _shown(cli_env, "--municipality", "zeytinburnu")
    assert (shown["frequency"], shown["weekday"], shown["time"], shown["language"]) == (
        "weekly",
        "fri",
        "09:30",
        "ar",
    )
    assert shown["k"] == 3
    assert shown["recipients"] == [
        {"kind": "telegram", "address": GROUP},
        {"kind": "email", "address": "Ayse.Yilmaz@zeytinburnu.bel.tr"},
        {"kind": "email", "address": "uyum@zeytinburnu.bel.tr"},
    ]

    again = await reslog_here(
        cli_env,
        "digest-settings",
        "--municipality",
        "zeytinburnu",
        "--add-email",
        "Ayse.Yilmaz@ZEYTINBURNU.bel.tr",
        "--remove-telegram",
        GROUP,
        "--weekday",
        "4",
    )
    assert (
        "is a recipient already" in again.ok()
        and f"removed telegram recipient {GROUP}" in again.ok()
    )
    async with sessions() as session:
        municipality = (await session.execute(select(Municipality))).scalar_one()
        assert municipality.suppression_k == 3
        setting = await setting_for(session, municipality_id=municipality.id)
        assert setting.weekday == 4
        assert [r.address for r in await list_recipients(session, cipher, setting)] == [
            "Ayse.Yilmaz@zeytinburnu.bel.tr",
            "uyum@zeytinburnu.bel.tr",
        ]


async def test_a_union_has_its_own_settings_and_k(
    cli_env: dict[str, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _places(cli_env)
    changed = await reslog_here(
        cli_env, "digest-settings", "--union", "marmara", "--frequency", "daily", "--k", "8"
    )
    assert "K is now 8 (was 5)" in changed.ok()
    shown = await _shown(cli_env, "--union", "marmara")
    assert (shown["subject"], shown["frequency"], shown["k"]) == ("union", "daily", 8)
    assert (await _shown(cli_env, "--municipality", "zeytinburnu"))["frequency"] == "off"
    async with sessions() as session:
        union = (await session.execute(select(MunicipalUnion))).scalar_one()
        assert union.suppression_k == 8
        assert await session.scalar(select(func.count()).select_from(DigestSetting)) == 2


async def test_every_bad_value_is_one_line_and_changes_nothing(
    cli_env: dict[str, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _places(cli_env)
    base = ["digest-settings", "--municipality", "zeytinburnu"]
    (await reslog_here(cli_env, *base, "--add-email", "kept@example.org", "--k", "6")).ok()
    # each bad value comes with a good change that must not be kept either
    good = ["--frequency", "daily", "--add-telegram", GROUP]
    cases = [
        (["--add-email", "ayse@"], "'ayse@' is not an e-mail address"),
        (["--add-email", "ayse"], "is not an e-mail address"),
        (["--add-telegram", "12ab"], "The chat id '12ab' is not a number"),
        (["--remove-telegram", "@group"], "is not a number"),
        (["--time", "25:00"], "--time: time '25:00' must be a time of day like 08:00"),
        (["--time", "noon"], "must be a time of day"),
        (["--weekday", "pazartesi"], "--weekday 'pazartesi' must be one of mon, tue"),
        (["--weekday", "7"], "must be one of mon"),
        (["--k", "1"], "--k must be at least 2, not 1"),
        (["--remove-email", "nobody@example.org"], "nobody@example.org is not a recipient"),
        (
            ["--add-email", "x@example.org", "--remove-email", "x@example.org"],
            "both added and removed",
        ),
    ]
    for flags, fragment in cases:
        (await reslog_here(cli_env, *base, *good, *flags)).refused(fragment)
    (await reslog_here(cli_env, "digest-settings", "--municipality", "nowhere")).refused(
        "no municipality 'nowhere'"
    )
    (await reslog_here(cli_env, "digest-settings", "--union", "nowhere")).refused(
        "no union 'nowhere'"
    )
    shown = await _shown(cli_env, *base[1:])
    assert (shown["frequency"], shown["k"]) == ("off", 6)
    assert shown["recipients"] == [{"kind": "email", "address": "kept@example.org"}]
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(DigestRecipient)) == 1
    neither = await reslog_here(cli_env, "digest-settings")
    assert (
        neither.returncode == 2 and "one of the arguments --municipality --union" in neither.stderr
    )
    both = await reslog_here(
        cli_env, "digest-settings", "--municipality", "zeytinburnu", "--union", "marmara"
    )
    assert both.returncode == 2 and "not allowed with argument" in both.stderr
    bad_frequency = await reslog_here(cli_env, *base, "--frequency", "hourly")
    assert bad_frequency.returncode == 2 and "invalid choice: 'hourly'" in bad_frequency.stderr
