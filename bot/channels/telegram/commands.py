"""Registering the command menu with Telegram, translated for each supported language.

Telegram shows the list registered for the person's app language, else the default list,
which is registered in Turkish (the project's default language). Each staff member's own chat
gets, in the same way, the list with the staff commands added.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

from handlers.core.commands import menu
from handlers.core.router import commands
from handlers.i18n.core import DEFAULT_LANGUAGE, LANGUAGES, use_language
from storage.crypto import AddressCipher
from storage.staff import staff_addresses

log = logging.getLogger(__name__)


def bot_commands(language: str, *, staff: bool = False) -> list[BotCommand]:
    """The commands with their descriptions in one language (with the staff ones for staff)."""
    with use_language(language):
        return [BotCommand(name, text) for name, text in menu(commands(), staff=staff)]


async def register_commands(bot: Bot) -> bool:
    """Register the menu per language and a Turkish default; False (logged) if Telegram refused."""
    try:
        for language in LANGUAGES:
            await bot.set_my_commands(bot_commands(language), language_code=language)
        await bot.set_my_commands(bot_commands(DEFAULT_LANGUAGE), scope=BotCommandScopeDefault())
    except TelegramError as exc:
        log.warning("could not register the command menu: %s", exc.message)
        return False
    return True


async def register_staff_menus(
    bot: Bot, sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher
) -> int:
    """Give every staff member's chat the menu with the staff commands, in each language;
    how many chats (a refusal is logged, by count only, and the others still get theirs)."""
    async with sessions() as session:
        addresses = await staff_addresses(session, "telegram")
    done = 0
    for encrypted in addresses:
        try:
            scope = BotCommandScopeChat(int(cipher.decrypt(encrypted)))
        except ValueError:
            log.warning("a staff member's address could not be read with this key")
            continue
        try:
            for language in LANGUAGES:
                menu = bot_commands(language, staff=True)
                await bot.set_my_commands(menu, scope=scope, language_code=language)
            await bot.set_my_commands(bot_commands(DEFAULT_LANGUAGE, staff=True), scope=scope)
        except TelegramError as exc:
            log.warning("could not register a staff member's command menu: %s", exc.message)
            continue
        done += 1
    return done
