"""`reslog poster`: a printable poster (PDF and PNG) in Turkish and Arabic with the join link."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.assembly import require_assembly
from bot.cli.common import CliError, database, run_async
from bot.settings import Settings, bot_username

if TYPE_CHECKING:
    from bot.poster import PosterLink


def _username(args: argparse.Namespace, settings: Settings) -> str:
    """The bot's username, from --bot-username or TELEGRAM_BOT_USERNAME."""
    given = bot_username(args.bot_username, "--bot-username") or settings.telegram_bot_username
    if given is None:
        raise CliError(
            "the poster needs the bot's username for its link: "
            "give --bot-username NAME or set TELEGRAM_BOT_USERNAME"
        )
    return given


def _write(files: dict[Path, bytes]) -> None:
    """Write each file, or a CliError naming the one that cannot be written."""
    for path, data in files.items():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        except OSError as exc:
            raise CliError(f"cannot write {path}: {exc.strerror}") from None


async def _poster(args: argparse.Namespace, settings: Settings) -> int:
    """Write poster-CODE.pdf and poster-CODE.png for one assembly."""
    # Imported here: the drawing libraries are only needed by this command.
    from bot.poster import (
        POSTER_LANGUAGES,
        PosterContent,
        lay_out_poster,
        render_pdf,
        render_png,
    )

    username = _username(args, settings)
    async with database(settings) as session:
        assembly = await require_assembly(session, args.code)
        code = assembly.join_code
        content = PosterContent(
            join_code=code,
            assembly=dict(assembly.name),
            municipality=dict(assembly.municipality.name),
            links=_links(settings, username, code),
        )
    missing = [lang for lang in POSTER_LANGUAGES if not content.assembly.get(lang)]
    if missing:
        raise CliError(
            f"assembly {code} has no name in {', '.join(missing)}; "
            f"the poster is in {' and '.join(POSTER_LANGUAGES)}"
        )
    shapes = lay_out_poster(content)
    out = Path(args.out)
    pdf, png = out / f"poster-{code}.pdf", out / f"poster-{code}.png"
    title = " / ".join(content.assembly[lang] for lang in POSTER_LANGUAGES)
    _write({pdf: render_pdf(shapes, title), png: render_png(shapes)})
    print(f"wrote {pdf} and {png}")
    return 0


def _links(settings: Settings, username: str, code: str) -> tuple[PosterLink, ...]:
    """The Telegram link, and WhatsApp's click-to-chat link once WhatsApp is configured."""
    from bot.poster import telegram_link, whatsapp_link

    links = [telegram_link(username, code)]
    if settings.whatsapp is not None:
        links.append(whatsapp_link(settings.whatsapp.sender, code))
    return tuple(links)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the poster command."""
    poster = commands.add_parser(
        "poster",
        help="write a printable poster (PDF and PNG) with the assembly's join link",
        description=(
            "Write poster-CODE.pdf and poster-CODE.png: one A4 page with a Turkish half and "
            "an Arabic half, each with the assembly's name, a call to join, a QR code of the "
            "Telegram link https://t.me/BOT?start=CODE (and, once WhatsApp is configured, of "
            "its click-to-chat link https://wa.me/NUMBER?text=join%20CODE) with each link "
            "written below it, the join code and the municipality."
        ),
    )
    poster.add_argument("code", help="the assembly's join code")
    poster.add_argument(
        "--out", default=".", help="the folder to write the two files to (default: here)"
    )
    poster.add_argument(
        "--bot-username",
        help="the Telegram bot's username (default: TELEGRAM_BOT_USERNAME)",
    )
    poster.set_defaults(func=run_async(_poster))
