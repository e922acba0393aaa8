"""A cohort of participants who answer the demo poll through the conversation core, as people would."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.crypto import AddressCipher
from tests.support.chat import Chat

LANGUAGE_BUTTONS = {"tr": "Türkçe", "ar": "العربية", "en": "English"}
SECRET_WORDS = "SECRET-WORDS-7"
FORMULA = "=HYPERLINK(1)"


@dataclass(frozen=True)
class Person:
    """How one participant answers the demo poll (option positions 0-based, scale 1 to 5)."""

    language: str
    single: int
    multi: tuple[int, ...] = ()
    scale: int = 1
    yes: bool = True
    number: int = 0
    text: str = ""
    answers: int = 6
    forget: bool = False
    profile: tuple[int, ...] = (-1, -1, -1)  # a button per profile question; -1 prefers not to say
    sensitive: bool = True  # allows the sensitive questions (the demo's first); else skips them


# 7 Arabic, 6 Turkish and 2 English speakers. One Turkish speaker stops after the first
# question; one Arabic speaker erases themselves afterwards (their answers stay, unlinked).
COHORT = (
    Person("ar", 0, (0, 3), 4, True, 5, SECRET_WORDS),
    Person("ar", 0, (0,), 4, True, 6, "حديقة أكبر للأطفال"),
    Person("ar", 0, (0, 2), 5, True, 4, "إنارة الشارع"),
    Person("ar", 0, (0, 3), 3, True, 7, FORMULA),
    Person("ar", 0, (0,), 4, False, 5, "حافلة"),
    Person("ar", 3, (3,), 2, True, 8, "طبيب"),
    Person("ar", 3, (0, 3), 4, True, 3, "شكرا", forget=True),
    Person("tr", 1, (2,), 3, True, 3, "Daha çok bank"),
    Person("tr", 1, (2, 3), 3, False, 2, "Otobüs"),
    Person("tr", 1, (2,), 2, False, 4, "Sokak lambası"),
    Person("tr", 1, (1, 2), 3, True, 2, "Kurs"),
    Person("tr", 1, (2,), 1, False, 3, "Işık"),
    Person("tr", 2, answers=1),
    Person("en", 2, (2,), 5, True, 1, "More buses"),
    Person("en", 2, (0,), 4, True, 2, "Bins"),
)


async def take_part(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    code: str,
    address: str,
    person: Person,
) -> None:
    """Join, accept, fill the profile, and answer the demo poll as ``person`` says."""
    chat = Chat(sessions, cipher, address, client_language=person.language)

    async def choose(index: int) -> None:
        await chat.press_data(chat.last[-1].choices[index].data)

    async def choose_several() -> None:
        for index in person.multi:
            await choose(index)
        await choose(-1)  # done

    await chat.say(f"/start {code}")
    await chat.press(LANGUAGE_BUTTONS[person.language])
    await choose(0)  # I agree (to take part, after the notice)
    await choose(0 if person.sensitive else 1)  # the optional consent to the sensitive questions
    for choice in person.profile if person.sensitive else person.profile[1:]:
        await choose(choice)
    steps: list[Callable[[], Awaitable[object]]] = [
        lambda: choose(person.single),
        choose_several,
        lambda: choose(person.scale - 1),
        lambda: choose(0 if person.yes else 1),
        lambda: chat.say(str(person.number)),
        lambda: chat.say(person.text),
    ]
    for step in steps[: person.answers]:
        await step()
    if person.forget:
        await chat.say("/forget")
        await choose(0)  # erase everything


async def answer_demo_poll(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    code: str,
    cohort: tuple[Person, ...] = COHORT,
) -> None:
    """Have every person of the cohort answer, one after the other."""
    for number, person in enumerate(cohort):
        await take_part(sessions, cipher, code, f"70{number:02d}", person)
