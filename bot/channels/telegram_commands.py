"""Registering the command menu with Telegram, translated for each supported language.

Telegram shows the list registered for the person's app language, else the default list,
which is registered in Turkish (the project's default language).
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeDefault
from telegram.error import TelegramError

from handlers.commands import command_descriptions
from handlers.i18n import DEFAULT_LANGUAGE, LANGUAGES, use_language

log = logging.getLogger(__name__)


def bot_commands(language: str) -> list[BotCommand]:
    """The commands with their descriptions in one language."""
    with use_language(language):
        return [BotCommand(name, description) for name, description in command_descriptions()]


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
