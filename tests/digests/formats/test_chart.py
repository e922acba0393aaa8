"""Digest charts drawn from the cohort's suppressed results, in Turkish and in Arabic."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.digests.formats.chart import question_chart
from handlers.results.by_language import poll_results
from storage.crypto import AddressCipher
from storage.models import Municipality, Poll
from tests.support.cohort import answer_demo_poll
from tests.support.paths import PROJECT_DIR

CHART_DIR = PROJECT_DIR / "docs"


@pytest.fixture
async def answered(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> Poll:
    """The demo poll answered by the cohort, read with K = 3 so that some counts show."""
    await answer_demo_poll(sessions, cipher, demo)
    async with sessions() as session:
        await session.execute(update(Municipality).values(suppression_k=3))
        await session.commit()
        return (await session.execute(select(Poll))).scalar_one()


@pytest.mark.parametrize("language", ["tr", "ar"])
async def test_a_question_chart_draws_only_suppressed_figures_with_shaped_labels(
    sessions: async_sessionmaker[AsyncSession], answered: Poll, language: str, tmp_path: Path
) -> None:
    async with sessions() as session:
        results = await poll_results(session, answered, language=language)
    question = results.questions[0]
    png = question_chart(question, question.text, language)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.width == 1024 and 300 < image.height < 1200  # readable on a phone
        image.save(tmp_path / f"chart-{language}.png")
    svg = question_chart(question, question.text, language, "svg").decode()
    for row in question.rows:  # matplotlib notes each text it draws
        assert f"<!-- {row.label} -->" in svg
    drawn = sum(1 for row in question.rows if row.total.isdigit() and row.total != "0")
    hidden = [row for row in question.rows if not row.total.isdigit()]
    assert hidden, "the cohort has small cells at K = 3"
    assert svg.count("fill: #0d5c6b") == drawn  # a bar only for a count that is shown


def _glyphs(text: str) -> set[str]:
    """The glyphs matplotlib draws for a text, read from its SVG."""
    figure = Figure()
    FigureCanvasAgg(figure)
    figure.add_subplot().set_title(text)
    out = io.BytesIO()
    figure.savefig(out, format="svg")
    return set(re.findall(r'<use xlink:href="#(DejaVuSans-[0-9a-f]+)"', out.getvalue().decode()))


def test_the_charts_matplotlib_joins_arabic_letters_as_a_word_is_written() -> None:
    word, letters = _glyphs("نقل"), _glyphs("ن ق ل")
    space = _glyphs(" ")
    assert word and word != letters - space  # joined forms, not the letters standing alone
