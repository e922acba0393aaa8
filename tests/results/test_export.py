"""`reslog export`: the results' own tables as CSV, and a row-level file only when asked.

Hole C of "small-group suppression that holds against a reader of every output": the old
export wrote one row per response with its language, so `grep -c '^tr,Parks and playgrounds'`
gave 3 where the results showed <5, the `withheld` rows less the Arabic figures gave English,
the free-text column named each withheld row's language, and once every language had K
respondents every cell was exposed. Every command runs the real `reslog` entry point.
"""

from __future__ import annotations

import csv
import io
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.privacy.suppression import HIDDEN, WITHHELD, CountTable, SafeTable, small
from handlers.results.export import defuse
from storage.crypto import AddressCipher
from storage.models import Answer, Municipality, Option, Poll, Question, Response
from tests.support.cli import reslog, reslog_all
from tests.support.closing import close_as_facilitator
from tests.support.cohort import Person, answer_demo_poll
from tests.support.disclosure_reader import pinned_in_outputs

SLUG = "services-2026"
K = 5
BOM = "\ufeff"
FIRST = "1. Which service should the municipality improve first?"
OPTIONS = (
    "Cleaning and waste collection",
    "Parks and playgrounds",
    "Public transport",
    "Access to health services",
)
LANGUAGES = ("tr", "ar", "en")
HOST, SYRIAN, DECLINED = 0, 1, -1  # the community buttons of the demo profile
# 8 Turkish speakers (3 of them choose parks first), 7 Arabic and 5 English: every language
# has K respondents, so the old export named them all and exposed every cell.
PEOPLE = (
    *(Person("tr", 1, (0,), 3, True, 3, f"ÖNERİ-{n}", profile=(HOST, 0, 0)) for n in range(3)),
    *(Person("tr", 0, (2,), 4, False, 2, f"ÖNERİ-{n}", profile=(HOST, 1, 0)) for n in range(3, 8)),
    *(Person("ar", 0, (0, 3), 4, True, 5, f"اقتراح-{n}", profile=(SYRIAN, 0, 1)) for n in range(2)),
    *(Person("ar", 3, (0,), 2, True, 6, f"اقتراح-{n}", profile=(SYRIAN, 1, 1)) for n in range(2, 7)),
    *(Person("en", 0, (2,), 5, True, 1, f"IDEA-{n}", profile=(DECLINED, -1, -1)) for n in range(5)),
)  # fmt: skip
Key = tuple[str, str, str]


def read_csv(path: Path) -> list[list[str]]:
    """A CSV file as the export writes it: UTF-8 with a byte-order mark."""
    text = path.read_text(encoding="utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[len(BOM) :])))


def figures_of_results(results: dict[str, Any]) -> dict[Key, str]:
    """Every figure of `reslog results --json`, by question, row and column."""
    columns = "by_language" if "by_language" in results["respondents"] else "by_option"
    found: dict[Key, str] = {}

    def add(question: str, row: dict[str, Any] | None) -> None:
        if row is not None:
            found[question, row["label"], "total"] = row["total"]
            for column, shown in row[columns].items():
                found[question, row["label"], column] = shown

    add("", results["respondents"])
    for question in results["questions"]:
        title = f"{question['number']}. {question['text']}"
        for row in question["rows"]:
            add(title, row)
        for extra in ("not_answered", "answered", "median"):
            add(title, question.get(extra))
    return found


def figures_of_export(rows: list[list[str]]) -> dict[Key, str]:
    """Every figure of a table export, by question, row and column (each exactly once)."""
    assert rows[0] == ["question", "row", "column", "shown"]
    found = {(q, row, column): shown for q, row, column, shown in rows[1:]}
    assert len(found) == len(rows) - 1
    return found


def shown_as_number(figures: dict[Key, str]) -> list[int]:
    """Every count shown as a number (a median is not a count)."""
    return [int(v) for (_q, row, _c), v in figures.items() if v.isdigit() and row != "median"]


def first_question_table(figures: dict[Key, str]) -> SafeTable:
    """The first question's table by language, rebuilt from the export alone."""
    return SafeTable(
        OPTIONS,
        LANGUAGES,
        tuple(tuple(figures[FIRST, option, lang] for lang in LANGUAGES) for option in OPTIONS),
        tuple(figures[FIRST, option, "total"] for option in OPTIONS),
        tuple(figures[FIRST, "answered", lang] for lang in LANGUAGES),
        figures[FIRST, "answered", "total"],
        K,
    )


def first_question_truth() -> CountTable:
    """What the people chose first, by language: the counts the table must not give away."""
    counts = [
        tuple(sum(p.single == o and p.language == lang for p in PEOPLE) for lang in LANGUAGES)
        for o in range(len(OPTIONS))
    ]
    return CountTable(OPTIONS, LANGUAGES, tuple(counts))


async def turkish_parks(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Turkish responses that chose parks first, counted in the database."""
    async with sessions() as session:
        query = (
            select(func.count())
            .select_from(Answer)
            .join(Response, Response.id == Answer.response_id)
            .join(Option, Option.id == Answer.option_id)
            .join(Question, Question.id == Answer.question_id)
            .where(Response.language == "tr", Question.position == 0, Option.position == 1)
        )
        return int((await session.execute(query)).scalar_one())


async def test_hole_c_turkish_parks_is_3_and_the_export_shows_under_5_and_nothing_gives_it_back(
    cli_env: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
    tmp_path: Path,
) -> None:
    await answer_demo_poll(sessions, cipher, demo, PEOPLE)
    assert await turkish_parks(sessions) == 3  # the hole's number, as the database has it
    # The row-level file waits for the poll to close: two files would differ by new answers.
    row_level = await reslog(
        cli_env, "export", demo, SLUG, "--out", tmp_path / "rows.csv", "--row-level"
    )
    row_level.refused(f"poll {SLUG} is open", "once it is closed")
    async with sessions() as session:
        poll_id = (await session.execute(select(Poll.id))).scalar_one()
    await close_as_facilitator(sessions, poll_id)  # exact figures, fixed (open ones are rounded)
    tables, community = tmp_path / "tables.csv", tmp_path / "community.csv"
    exported, results, exported_by, results_by = await reslog_all(
        cli_env,
        [
            ["export", demo, SLUG, "--out", tables, "--language", "en"],
            ["results", demo, SLUG, "--language", "en", "--json"],
            ["export", demo, SLUG, "--out", community, "--language", "en", "--by", "community"],
            ["results", demo, SLUG, "--language", "en", "--by", "community", "--json"],
        ],
    )
    rows = read_csv(tables)
    assert exported.ok().strip() == f"wrote {len(rows) - 1} rows to {tables}"
    assert stat.S_IMODE(tables.stat().st_mode) == 0o600
    figures = figures_of_export(rows)
    # The default export shows the hidden cell as the results do (the whole question may be
    # withheld, as the results decide) ...
    assert figures[FIRST, "Parks and playgrounds", "tr"] in (small(K), WITHHELD)
    # ... and is the results, figure for figure, by language and by a profile question.
    assert figures == figures_of_results(json.loads(results.ok()))
    by_community = figures_of_export(read_csv(community))
    assert exported_by.ok().startswith("wrote ")
    assert by_community == figures_of_results(json.loads(results_by.ok()))
    assert {column for _q, _r, column in by_community} >= {"host", "syrian", "(declined)"}
    # Nothing in either file gives a count under 5 back. Counting rows counts columns only:
    text = tables.read_text(encoding="utf-8")
    for option in OPTIONS:
        assert sum(option in line for line in text.splitlines()) == 1 + len(LANGUAGES)
    assert not [line for line in text.splitlines() if line.startswith("tr,")]
    # every count written as a number is at least K, the rest are marks ...
    for shown in (figures, by_community):
        assert min(shown_as_number(shown)) >= K
        marks = {v for (_q, row, _c), v in shown.items() if not v.isdigit() and row != "median"}
        assert marks <= {small(K), HIDDEN, WITHHELD}
    # ... nothing hidden follows from every output solved together (the export is the
    # results), and no words anyone wrote are in the files.
    assert await pinned_in_outputs(sessions, poll_id) == []
    written = text + community.read_text(encoding="utf-8")
    assert not any(person.text in written for person in PEOPLE)


async def test_row_level_is_the_documented_file_logged_and_without_language_or_free_text(
    cli_env: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
    tmp_path: Path,
) -> None:
    await answer_demo_poll(sessions, cipher, demo, PEOPLE)
    (await reslog(cli_env, "poll", "close", demo, SLUG)).ok()
    out = tmp_path / "rows.csv"
    written, with_by, with_k = await reslog_all(
        cli_env,
        [
            ["export", demo, SLUG, "--out", out, "--row-level", "--language", "en"],
            ["export", demo, SLUG, "--out", tmp_path / "b.csv", "--row-level", "--by", "community"],
            ["export", demo, SLUG, "--out", tmp_path / "k.csv", "--row-level", "--k", "6"],
        ],
    )
    assert written.ok().strip() == f"wrote {len(PEOPLE)} rows to {out}"
    warning, logged = written.stderr.strip().splitlines()
    assert warning == (
        f"reslog: warning: {out} has one row per response: it is for the municipality's own "
        "analyst and must not be shared (counting its rows finds groups under K)"
    )
    assert logged.endswith(
        f" WARNING bot.cli.results: row-level export of poll {SLUG} of assembly {demo} "
        f"written to {out.resolve()} ({len(PEOPLE)} rows)"
    )
    for refused in (with_by, with_k):
        refused.refused("the row-level file has no language or profile column")
    rows = read_csv(out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert rows[0] == [
        FIRST,
        "2. Which activities would you like to join? (you may choose more than one)",
        "3. How safe do you feel in your neighbourhood? (1 not at all, 5 very)",
        "4. Have you used a municipal service in the past year?",
        "5. How many people live in your home?",
    ]  # no language column, and no column for the free-text question 6
    body = rows[1:]
    assert len(body) == len(PEOPLE) and all(len(row) == 5 for row in body)
    assert sorted(row[0] for row in body) == sorted(OPTIONS[p.single] for p in PEOPLE)
    cells = {cell for row in body for cell in row}
    assert not cells & {*LANGUAGES, "withheld"}
    assert not any(person.text in cell for person in PEOPLE for cell in cells)
    # Fewer than K responses: not written at all.
    async with sessions() as session:
        await session.execute(update(Municipality).values(suppression_k=len(PEOPLE) + 1))
        await session.commit()
    (await reslog(cli_env, "export", demo, SLUG, "--out", out, "--row-level")).refused(
        f"has {len(PEOPLE)} responses; fewer than K={len(PEOPLE) + 1} are not exported"
    )


async def test_a_poll_nobody_answered_exports_its_marks_and_no_rows(
    cli_env: dict[str, str], demo: str, tmp_path: Path
) -> None:
    (await reslog(cli_env, "poll", "close", demo, SLUG)).ok()
    tables, rows = tmp_path / "tables.csv", tmp_path / "rows.csv"
    exported, row_level, unknown = await reslog_all(
        cli_env,
        [
            ["export", demo, SLUG, "--out", tables],
            ["export", demo, SLUG, "--out", rows, "--row-level"],
            ["export", demo, SLUG, "--out", tables, "--by", "shoe_size"],
        ],
    )
    exported.ok()
    figures = figures_of_export(read_csv(tables))
    assert set(figures.values()) <= {small(K), "", WITHHELD}  # withheld: bounds pin them
    assert figures["", "respondents", "total"] == small(K)
    row_level.refused("has 0 responses")
    assert not rows.exists()
    unknown.refused("no profile question 'shoe_size'")


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+90 555", "'+90 555"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-5", "-5"),
        ("- a list", "'- a list"),
        ("حديقة", "حديقة"),
        ("", ""),
    ],
)
def test_formulas_are_defused_in_the_export(text: str, written: str) -> None:
    assert defuse(text) == written
