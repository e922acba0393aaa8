"""`reslog union` as real processes on both databases: create, add, remove, list; cycles refused."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import MunicipalUnion, UnionMember
from tests.support.cli import reslog, reslog_all


async def _count(sessions: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_unions_are_built_up_the_chain_and_listed_with_their_members(
    cli_env: dict[str, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    made = await reslog_all(
        cli_env,
        [
            ["municipality", "create", "fatih", "--name", "tr=Fatih Belediyesi"],
            ["municipality", "create", "adana", "--name", "tr=Adana Büyükşehir"],
            ["union", "create", "marmara", "--name", "tr=Marmara Belediyeler Birliği"],
            ["union", "create", "cukurova", "--name", "tr=Çukurova", "--k", "7"],
            [
                "union",
                "create",
                "tbb",
                "--name",
                "tr=Türkiye Belediyeler Birliği",
                "--name",
                "ar=اتحاد بلديات تركيا",
                "--level",
                "national",
            ],
        ],
    )
    assert [run.ok() for run in made][2:] == [
        "created regional union marmara\n",
        "created regional union cukurova\n",
        "created national union tbb\n",
    ]
    for args in (
        ["marmara", "--municipality", "fatih"],
        ["cukurova", "--municipality", "adana"],
        ["tbb", "--union", "marmara"],
        ["tbb", "--union", "cukurova"],
    ):
        assert (await reslog(cli_env, "union", "add", *args)).ok().startswith("added ")
    again = await reslog(cli_env, "union", "add", "marmara", "--municipality", "fatih")
    assert again.ok() == "municipality fatih is a member already\n"

    listed, table = await reslog_all(cli_env, [["union", "list", "--json"], ["union", "list"]])
    shown = {u["slug"]: u for u in json.loads(listed.ok())}
    assert shown["tbb"] == {
        "slug": "tbb",
        "name": {"tr": "Türkiye Belediyeler Birliği", "ar": "اتحاد بلديات تركيا"},
        "level": "national",
        "timezone": "Europe/Istanbul",
        "k": 5,
        "municipalities": [],
        "unions": ["cukurova", "marmara"],
    }
    assert shown["marmara"]["municipalities"] == ["fatih"] and shown["cukurova"]["k"] == 7
    assert "union:cukurova, union:marmara" in table.ok()

    removed = await reslog(cli_env, "union", "remove", "tbb", "--union", "cukurova")
    assert removed.ok() == "removed union cukurova from union tbb\n"
    not_member = await reslog(cli_env, "union", "remove", "tbb", "--union", "cukurova")
    not_member.refused("union cukurova is not a member of union tbb")
    assert await _count(sessions, UnionMember) == 3


async def test_bad_unions_and_memberships_are_one_line_and_change_nothing(
    cli_env: dict[str, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await reslog_all(
        cli_env,
        [
            ["municipality", "create", "fatih", "--name", "tr=Fatih"],
            ["union", "create", "marmara", "--name", "tr=Marmara"],
            ["union", "create", "tbb", "--name", "tr=TBB", "--level", "national"],
            ["union", "create", "upper", "--name", "en=Upper", "--level", "national"],
        ],
    )
    (await reslog(cli_env, "union", "add", "tbb", "--union", "marmara")).ok()
    (await reslog(cli_env, "union", "add", "upper", "--union", "tbb")).ok()
    runs = await reslog_all(
        cli_env,
        [
            ["union", "create", "Bad_Slug", "--name", "tr=X"],
            ["union", "create", "ege", "--name", "tr=Ege", "--timezone", "Mars/Olympus"],
            ["union", "create", "ege", "--name", "tr=Ege", "--k", "1"],
            ["union", "create", "ege", "--name", "xx=Ege"],
            ["union", "create", "marmara", "--name", "tr=Marmara"],
            ["union", "add", "tbb", "--union", "tbb"],
            ["union", "add", "tbb", "--union", "upper"],
            ["union", "add", "marmara", "--union", "tbb"],
            ["union", "add", "nowhere", "--municipality", "fatih"],
            ["union", "add", "marmara", "--municipality", "nowhere"],
            ["union", "add", "tbb", "--union", "nowhere"],
        ],
    )
    expected = [
        "slug 'Bad_Slug' must be lower-case letters, digits and dashes",
        "time zone 'Mars/Olympus' is unknown",
        "K must be at least 2",
        "name 'xx=Ege' must look like tr=Text",
        "union 'marmara' exists already",
        "union 'tbb' cannot be a member of itself",
        "union 'upper' cannot join 'tbb': 'tbb' is already beneath it",
        "union 'marmara' is regional: its members are municipalities, not unions",
        "no union 'nowhere'; `reslog union list` shows them",
        "no municipality 'nowhere'",
        "no union 'nowhere'",
    ]
    for run, fragment in zip(runs, expected, strict=True):
        run.refused(fragment)
    assert await _count(sessions, MunicipalUnion) == 3
    assert await _count(sessions, UnionMember) == 2
    both = await reslog(
        cli_env, "union", "add", "tbb", "--municipality", "fatih", "--union", "marmara"
    )
    assert both.returncode == 2 and "not allowed with argument" in both.stderr
