"""The `reslog` command line, run as a real process against SQLite and PostgreSQL.

Every expected failure is one line on stderr (`reslog: error: ...`, exit 2) and no traceback;
a refused poll file leaves nothing behind. Commands that do not depend on each other run in
parallel, since each process takes about half a second to start.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli.main import build_parser
from handlers.i18n.core import gettext, use_language
from handlers.polls.lifecycle import open_poll
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.models import Assembly, Municipality, Option, Poll, Question, Staff
from tests.conftest import TEST_SECRET
from tests.support.cli import TIMEOUT, reslog, reslog_all
from tests.support.closing import close_as_facilitator
from tests.support.cohort import COHORT, answer_demo_poll
from tests.support.paths import PROJECT_DIR
from tests.support.schedule import draft_poll

POLL_FILE = PROJECT_DIR / "examples" / "poll-services-2026.yaml"
PROFILE_FILE = PROJECT_DIR / "examples" / "assembly-profile.yaml"
BOM = b"\xef\xbb\xbf"


async def _count(sessions: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


def _shown_counts(table_text: str) -> list[int]:
    """Every count printed in the total and language columns of `reslog results` tables."""
    found = []
    for line in table_text.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) == 5 and cells[0] not in ("median", "option", "value", "answer"):
            found += [int(cell) for cell in cells[1:] if cell.isdigit()]
    return found


def _variant(tmp_path: Path, name: str, edit: dict[int, str | None]) -> Path:
    """The example poll file with some lines replaced (or removed, for None)."""
    lines = POLL_FILE.read_text(encoding="utf-8").splitlines()
    kept = [edit.get(n, line) for n, line in enumerate(lines, start=1)]
    path = tmp_path / f"{name}.yaml"
    path.write_text("\n".join(line for line in kept if line is not None) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def bare_env(tmp_path: Path) -> dict[str, str]:
    """An environment with no database or secret configured."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "DATABASE_URL", "RESLOG_"))
    }
    env["HOME"] = str(tmp_path)
    return env


async def test_municipality_assembly_and_staff_commands_check_what_they_are_given(
    cli_env: dict[str, str], sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher
) -> None:
    names = ["--name", "tr=Uyum Meclisi", "--name", "ar=مجلس الانسجام", "--name", "en=Assembly"]
    municipality = ["--name", "tr=Zeytinburnu Belediyesi", "--name", "ar=بلدية زيتين بورنو"]
    bad_slug, bad_zone, bad_k, created, no_municipality, bad_id = await reslog_all(
        cli_env,
        [
            ["municipality", "create", "Bad_Slug", "--name", "tr=X"],
            ["municipality", "create", "fatih", "--name", "tr=X", "--timezone", "Mars/Olympus"],
            ["municipality", "create", "fatih", "--name", "tr=X", "--k", "1"],
            ["municipality", "create", "zeytinburnu", *municipality, "--k", "6"],
            ["assembly", "create", "FATIH", "--municipality", "fatih", *names],
            ["staff", "add", "--assembly", "ZEYTINBURNU", "--telegram-id", "12ab"],
        ],
    )
    bad_slug.refused("slug 'Bad_Slug' must be lower-case letters, digits and dashes")
    bad_zone.refused("time zone 'Mars/Olympus' is unknown")
    bad_k.refused("--k must be at least 2")
    assert created.ok() == "created municipality zeytinburnu\n"
    no_municipality.refused("no municipality 'fatih'; `reslog municipality list` shows them")
    bad_id.refused("--telegram-id must be a number, not '12ab'")
    assert await _count(sessions, Municipality) == 1
    assert await _count(sessions, Assembly) == 0

    with_profile = [*names, "--profile", str(PROFILE_FILE)]
    wrong_profile = [*names, "--profile", str(POLL_FILE)]
    again, listed, no_names, created, bad_profile = await reslog_all(
        cli_env,
        [
            ["municipality", "create", "zeytinburnu", "--name", "tr=Z"],
            ["municipality", "list", "--json"],
            ["assembly", "create", "FATIH", "--municipality", "zeytinburnu", "--name", "tr=M"],
            ["assembly", "create", "zeytinburnu", "--municipality", "zeytinburnu", *with_profile],
            ["assembly", "create", "FATIH", "--municipality", "zeytinburnu", *wrong_profile],
        ],
    )
    again.refused("municipality 'zeytinburnu' exists already")
    assert json.loads(listed.ok()) == [
        {
            "slug": "zeytinburnu",
            "name": {"tr": "Zeytinburnu Belediyesi", "ar": "بلدية زيتين بورنو"},
            "timezone": "Europe/Istanbul",
            "k": 6,
        }
    ]
    no_names.refused("the assembly has no name in ar, en")
    assert created.ok() == "created assembly ZEYTINBURNU\n"
    bad_profile.refused(f"{POLL_FILE}: line 1: a profile file is a mapping with a list")

    table, profile, added, missing = await reslog_all(
        cli_env,
        [
            ["assembly", "list"],
            ["assembly", "profile", "ZEYTINBURNU", str(PROFILE_FILE)],
            ["staff", "add", "--assembly", "zeytinburnu", "--telegram-id", "424242"],
            ["staff", "add", "--assembly", "NOWHERE", "--telegram-id", "5"],
        ],
    )
    assert re.search(r"ZEYTINBURNU\s+zeytinburnu\s+Uyum Meclisi\s+tr,ar,en\s+3\n", table.ok())
    assert profile.ok() == "assembly ZEYTINBURNU now asks 3 profile questions\n"
    assert added.ok() == "added a facilitator to ZEYTINBURNU\n"
    missing.refused("no assembly has the join code 'NOWHERE'")
    twice = await reslog(
        cli_env, "staff", "add", "--assembly", "ZEYTINBURNU", "--telegram-id", "424242"
    )
    assert twice.ok() == "already a facilitator of ZEYTINBURNU\n"
    async with sessions() as session:
        staff = (await session.execute(select(Staff))).scalar_one()
        assembly = (await session.execute(select(Assembly))).unique().scalar_one()
    assert "424242" not in staff.address_enc
    assert cipher.decrypt(staff.address_enc) == "424242"
    assert staff.address_hash == cipher.lookup_hash("telegram", "424242")
    assert [q["key"] for q in assembly.profile] == ["community", "age_band", "neighbourhood"]


async def _assembly(sessions: async_sessionmaker[AsyncSession]) -> None:
    """The assembly ZEYTINBURNU in three languages, without polls (made in-process: quicker)."""
    async with sessions() as session:
        municipality = Municipality(slug="zeytinburnu", name={"tr": "Zeytinburnu"})
        session.add(municipality)
        await session.flush()
        session.add(
            Assembly(
                municipality_id=municipality.id,
                join_code="ZEYTINBURNU",
                name={"tr": "Meclis", "ar": "مجلس", "en": "Assembly"},
                languages=["tr", "ar", "en"],
            )
        )
        await session.commit()


async def test_poll_files_are_refused_whole_with_their_line_and_polls_open_and_close_in_order(
    cli_env: dict[str, str], sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await _assembly(sessions)
    cases = {
        # An unclosed flow mapping: the parser notices on the next line.
        _variant(tmp_path, "bad-yaml", {18: '      - {tr: "Toplu taşıma", ar: "النقل العام"'}): (
            "line 19: not valid YAML"
        ),
        _variant(tmp_path, "unknown-kind", {20: "  - kind: ranking"}): (
            "line 20: question 2 has kind 'ranking'; use one of single, multi"
        ),
        _variant(tmp_path, "no-arabic", {43: None}): "line 42: question 5 text has no text in ar",
        _variant(tmp_path, "empty-option", {17: "      - {}"}): (
            "line 17: question 1 option 2 has no text in tr, ar, en"
        ),
        _variant(tmp_path, "blank-option", {17: '      - {tr: "", ar: " ", en: ""}'}): (
            "line 17: question 1 option 2 has no text in tr, ar, en"
        ),
        _variant(tmp_path, "one-option", {16: None, 17: None, 18: None}): (
            "line 10: question 1 (single) needs at least two options"
        ),
        _variant(tmp_path, "no-assembly", {3: "assembly: NOWHERE"}): (
            "line 3: no assembly has the join code NOWHERE"
        ),
    }
    expected = [f"{path}: {reason}" for path, reason in cases.items()]
    missing = tmp_path / "nothing.yaml"
    expected.append(f"cannot read {missing}: No such file or directory")
    runs = await reslog_all(cli_env, [["poll", "import", path] for path in [*cases, missing]])
    for run, message in zip(runs, expected, strict=True):
        run.refused(message)
    for model in (Poll, Question, Option):
        assert await _count(sessions, model) == 0

    imported = await reslog(cli_env, "poll", "import", POLL_FILE)
    assert imported.ok().startswith("imported poll services-2026 (6 questions) as a draft")
    duplicate, second = await reslog_all(
        cli_env,
        [
            ["poll", "import", POLL_FILE],
            ["poll", "import", _variant(tmp_path, "second", {4: "slug: services-2027"})],
        ],
    )
    assert duplicate.ok() == (
        "poll services-2026 is unchanged: the file says what it says already\n"
    )  # the same slug again updates the poll (tests/polls/test_update.py): here, nothing to do
    second.ok()
    assert [await _count(sessions, m) for m in (Poll, Question, Option)] == [2, 12, 16]

    # A translation lost after import (an edit in the database, say) is named when opening.
    async with sessions() as session:
        poll = (
            await session.execute(select(Poll).where(Poll.slug == "services-2026"))
        ).scalar_one()
        question = poll.questions[2]
        await session.execute(
            update(Question).where(Question.id == question.id).values(text={"tr": "Güven?"})
        )
        await session.execute(update(Poll).where(Poll.id == poll.id).values(title={"tr": "T"}))
        await session.commit()
    untranslated, close_draft, unknown = await reslog_all(
        cli_env,
        [
            ["poll", "open", "ZEYTINBURNU", "services-2026"],
            ["poll", "close", "ZEYTINBURNU", "services-2027"],
            ["poll", "open", "ZEYTINBURNU", "nothing"],
        ],
    )
    untranslated.refused(
        "poll services-2026 lacks translations: title: ar; title: en; question 3: ar; question 3: en"
    )
    close_draft.refused("poll services-2027 is not open (it is draft)")
    unknown.refused("assembly ZEYTINBURNU has no poll 'nothing'")
    assert (await reslog(cli_env, "poll", "open", "zeytinburnu", "services-2027")).ok() == (
        "poll services-2027 is open; 0 members invited (`reslog worker` sends)\n"
    )
    assert (await reslog(cli_env, "poll", "close", "ZEYTINBURNU", "services-2027")).ok() == (
        "poll services-2027 is closed; the results go to the 0 members who answered"
        " (`reslog worker` sends)\n"
    )
    reopen, listed = await reslog_all(
        cli_env,
        [["poll", "open", "ZEYTINBURNU", "services-2027"], ["poll", "list", "ZEYTINBURNU"]],
    )
    reopen.refused("poll services-2027 is closed; a closed poll is not reopened")
    assert re.search(r"services-2026\s+draft\s+6\s+T\n", listed.ok())
    assert re.search(r"services-2027\s+closed\s+6\s+Mahallemizde", listed.ok())


async def test_poll_schedule_takes_local_times_refuses_bad_ones_in_one_line_and_list_shows_it(
    cli_env: dict[str, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _assembly(sessions)
    draft = await draft_poll(sessions, "services-2026")
    opened = await draft_poll(sessions, "open-2026")
    async with sessions() as session:
        poll = await session.get(Poll, opened)
        assert poll is not None
        await open_poll(session, poll)
        await session.commit()
    year = utcnow().year + 1
    code, slug = "ZEYTINBURNU", "services-2026"
    refusals = {
        (): "nothing to change: give --open, --close, --remind-before or --clear",
        ("--clear", "--close", f"{year}-12-12 18:00"): (
            "--clear cannot be combined with --open, --close or --remind-before"
        ),
        ("--open", "tomorrow"): (
            "--open 'tomorrow' is not a local time like 2026-12-05 10:00 or 05.12.2026 10:00"
        ),
        ("--remind-before", "1w"): (
            "--remind-before '1w' is not a lead time like 90m, 24h or 2d (0: no reminder)"
        ),
        ("--remind-before", "31d"): (
            "the reminder can go at most 30 days before closing, not 44,640 minutes"
        ),
        ("--open", "2020-01-01 10:00"): "the opening time 2020-01-01 07:00 UTC has already passed",
        ("--open", f"{year}-12-12 10:00", "--close", f"05.12.{year} 10:00"): (
            f"poll services-2026 would close ({year}-12-05 07:00 UTC) before it opens"
            f" ({year}-12-12 07:00 UTC)"
        ),
    }
    runs = await reslog_all(
        cli_env,
        [
            *(["poll", "schedule", code, slug, *args] for args in refusals),
            ["poll", "schedule", code, "open-2026", "--open", f"{year}-12-05 10:00"],
            ["poll", "schedule", code, "nothing", "--clear"],
        ],
    )
    for run, line in zip(
        runs,
        [
            *refusals.values(),
            "poll open-2026 is open already; only its closing time can be set",
            "assembly ZEYTINBURNU has no poll 'nothing'",
        ],
        strict=True,
    ):
        run.refused(line)
    async with sessions() as session:
        poll = await session.get(Poll, draft)
        assert poll is not None
        assert (poll.opens_at, poll.closes_at, poll.remind_before_minutes) == (None, None, 1440)

    scheduled = await reslog(
        cli_env,
        "poll",
        "schedule",
        code,
        slug,
        "--open",
        f"{year}-12-05T10:00",
        "--close",
        f"12.12.{year} 18:00",
        "--remind-before",
        "2d",
    )
    assert scheduled.ok() == (
        f"poll services-2026 opens {year}-12-05 10:00 and closes {year}-12-12 18:00"
        " (Europe/Istanbul); a reminder goes 2d before closing to members who have not answered"
        " (`reslog worker` acts on it)\n"
    )
    closing, listed = await reslog_all(
        cli_env,
        [
            ["poll", "schedule", code, "open-2026", "--close", f"{year}-01-10 09:30"],
            ["poll", "list", code],
        ],
    )
    assert closing.ok() == (
        f"poll open-2026 closes {year}-01-10 09:30 (Europe/Istanbul); a reminder goes 24h before"
        " closing to members who have not answered (`reslog worker` acts on it)\n"
    )
    assert re.search(
        rf"services-2026\s+draft\s+6\s+Mahallemizde hizmetler 2026\s+{year}-12-05 10:00\s+"
        rf"{year}-12-12 18:00\s+2d before\n",
        listed.ok(),
    )
    assert "reminder (Europe/Istanbul)" in listed.ok()
    async with sessions() as session:
        poll = await session.get(Poll, draft)
        assert poll is not None
        assert poll.opens_at == datetime(year, 12, 5, 7, 0, tzinfo=UTC)
        assert poll.closes_at == datetime(year, 12, 12, 15, 0, tzinfo=UTC)
        assert poll.remind_before_minutes == 2 * 24 * 60

    cleared = await reslog(cli_env, "poll", "schedule", code, slug, "--clear")
    assert cleared.ok() == (
        "poll services-2026 has no schedule: it opens and closes only with"
        " `reslog poll open|close`\n"
    )
    listed = await reslog(cli_env, "poll", "list", code)
    assert re.search(r"services-2026\s+draft\s+6\s+Mahallemizde hizmetler 2026\n", listed.ok())
    assert re.search(rf"open-2026\s+open\s+6\s+.*{year}-01-10 09:30\s+24h before\n", listed.ok())


async def test_results_show_small_counts_as_under_k_and_export_writes_an_unlinked_csv(
    cli_env: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
    tmp_path: Path,
) -> None:
    # 5 Arabic, 1 Turkish and 1 English speaker answer the demo poll, which then closes (its
    # figures fixed at K 5; while open they are rounded, tests/results/test_published_figures.py).
    cohort = (*COHORT[:5], COHORT[7], COHORT[13])
    await answer_demo_poll(sessions, cipher, demo, cohort)
    async with sessions() as session:
        poll_id = (await session.execute(select(Poll.id))).scalar_one()
    await close_as_facilitator(sessions, poll_id)
    out, out_ar = tmp_path / "services.csv", tmp_path / "services-ar.csv"
    (
        table,
        as_json,
        arabic,
        lowered,
        raised,
        unknown,
        exported,
        exported_ar,
        unwritable,
    ) = await reslog_all(
        cli_env,
        [
            ["results", demo, "services-2026", "--language", "en"],
            ["results", demo, "services-2026", "--json"],
            ["results", demo, "services-2026", "--language", "ar"],
            ["results", demo, "services-2026", "--k", "4"],
            ["results", demo, "services-2026", "--k", "6"],
            ["results", demo, "services-2025"],
            ["export", demo, "services-2026", "--out", out, "--language", "en"],
            ["export", demo, "services-2026", "--out", out_ar, "--language", "ar"],
            ["export", demo, "services-2026", "--out", tmp_path / "no" / "such.csv"],
        ],
    )
    text = table.ok()
    assert text.startswith(
        "Services in our neighbourhood 2026 (services-2026, closed)\n<5: fewer than 5"
    )
    results = json.loads(as_json.ok())
    assert results["k"] == 5
    # 7 respondents: Turkish and English under K; the table and the JSON show the same.
    shown = results["respondents"]
    assert shown["by_language"]["tr"] == shown["by_language"]["en"] == "<5"
    assert shown["total"] in ("7", "x") and shown["by_language"]["ar"] in ("5", "x")
    respondents_line = rf"respondents\s+{shown['total']}\s+<5\s+{shown['by_language']['ar']}\s+<5\n"
    assert re.search(respondents_line, text)
    assert "1. Which service should the municipality improve first? (single choice)" in text
    assert re.search(r"option\s+total\s+tr\s+ar\s+en\n", text)
    first_question = results["questions"][0]
    cleaning = first_question["rows"][0]
    assert re.search(
        rf"Cleaning and waste collection\s+{cleaning['total']}\s+"
        rf"{cleaning['by_language']['tr']}\s+{cleaning['by_language']['ar']}\s+"
        rf"{cleaning['by_language']['en']}\n",
        text,
    )
    assert min(_shown_counts(text), default=5) >= 5  # 7 people: few numbers can show
    for person in cohort:
        assert person.text not in text and person.text not in as_json.ok()
    assert "Mahallemizde hizmetler 2026" in results["title"]
    assert "الخدمات في حيّنا 2026" in arabic.ok() and "النقل العام" in arabic.ok()
    # Published at K 5 when it closed: no other K, lower or higher, is shown (case 8).
    lowered.refused("were first published at K=5")
    raised.refused("were first published at K=5", "two thresholds cannot be compared")
    unknown.refused(f"assembly {demo} has no poll 'services-2025'")
    unwritable.refused("cannot write", "such.csv")

    # The export is the same tables, figure by figure as shown (tests/results/test_export.py has more).
    rows = list(csv.reader(io.StringIO(out.read_bytes()[len(BOM) :].decode("utf-8"))))
    assert exported.ok().strip() == f"wrote {len(rows) - 1} rows to {out}"
    assert out.read_bytes().startswith(BOM)
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert rows[0] == ["question", "row", "column", "shown"]
    assert rows[1:5] == [
        ["", "respondents", "total", shown["total"]],
        ["", "respondents", "tr", "<5"],
        ["", "respondents", "ar", shown["by_language"]["ar"]],
        ["", "respondents", "en", "<5"],
    ]
    first = "1. Which service should the municipality improve first?"
    exported_cleaning = [
        row[2:] for row in rows if row[:2] == [first, "Cleaning and waste collection"]
    ]
    assert exported_cleaning == [  # as printed
        ["total", cleaning["total"]],
        *([lang, cleaning["by_language"][lang]] for lang in ("tr", "ar", "en")),
    ]
    flat = " ".join(cell for row in rows for cell in row)
    assert not any(person.text and person.text in flat for person in cohort)
    arabic_rows = list(csv.reader(io.StringIO(out_ar.read_bytes()[len(BOM) :].decode("utf-8"))))
    assert exported_ar.ok().strip() == f"wrote {len(rows) - 1} rows to {out_ar}"
    assert arabic_rows[5][0] == "1. ما الخدمة التي تريد أن تحسّنها البلدية أولاً؟"
    assert arabic_rows[5][1] == "النظافة وجمع النفايات"
    with use_language("ar"):
        assert any(row[1] == gettext("Yes") for row in arabic_rows)


async def test_bad_settings_and_an_unmigrated_database_stop_with_one_line(
    bare_env: dict[str, str], tmp_path: Path
) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    with_secret = {**bare_env, "RESLOG_SECRET_KEY": TEST_SECRET}
    mysql, not_url, no_secret, short_secret, unmigrated = await asyncio.gather(
        reslog({**with_secret, "DATABASE_URL": "mysql://x"}, "municipality", "list"),
        reslog({**with_secret, "DATABASE_URL": "not a url"}, "poll", "list", "X"),
        reslog(
            {**bare_env, "DATABASE_URL": f"sqlite:///{empty}"},
            "staff",
            "add",
            "--assembly",
            "X",
            "--telegram-id",
            "1",
        ),
        reslog(
            {**bare_env, "DATABASE_URL": f"sqlite:///{empty}", "RESLOG_SECRET_KEY": "short"},
            "staff",
            "add",
            "--assembly",
            "X",
            "--telegram-id",
            "1",
        ),
        reslog({**with_secret, "DATABASE_URL": f"sqlite:///{empty}"}, "assembly", "list"),
    )
    mysql.refused("DATABASE_URL 'mysql://x' names 'mysql'")
    not_url.refused("DATABASE_URL 'not a url' is not a database URL")
    no_secret.refused("RESLOG_SECRET_KEY' is missing", "reslog keygen")
    short_secret.refused("RESLOG_SECRET_KEY")
    unmigrated.refused("no such table", "reslog db upgrade")


def _command_paths(
    parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()
) -> list[tuple[str, ...]]:
    """Every command and subcommand of the parser, as the words that reach it."""
    paths = [prefix]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                paths += _command_paths(sub, (*prefix, name))
    return paths


HELP_DRIVER = """
import contextlib, io, json, sys
from bot.cli.main import main
shown = {}
for path in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main([*path, "--help"])
            code = "returned"
        except SystemExit as exc:
            code = exc.code
    shown[" ".join(path)] = [code, out.getvalue(), err.getvalue()]
print(json.dumps(shown))
"""


async def test_every_command_and_subcommand_has_help(bare_env: dict[str, str]) -> None:
    paths = _command_paths(build_parser())
    assert {("results",), ("export",), ("poll", "import"), ("staff", "add")} <= set(paths)
    # One process asks the real entry point for every help (a process per help is slow);
    # `reslog --help` itself runs as its own process too.
    driver = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        HELP_DRIVER,
        json.dumps(paths),
        env=bare_env,
        cwd=bare_env["HOME"],
        stdout=asyncio.subprocess.PIPE,
    )
    out, _err = await asyncio.wait_for(driver.communicate(), TIMEOUT)
    shown = json.loads(out)
    assert len(shown) == len(paths)
    for path in paths:
        code, output, errors = shown[" ".join(path)]
        assert code == 0 and errors == "", (path, code, errors)
        assert output.startswith(f"usage: reslog {' '.join(path)}".rstrip()), (path, output)
        assert len(output.splitlines()) > 3, (path, output)
    top = (await reslog(bare_env, "--help")).ok()
    assert top.startswith("usage: reslog") and "results" in top and "export" in top
    results_help = " ".join(shown["results"][1].split())
    assert "can only raise it" in results_help and "<K" in results_help
    export_help = " ".join(shown["export"][1].split())
    assert "byte-order mark" in export_help and "never shows more than the results" in export_help
    assert "--row-level" in export_help and "must not be shared" in export_help


async def test_a_postgresql_database_that_does_not_exist_is_one_line_with_the_fix(
    bare_env: dict[str, str], postgres_url: str
) -> None:
    missing = make_url(postgres_url).set(database="reslog_no_such_database")
    env = {
        **bare_env,
        "RESLOG_SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": missing.render_as_string(hide_password=False),
    }
    upgrade, listing = await asyncio.gather(
        reslog(env, "db", "upgrade"), reslog(env, "assembly", "list")
    )
    for run in (upgrade, listing):
        run.refused('database "reslog_no_such_database" does not exist', "check DATABASE_URL")
