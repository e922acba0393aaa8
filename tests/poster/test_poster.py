"""`reslog poster`, run as a real process: a one-page PDF and a PNG whose QR codes hold the link.

The QR codes are read back with zxing-cpp, from the PNG and from the PDF drawn by PDFium, and
the PDF's text is read back in logical order, so shaping and right-to-left order are checked
against what a reader (and a copy-paste) gets, not against our own helpers.
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import zxingcpp
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Assembly, Municipality
from tests.support.cli import reslog, reslog_all

BOT = "reslog_example_bot"
LINK = f"https://t.me/{BOT}?start=ZEYTINBURNU"
A4_POINTS = (595.28, 841.89)

# What each half says, as the catalogs and the demo assembly word it.
TURKISH = [
    "Zeytinburnu Uyum Meclisi",
    "Meclise katılın",
    "Telefonunuzun kamerasıyla tarayın",
    "Katılım kodu: ZEYTINBURNU",
    "Zeytinburnu Belediyesi",
]
ARABIC = [
    "مجلس الانسجام في زيتين بورنو",
    "انضم إلى المجلس",
    "امسح الرمز بكاميرا هاتفك",
    "رمز الانضمام: ZEYTINBURNU",
    "بلدية زيتين بورنو",
    "تيليغرام",
]


def _qr_texts(image: Image.Image) -> list[str]:
    """Every QR code found in the picture, read."""
    return sorted(result.text for result in zxingcpp.read_barcodes(image))


def _written(folder: Path) -> list[str]:
    """The poster files in a folder."""
    return sorted(path.name for path in folder.glob("poster-*"))


def _pdf_page(path: Path) -> tuple[int, tuple[float, float], list[str], Image.Image]:
    """Page count, first page size in points, its text lines and its picture at 150 dpi."""
    document = pdfium.PdfDocument(path)
    try:
        page = document[0]
        text = page.get_textpage().get_text_range()
        picture = page.render(scale=150 / 72).to_pil()
        return len(document), tuple(page.get_size()), text.splitlines(), picture
    finally:
        document.close()


async def test_poster_writes_a_one_page_pdf_and_a_png_whose_qr_codes_hold_the_deep_link(
    cli_env: dict[str, str], demo: str, tmp_path: Path
) -> None:
    out = tmp_path / "posters"
    run = await reslog(cli_env, "poster", demo.lower(), "--bot-username", f"@{BOT}", "--out", out)
    pdf, png = out / "poster-ZEYTINBURNU.pdf", out / "poster-ZEYTINBURNU.png"
    assert run.ok() == f"wrote {pdf} and {png}\n"
    assert sorted(out.iterdir()) == [pdf, png]

    with Image.open(png) as image:
        assert image.format == "PNG"
        assert image.size == (2480, 3508)
        assert _qr_texts(image) == [LINK, LINK]  # one in the Turkish half, one in the Arabic

    assert pdf.read_bytes().startswith(b"%PDF-")
    pages, size, lines, picture = _pdf_page(pdf)
    assert pages == 1
    assert abs(size[0] - A4_POINTS[0]) < 1 and abs(size[1] - A4_POINTS[1]) < 1
    assert _qr_texts(picture) == [LINK, LINK]
    # Drawn shaped and right to left, the Arabic reads back as the logical text.
    for expected in TURKISH + ARABIC:
        assert expected in lines, (expected, lines)
    link_lines = [f"https://t.me/{BOT}", "?start=ZEYTINBURNU"]
    assert [line for line in lines if line in link_lines] == link_lines * 2


async def test_poster_takes_the_bot_from_the_setting_and_writes_here_by_default(
    cli_env: dict[str, str], demo: str, tmp_path: Path
) -> None:
    env = {**cli_env, "TELEGRAM_BOT_USERNAME": BOT}
    assert (await reslog(env, "poster", demo)).ok() == (
        "wrote poster-ZEYTINBURNU.pdf and poster-ZEYTINBURNU.png\n"
    )
    with Image.open(tmp_path / "poster-ZEYTINBURNU.png") as image:
        assert _qr_texts(image) == [LINK, LINK]
    assert _written(tmp_path) == ["poster-ZEYTINBURNU.pdf", "poster-ZEYTINBURNU.png"]


async def test_poster_refuses_bad_input_in_one_line_and_writes_nothing(
    cli_env: dict[str, str],
    demo: str,
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
) -> None:
    async with sessions() as session:
        municipality = Municipality(slug="fatih", name={"tr": "Fatih Belediyesi"})
        session.add(municipality)
        await session.flush()
        session.add(
            Assembly(
                municipality_id=municipality.id,
                join_code="FATIH",
                name={"tr": "Fatih Meclisi"},
                languages=["tr"],
            )
        )
        await session.commit()
    out = tmp_path / "posters"
    given: list[str | Path] = ["--bot-username", BOT, "--out", out]
    unknown, no_bot, bad_bot, turkish_only = await reslog_all(
        cli_env,
        [
            ["poster", "NOWHERE", *given],
            ["poster", demo, "--out", out],
            ["poster", demo, "--bot-username", "not a bot", "--out", out],
            ["poster", "FATIH", *given],
        ],
    )
    unknown.refused("no assembly has the join code 'NOWHERE'; `reslog assembly list` shows them")
    no_bot.refused("give --bot-username NAME or set TELEGRAM_BOT_USERNAME")
    bad_bot.refused("--bot-username 'not a bot' is not a Telegram bot's username")
    turkish_only.refused("assembly FATIH has no name in ar; the poster is in tr and ar")
    bad_setting = await reslog({**cli_env, "TELEGRAM_BOT_USERNAME": "x"}, "poster", demo)
    bad_setting.refused("TELEGRAM_BOT_USERNAME 'x' is not a Telegram bot's username")
    assert not out.exists()
    assert _written(tmp_path) == []


async def test_with_whatsapp_configured_each_half_also_has_the_click_to_chat_code(
    cli_env: dict[str, str], demo: str, tmp_path: Path
) -> None:
    env = {
        **cli_env,
        "TELEGRAM_BOT_USERNAME": BOT,
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "test-auth-token",
        "TWILIO_WHATSAPP_FROM": "whatsapp:+905320000000",
        "PUBLIC_BASE_URL": "https://bot.example.org",
    }
    await reslog(env, "poster", demo, "--out", tmp_path)
    whatsapp = "https://wa.me/905320000000?text=join%20ZEYTINBURNU"
    with Image.open(tmp_path / "poster-ZEYTINBURNU.png") as image:
        assert _qr_texts(image) == sorted([LINK, LINK, whatsapp, whatsapp])
    _pages, _size, lines, _picture = _pdf_page(tmp_path / "poster-ZEYTINBURNU.pdf")
    assert "واتساب" in lines and "WhatsApp" in lines
