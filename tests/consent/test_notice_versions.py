"""A new version of the notice: read as it will be shown, refused while it lacks what it must
state, put in force from the command line; every member is asked again at their next message,
keeps every answer on agreeing, and is erased on not agreeing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.crypto import AddressCipher
from storage.models import Answer, ConsentRecord, Destruction, Participant, Response
from tests.support.chat import Chat
from tests.support.cli import reslog
from tests.support.cohort import Person, take_part


async def _count(sessions: async_sessionmaker[AsyncSession], query: object) -> int:
    async with sessions() as session:
        return int(await session.scalar(query) or 0)  # type: ignore[call-overload]


async def test_a_new_version_asks_members_again_and_keeps_their_answers(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    cli_env: dict[str, str],
    demo: str,
) -> None:
    await take_part(sessions, cipher, demo, "6601", Person("tr", 1, answers=2))  # mid-poll
    await take_part(sessions, cipher, demo, "6602", Person("ar", 0, answers=1))
    hasan = Chat(sessions, cipher, "+905550006603", channel="whatsapp", client_language="tr")
    await hasan.say(f"KATIL {demo}")
    await hasan.press("Türkçe")
    await hasan.press("Kabul ediyorum")
    await hasan.press("Hayır, sorma")
    answers = await _count(sessions, select(func.count()).select_from(Answer))
    assert answers == 2  # one each; 6601 stands at the multiple choice (none ticked yet)

    shown = (
        await reslog(
            cli_env, "privacy", "notice", "--municipality", "zeytinburnu", "--language", "en"
        )
    ).ok()
    assert (
        "version 1 in force" in shown
        and "Data controller: \u2068Zeytinburnu Municipality\u2069." in shown
    )
    changed = await reslog(
        cli_env, "retention", "set", "--municipality", "zeytinburnu", "--inactive-months", "18"
    )
    changed.ok()
    shown = (await reslog(cli_env, "privacy", "notice", "--municipality", "zeytinburnu")).ok()
    assert "the settings changed since" in shown and '"inactive_months": 24' in shown
    activated = (
        await reslog(cli_env, "privacy", "notice", "--municipality", "zeytinburnu", "--activate")
    ).ok()
    assert "notice version 2 is in force; 3 members will be asked again" in activated

    ayse = Chat(sessions, cipher, "6601", client_language="tr")
    await ayse.say("5")  # meant as an answer: the new notice comes first, nothing is stored
    notice, question = ayse.last  # the notice and its question, not "choose an option"
    assert "sürüm 2" in notice.text and "18 ay boyunca" in notice.text
    assert [c.label for c in question.choices] == ["Kabul ediyorum", "Kabul etmiyorum"]
    assert await _count(sessions, select(func.count()).select_from(Answer)) == answers
    await ayse.press("Kabul ediyorum")
    assert "soru 2/6" in ayse.text  # back where she was: the multiple choice
    async with sessions() as session:
        kinds = (
            await session.execute(
                select(ConsentRecord.kind, ConsentRecord.notice_version).order_by(ConsentRecord.id)
            )
        ).all()
    assert [tuple(k) for k in kinds if k[0] == "participation"] == [
        ("participation", 1),
        ("participation", 1),
        ("participation", 1),
        ("participation", 2),
    ]

    # STOP is honoured at once, the new notice waiting or not.
    await hasan.say("DUR")
    assert hasan.text.startswith("Artık duyuru almayacaksınız.")
    # On WhatsApp people answer with a number: the "1" that meets the new notice is not read
    # as agreeing to it; the "1" after it is.
    await hasan.say("1")
    assert "sürüm 2" in hasan.text
    assert hasan.last[-1].choices[0].label == "Kabul ediyorum"
    await hasan.say("1")
    assert hasan.text.startswith("Teşekkürler.")

    omar = Chat(sessions, cipher, "6602", client_language="ar")
    await omar.say("/polls")  # a command waits until the question is answered
    assert omar.text.startswith("يُرجى") and "الإصدار ٢" in omar.text
    await omar.press("لا أوافق")
    assert omar.text == "حُذف كل ما يخصك. أرسل /start للانضمام من جديد."
    assert await _count(sessions, select(func.count()).select_from(Participant)) == 2
    assert await _count(sessions, select(func.count()).select_from(Answer)) == answers  # unlinked
    assert (
        await _count(
            sessions,
            select(func.count()).select_from(Response).where(Response.participant_id.is_(None)),
        )
        == 1
    )
    async with sessions() as session:
        erased = (await session.execute(select(Destruction.category, Destruction.reason))).all()
    assert [tuple(row) for row in erased] == [("participant", "request")]


async def test_a_notice_missing_a_translation_or_a_contact_cannot_be_put_in_force(
    sessions: async_sessionmaker[AsyncSession], cli_env: dict[str, str], tmp_path: Path
) -> None:
    created = await reslog(
        cli_env, "municipality", "create", "fatih", "--name", "tr=Fatih Belediyesi"
    )
    created.ok()
    assembly = await reslog(
        cli_env,
        "assembly",
        "create",
        "FATIH",
        "--municipality",
        "fatih",
        "--name",
        "tr=Fatih Meclisi",
        "--name",
        "ar=مجلس الفاتح",
        "--name",
        "en=Fatih Assembly",
    )
    assembly.ok()
    draft = (
        await reslog(cli_env, "privacy", "notice", "--municipality", "fatih", "--language", "ar")
    ).ok()
    assert "no notice activated yet" in draft and "cannot be activated as it is" in draft
    assert "المسؤول عن البيانات" in draft
    refused = await reslog(cli_env, "privacy", "notice", "--municipality", "fatih", "--activate")
    refused.refused("its name has no translation in ar, en")
    async with sessions() as session:
        from storage.models import Municipality

        fatih = (await session.scalars(select(Municipality))).one()
        fatih.name = {"tr": "Fatih Belediyesi", "ar": "بلدية الفاتح", "en": "Fatih Municipality"}
        await session.commit()
    (await reslog(cli_env, "privacy", "notice", "--municipality", "fatih", "--activate")).refused(
        "gives no contact for people's rights", "reslog privacy contact --municipality fatih"
    )
    (
        await reslog(cli_env, "privacy", "contact", "--municipality", "fatih", "kvkk@fatih.bel.tr")
    ).ok()
    done = (
        await reslog(cli_env, "privacy", "notice", "--municipality", "fatih", "--activate")
    ).ok()
    assert "notice version 1 is in force; 0 members" in done
