"""Staff roles and /delivery through the conversation core, and `reslog staff add`, on both databases."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.core.commands import descriptions
from handlers.core.router import commands
from handlers.i18n.core import isolate
from handlers.notices.queue import queue_notice
from storage.assemblies import assembly_by_code
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.models import (
    Assembly,
    Municipality,
    Notice,
    OutboxMessage,
    Participant,
    Staff,
    StaffInvite,
)
from storage.staff import (
    ADMINISTRATOR,
    FACILITATOR,
    INVITE_HASH_CHANNEL,
    MUNICIPAL,
    create_invite,
)
from tests.support.chat import Chat
from tests.support.cli import reslog, reslog_all
from tests.support.delivery_reader import chat_figures, cli_figures, pinned, possible
from tests.support.members import Member, add_members, draft_notice
from tests.support.staff import add_staff

FACILITATOR_ID, MUNICIPAL_ID, ADMIN_ID, OUTSIDER_ID, RESIDENT_ID = (
    "810001",
    "810002",
    "810003",
    "810004",
    "810005",
)


FIVE = ("sent", "sent", "pending", "failed", "blocked")


async def _sent_notice(
    sessions: async_sessionmaker[AsyncSession], demo: str, statuses: tuple[str, ...] = FIVE
) -> int:
    """A notice queued to the members, its outbox rows then given these statuses; its id.

    By default five members: 2 sent, 1 waiting, 1 failed, 1 blocked."""
    async with sessions() as session:
        notice = await session.get(Notice, await draft_notice(sessions, demo, urgent=True))
        assert notice is not None
        assert await queue_notice(session, notice, utcnow()) == len(statuses)
        await session.commit()
        rows = select(OutboxMessage.id).where(OutboxMessage.notice_id == notice.id)
        ids = list((await session.execute(rows)).scalars())
        for row_id, status in zip(sorted(ids), statuses, strict=True):
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.id == row_id).values(status=status)
            )
        await session.commit()
        return notice.id


@pytest.fixture
async def demo_assembly(sessions: async_sessionmaker[AsyncSession], demo: str) -> Assembly:
    async with sessions() as session:
        assembly = await assembly_by_code(session, demo)
        assert assembly is not None
        return assembly


async def test_a_facilitator_sees_how_far_each_notice_went_in_their_language(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
    demo_assembly: Assembly,
) -> None:
    members = [Member(6_200_000 + i, "ar") for i in range(5)]
    await add_members(sessions, cipher, None, demo, members)
    await _sent_notice(sessions, demo)
    await add_staff(sessions, cipher, FACILITATOR_ID, FACILITATOR, assembly_id=demo_assembly.id)

    facilitator = Chat(sessions, cipher, FACILITATOR_ID, client_language="ar")
    await facilitator.say("/delivery")
    text = facilitator.text
    assert "آخر الإشعارات:" in text
    assert "مجلس الانسجام في زيتين بورنو" in text
    assert "الاجتماع يوم الثلاثاء" in text
    # Five people: the total is K, each of the four figures under K (the digest's marks).
    small = isolate("<٥")
    assert (
        f"إلى {isolate('٥')} أشخاص · وصل {small} · فشل {small} · محظور {small}"
        f" · قيد الانتظار {small}"
    ) in text
    assert f"{small}: أقل من {isolate('٥')} أشخاص" in text  # the digest's legend

    english = Chat(sessions, cipher, FACILITATOR_ID, client_language="en")
    await english.say("/delivery")
    assert "to 5 people · delivered <5 · failed <5 · blocked <5 · waiting <5" in english.text
    assert english.text.endswith(
        "<5: fewer than 5 people · x: hidden so that a small count cannot be worked out"
        " · -: too few to show anything"
    )
    turkish = Chat(sessions, cipher, FACILITATOR_ID, client_language="tr")
    await turkish.say("/delivery")
    assert (
        "5 kişiye · teslim edildi <5 · başarısız <5 · engellendi <5 · bekliyor <5" in turkish.text
    )


# Labelled case "issue 21: delivery counts": a notice to seven members, two of whom it failed.
ISSUE_21 = ("sent",) * 5 + ("failed",) * 2


async def test_issue_21_delivery_counts_neither_show_nor_give_away_a_small_count(
    cli_env: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
    demo_assembly: Assembly,
) -> None:
    await add_members(sessions, cipher, None, demo, [Member(6_400_000 + i, "tr") for i in range(7)])
    notice_id = await _sent_notice(sessions, demo, ISSUE_21)
    await add_staff(sessions, cipher, FACILITATOR_ID, FACILITATOR, assembly_id=demo_assembly.id)
    for k in (5, 3):  # the K of the notice's municipality, whatever it is set to
        await _set_k(sessions, demo_assembly.municipality_id, k)
        chat = Chat(sessions, cipher, FACILITATOR_ID, client_language="en")
        await chat.say("/delivery")
        [in_chat] = chat_figures(chat.text)
        in_cli = cli_figures((await reslog(cli_env, "notice", "list", demo)).ok(), notice_id)
        assert in_chat == in_cli  # the notice reads the same in chat and on the command line
        assert in_chat["failed"] == f"<{k}" and "2" not in in_chat.values()
        assert all(int(t) >= k or t == "0" for t in in_chat.values() if t.isdigit())
        assert pinned(in_chat, k) == []  # nothing hidden follows from the shown figures
        failed = {notice["failed"] for notice in possible(in_chat, k)}
        assert 2 in failed and len(failed) > 1
        assert f"<{k}: fewer than {k} people" in chat.text

    for language, failed_mark in (("tr", "başarısız <3"), ("ar", f"فشل {isolate('<٣')}")):
        other = Chat(sessions, cipher, FACILITATOR_ID, client_language=language)
        await other.say("/delivery")
        assert failed_mark in other.text


async def test_unconfirmed_rows_are_counted_as_failed_said_how_many_and_sent_again_on_one_press(
    cli_env: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
    demo_assembly: Assembly,
) -> None:
    await add_members(sessions, cipher, None, demo, [Member(6_500_000 + i, "tr") for i in range(6)])
    notice_id = await _sent_notice(sessions, demo, ("sent",) * 5 + ("unconfirmed",))
    await add_staff(sessions, cipher, FACILITATOR_ID, FACILITATOR, assembly_id=demo_assembly.id)
    chat = Chat(sessions, cipher, FACILITATOR_ID, client_language="en")
    await chat.say("/delivery")
    assert "1 was not confirmed (the sender stopped while sending it): counted as failed." in (
        chat.text
    )
    listed = (await reslog(cli_env, "notice", "list", demo)).ok()
    assert f"notice {notice_id}: 1 not confirmed" in listed
    assert f"reslog notice resend-unconfirmed {notice_id}` sends it again" in listed
    [in_chat] = chat_figures(chat.text)
    assert in_chat == cli_figures(listed, notice_id)
    # The reader is told one failed: even so, nothing hidden can be worked out.
    assert pinned(in_chat, 5, known={"failed": range(1, 100)}) == []

    again = chat.button("Send again to the 1 unconfirmed (may arrive twice)")
    await chat.press_data(again.data)
    assert chat.text == (
        "Sending again to 1 person whose message was not confirmed; they may get the notice twice."
    )
    assert await _statuses(sessions, notice_id) == {"sent": 5, "pending": 1}
    await chat.press_data(again.data)
    assert chat.text == "Nothing to send again: no message of this notice is unconfirmed."


async def test_reslog_notice_resend_unconfirmed_sends_them_again_and_says_it_may_duplicate(
    cli_env: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
) -> None:
    await add_members(sessions, cipher, None, demo, [Member(6_600_000 + i, "ar") for i in range(4)])
    notice_id = await _sent_notice(sessions, demo, ("sent", "unconfirmed", "unconfirmed", "failed"))
    said = (await reslog(cli_env, "notice", "resend-unconfirmed", str(notice_id))).ok()
    assert f"notice {notice_id} goes again to 2 people" in said
    assert "gets it twice" in said
    assert await _statuses(sessions, notice_id) == {"sent": 1, "pending": 2, "failed": 1}
    again = (await reslog(cli_env, "notice", "resend-unconfirmed", str(notice_id))).ok()
    assert "has no unconfirmed message" in again
    missing = await reslog(cli_env, "notice", "resend-unconfirmed", "999")
    assert missing.returncode != 0 and "there is no notice 999" in missing.stderr


async def test_the_resend_button_is_translated_with_arabic_plural_forms(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
    demo_assembly: Assembly,
) -> None:
    await add_members(sessions, cipher, None, demo, [Member(6_700_000 + i, "ar") for i in range(3)])
    await _sent_notice(sessions, demo, ("sent", "unconfirmed", "unconfirmed"))
    await add_staff(sessions, cipher, FACILITATOR_ID, FACILITATOR, assembly_id=demo_assembly.id)
    chat = Chat(sessions, cipher, FACILITATOR_ID, client_language="ar")
    await chat.say("/delivery")
    assert "رسالتان غير مؤكَّدتين" in chat.text
    await chat.press("أعد الإرسال إلى")
    assert "شخصين" in chat.text


async def _statuses(sessions: async_sessionmaker[AsyncSession], notice_id: int) -> dict[str, int]:
    """A notice's outbox rows by status."""
    async with sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.status).where(OutboxMessage.notice_id == notice_id)
        )
        found: dict[str, int] = {}
        for status in rows.scalars():
            found[status] = found.get(status, 0) + 1
        return found


async def _set_k(sessions: async_sessionmaker[AsyncSession], municipality_id: int, k: int) -> None:
    async with sessions() as session:
        await session.execute(
            update(Municipality).where(Municipality.id == municipality_id).values(suppression_k=k)
        )
        await session.commit()


async def test_delivery_is_refused_politely_to_someone_without_a_role_and_logged_by_row_id(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await _sent_notice_members(sessions, cipher, demo)
    resident = Chat(sessions, cipher, RESIDENT_ID, client_language="tr")
    await resident.say(f"/start {demo}")
    await resident.press("Türkçe")
    await resident.press("Kabul ediyorum")
    with caplog.at_level(logging.INFO, logger="handlers.staff.roles"):
        await resident.say("/delivery")
        stranger = Chat(sessions, cipher, OUTSIDER_ID, client_language="ar")
        await stranger.say("/delivery")
    assert resident.text == "Bu komut meclisin kolaylaştırıcıları içindir."
    assert stranger.text == "هذا الأمر مخصّص لميسّري المجلس."
    refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(refusals) == 2
    assert all(RESIDENT_ID not in line and OUTSIDER_ID not in line for line in refusals)


async def _sent_notice_members(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    await add_members(sessions, cipher, None, demo, [Member(6_300_000 + i, "tr") for i in range(5)])
    await _sent_notice(sessions, demo)


async def test_municipal_staff_and_administrators_see_their_assemblies_and_no_other(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
    demo_assembly: Assembly,
) -> None:
    await _sent_notice_members(sessions, cipher, demo)
    async with sessions() as session:
        other = Municipality(slug="seyhan", name={"tr": "Seyhan"}, timezone="Europe/Istanbul")
        session.add(other)
        await session.commit()
        other_id = other.id
    await add_staff(
        sessions, cipher, MUNICIPAL_ID, MUNICIPAL, municipality_id=demo_assembly.municipality_id
    )
    await add_staff(sessions, cipher, OUTSIDER_ID, MUNICIPAL, municipality_id=other_id)
    await add_staff(sessions, cipher, ADMIN_ID, ADMINISTRATOR)
    seen = {}
    for telegram_id in (MUNICIPAL_ID, OUTSIDER_ID, ADMIN_ID):
        chat = Chat(sessions, cipher, telegram_id, client_language="en")
        await chat.say("/delivery")
        seen[telegram_id] = chat.text
    assert "Zeytinburnu Harmony Assembly" in seen[MUNICIPAL_ID]
    assert "to 5 people · delivered <5 · failed <5" in seen[ADMIN_ID]
    assert seen[OUTSIDER_ID] == "No notice has been sent yet."


async def test_reslog_staff_add_gives_each_role_its_place_and_refuses_the_wrong_one(
    cli_env: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    demo: str,
    demo_assembly: Assembly,
) -> None:
    runs = await reslog_all(
        cli_env,
        [
            [
                "staff",
                "add",
                "--telegram-id",
                "1",
                "--role",
                "municipal",
                "--municipality",
                "zeytinburnu",
            ],
            ["staff", "add", "--telegram-id", "2", "--role", "administrator"],
            ["staff", "add", "--telegram-id", "3", "--assembly", demo],
            ["staff", "add", "--telegram-id", "4"],
            ["staff", "add", "--telegram-id", "5", "--role", "municipal", "--assembly", demo],
            ["staff", "add", "--telegram-id", "6", "--role", "administrator", "--assembly", demo],
            ["staff", "add", "--telegram-id", "7", "--role", "municipal", "--municipality", "x"],
        ],
    )
    assert runs[0].ok() == "added municipal staff to zeytinburnu\n"
    assert runs[1].ok() == "added an administrator to every assembly\n"
    assert runs[2].ok() == "added a facilitator to ZEYTINBURNU\n"
    runs[3].refused("a facilitator needs --assembly CODE")
    runs[4].refused("municipal staff need --municipality SLUG")
    runs[5].refused("an administrator has every assembly")
    runs[6].refused("no municipality has the slug 'x'")
    again = await reslog_all(
        cli_env, [["staff", "add", "--telegram-id", "2", "--role", "administrator"]]
    )
    assert again[0].ok() == "already an administrator of every assembly\n"
    async with sessions() as session:
        roles = sorted(
            (s.role, s.assembly_id, s.municipality_id)
            for s in (await session.execute(select(Staff))).scalars()
        )
    assert roles == sorted(
        [
            (ADMINISTRATOR, None, None),
            (FACILITATOR, demo_assembly.id, demo_assembly.municipality_id),
            (MUNICIPAL, None, demo_assembly.municipality_id),
        ]
    )


async def test_a_staff_invitation_link_works_once_for_whoever_opens_it(
    cli_env: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
    demo_assembly: Assembly,
) -> None:
    made, bad_days, bad_name, no_place = await reslog_all(
        cli_env,
        [
            ["staff", "invite", "--assembly", demo, "--bot-username", "@reslog_test_bot"],
            ["staff", "invite", "--assembly", demo, "--days", "0"],
            ["staff", "invite", "--assembly", demo, "--bot-username", "not a bot"],
            ["staff", "invite", "--role", "municipal"],
        ],
    )
    first_line, link = made.ok().splitlines()
    assert (
        first_line == "an invitation to be a facilitator of ZEYTINBURNU; it works once, for 7 days:"
    )
    match = re.fullmatch(r"https://t\.me/reslog_test_bot\?start=(staff-[A-Za-z0-9_-]+)", link)
    assert match and len(match.group(1)) <= 64  # Telegram's limit for a deep-link payload
    bad_days.refused("--days must be from 1 to 30, not 0")
    bad_name.refused("--bot-username 'not a bot' is not a Telegram bot's username")
    no_place.refused("municipal staff need --municipality SLUG")

    invited = Chat(sessions, cipher, "820001", client_language="ar")
    await invited.say(f"/start {match.group(1)}")
    assert (
        invited.text
        == "أنت الآن ميسّر في \u2068مجلس الانسجام في زيتين بورنو\u2069. يعرض /delivery كيف وصلت إشعاراته."
    )
    await invited.say("/delivery")
    assert invited.text == "لم يُرسَل أي إشعار بعد."
    for address in ("820001", "820002"):  # the same link again, or passed on: it worked once
        again = Chat(sessions, cipher, address, client_language="en")
        await again.say(f"/start {match.group(1)}")
        assert again.text == "This staff invitation no longer works. Please ask for a new one."
    async with sessions() as session:
        [staff] = (await session.execute(select(Staff))).scalars().all()
        assert (staff.role, staff.assembly_id) == (FACILITATOR, demo_assembly.id)
        assert staff.address_hash == cipher.lookup_hash("telegram", "820001")
        assert "820001" not in staff.address_enc
        [invite] = (await session.execute(select(StaffInvite))).scalars().all()
        assert invite.used_at is not None and invite.staff_id == staff.id
        assert match.group(1) not in invite.token_hash  # only a keyed hash of the token is kept


async def test_an_expired_or_forged_staff_invitation_makes_nobody_staff(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo_assembly: Assembly
) -> None:
    async with sessions() as session:
        await create_invite(
            session,
            cipher.lookup_hash(INVITE_HASH_CHANNEL, "old-token"),
            MUNICIPAL,
            utcnow() - timedelta(minutes=1),
            municipality_id=demo_assembly.municipality_id,
        )
        await session.commit()
    for payload in ("staff-old-token", "staff-forged", "staff-", "staff-" + "x" * 300):
        chat = Chat(sessions, cipher, "830001", client_language="tr")
        await chat.say(f"/start {payload}")
        assert chat.text == "Bu görevli davetiyesi artık geçerli değil. Lütfen yenisini isteyin."
    async with sessions() as session:
        assert (await session.execute(select(Staff))).first() is None
        assert (await session.execute(select(Participant))).first() is None


async def test_help_lists_the_staff_commands_to_staff_only(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo_assembly: Assembly
) -> None:
    await add_staff(sessions, cipher, FACILITATOR_ID, FACILITATOR, assembly_id=demo_assembly.id)
    staff = Chat(sessions, cipher, FACILITATOR_ID, client_language="tr")
    await staff.say("/help")
    assert "Meclis görevlileri için:" in staff.text
    assert "/delivery · Son duyurular ne kadar ulaştı" in staff.text
    assert "/results · Son anketlerin şimdiye kadarki sonuçları" in staff.text
    resident = Chat(sessions, cipher, RESIDENT_ID, client_language="tr")
    await resident.say("/help")
    assert "/polls" in resident.text and "/delivery" not in resident.text
    assert "/privacy · Rızalarınız" in resident.text and "/redact" not in resident.text
    staff_commands = {name for name, command in commands().items() if command.staff}
    assert staff_commands == {name for name, _text in descriptions(commands(), staff=True)}
    assert staff_commands == {
        "delivery",
        "results",
        "notice",
        "newpoll",
        "open",
        "close",
        "schedule",
        "preview",
        "digest",
        "retention",
        "redact",
    }


async def test_reslog_staff_remove_erases_every_role_of_a_person(
    cli_env: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
    demo_assembly: Assembly,
) -> None:
    made = await reslog_all(cli_env, [["staff", "invite", "--assembly", demo]])
    payload = made[0].ok().splitlines()[1].removeprefix("/start ")
    facilitator = Chat(sessions, cipher, "850001", client_language="en")
    await facilitator.say(f"/start {payload}")
    await add_staff(sessions, cipher, "850001", ADMINISTRATOR)
    removed, again, bad = await reslog_all(
        cli_env,
        [
            ["staff", "remove", "--telegram-id", "850001"],
            ["staff", "remove", "--telegram-id", "850002"],
            ["staff", "remove", "--telegram-id", "85x"],
        ],
    )
    assert removed.ok() == "removed 2 staff roles of that Telegram user\n"
    again.refused("Telegram user 850002 has no staff role")
    bad.refused("--telegram-id must be a number, not '85x'")
    async with sessions() as session:
        assert (await session.execute(select(Staff))).first() is None
        [invite] = (await session.execute(select(StaffInvite))).scalars().all()
        assert invite.staff_id is None and invite.used_at is not None
    await facilitator.say("/delivery")
    assert facilitator.text == "This command is for the assembly's facilitators."
