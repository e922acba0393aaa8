"""`reslog notice` as real processes on both databases: draft, reach, preview, send once, delivery."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.crypto import AddressCipher
from storage.models import Notice, OutboxMessage, Participant, Poll, Response
from tests.support.cli import reslog, reslog_all
from tests.support.delivery_reader import FIGURES, cli_figures
from tests.support.members import Member, add_members
from tests.support.paths import PROJECT_DIR

ISTANBUL = ZoneInfo("Europe/Istanbul")
TEXTS = ("--text", "tr=Toplantı salı", "--text", "ar=الاجتماع يوم الثلاثاء", "--text", "en=Meeting")
MEMBERS = [
    Member(6_100_001, "ar", {"community": "syrian"}),
    Member(6_100_002, "ar", {"community": "syrian"}),
    Member(6_100_003, "ar", {"community": "host"}),
    Member(6_100_004, "ar", {"community": "syrian"}, stopped=True),
    Member(6_100_005, "tr", {"community": "host"}),
    Member(6_100_006, "tr", {"community": ""}),
    Member(6_100_007, "en", {"community": "other"}),
]


async def _count(sessions: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


def _draft_id(output: str) -> int:
    match = re.match(r"draft notice (\d+) ", output)
    assert match, output
    return int(match.group(1))


async def test_a_notice_shows_its_reach_and_texts_then_goes_out_once(
    cli_env: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
) -> None:
    await add_members(sessions, cipher, None, demo, MEMBERS)
    drafted = (await reslog(cli_env, "notice", "draft", demo, *TEXTS, "--language", "ar")).ok()
    # Three Arabic speakers (the fourth sent /stop and is never counted): fewer than K=5.
    assert "to <5 people of ZEYTINBURNU (language ar)" in drafted
    assert "[العربية]\nالاجتماع يوم الثلاثاء" in drafted and "[Türkçe]\nToplantı salı" in drafted
    notice_id = _draft_id(drafted)
    assert await _count(sessions, OutboxMessage) == 0  # a draft sends nothing

    first, second = await reslog_all(
        cli_env, [["notice", "send", str(notice_id)], ["notice", "send", str(notice_id)]]
    )
    outcomes = sorted([first.returncode, second.returncode])
    assert outcomes == [0, 2]  # two confirms at once: one queues it, the other is refused
    queued, refused = (first, second) if first.returncode == 0 else (second, first)
    assert queued.ok() == f"notice {notice_id} queued for <5 people; `reslog worker` sends it\n"
    refused.refused("This notice has already been sent.")
    assert await _count(sessions, OutboxMessage) == 3
    again = await reslog(cli_env, "notice", "send", str(notice_id))
    again.refused("This notice has already been sent.")
    assert await _count(sessions, OutboxMessage) == 3

    segment = await reslog(
        cli_env, "notice", "draft", demo, *TEXTS, "--profile", "community=host", "--urgent"
    )
    assert "to <5 people of ZEYTINBURNU (community host), urgent" in segment.ok()
    listed = (await reslog(cli_env, "notice", "list", demo)).ok()
    # Three waiting: to fewer than K, and every figure under K (the digest's marks); a draft
    # reached nobody, which is said as it is.
    assert cli_figures(listed, notice_id) == dict.fromkeys(FIGURES, "<5")
    assert re.search(r"draft\s+\S+ \S+(\s+0){5}\s", listed)
    assert (
        "<5: fewer than 5 people · x: hidden so that a small count cannot be worked out" in listed
    )


async def test_bad_notices_are_refused_in_one_line_and_nothing_is_kept(
    cli_env: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
) -> None:
    await add_members(sessions, cipher, None, demo, MEMBERS)
    yesterday = (datetime.now(ISTANBUL) - timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    no_arabic = ("--text", "tr=Toplantı", "--text", "en=Meeting")
    runs = await reslog_all(
        cli_env,
        [
            ["notice", "draft", demo, *no_arabic],
            ["notice", "draft", demo, *no_arabic, "--text", "ar=  "],
            ["notice", "draft", demo, *TEXTS, "--at", yesterday],
            ["notice", "draft", demo, *TEXTS, "--at", "next tuesday"],
            ["notice", "draft", demo, *TEXTS, "--language", "de"],
            ["notice", "draft", demo, *TEXTS, "--profile", "religion=any"],
            ["notice", "draft", demo, *TEXTS, "--profile", "community=martian"],
            ["notice", "draft", demo, *TEXTS, "--language", "en", "--profile", "community=host"],
            ["notice", "draft", demo, "--text", "xx=Hello"],
            ["notice", "draft", "NOWHERE", *TEXTS],
            ["notice", "send", "999"],
        ],
    )
    runs[0].refused("The notice has no text in:", "العربية")
    runs[1].refused("The notice has no text in:", "العربية")
    runs[2].refused("That time has already passed. Please choose a time in the future.")
    runs[3].refused(
        "--at 'next tuesday' is not a local time like 2026-12-05 10:00 or 05.12.2026 10:00"
    )
    runs[4].refused("--language 'de' is not a language of ZEYTINBURNU")
    runs[5].refused("--profile 'religion=any' must be KEY=OPTION", "community")
    runs[6].refused("--profile 'community=martian': community has the options host, other, syrian")
    runs[7].refused("Nobody is in this audience, so nothing was kept.")
    runs[8].refused("--text 'xx=Hello' must look like tr=Text")
    runs[9].refused("no assembly has the join code 'NOWHERE'")
    runs[10].refused("there is no notice 999")
    assert await _count(sessions, Notice) == 0
    assert await _count(sessions, OutboxMessage) == 0


async def test_a_scheduled_notice_waits_for_its_time_and_a_night_one_for_the_morning(
    cli_env: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
) -> None:
    await add_members(sessions, cipher, None, demo, MEMBERS[:2])
    tomorrow = datetime.now(ISTANBUL).date() + timedelta(days=1)
    at_ten, at_night = f"{tomorrow} 10:00", f"{tomorrow} 23:30"
    ten = (await reslog(cli_env, "notice", "draft", demo, *TEXTS, "--at", at_ten)).ok()
    night = (await reslog(cli_env, "notice", "draft", demo, *TEXTS, "--at", at_night)).ok()
    urgent = (
        await reslog(cli_env, "notice", "draft", demo, *TEXTS, "--at", at_night, "--urgent")
    ).ok()
    assert "going out at " + at_ten + " (Europe/Istanbul)" in ten
    ids = [_draft_id(text) for text in (ten, night, urgent)]
    for notice_id in ids:
        (await reslog(cli_env, "notice", "send", str(notice_id))).ok()
    local = {
        ids[0]: datetime.combine(tomorrow, datetime.min.time().replace(hour=10), ISTANBUL),
        # 23:30 is inside the quiet hours (22:00-08:00): it waits for 08:00 the day after.
        ids[1]: datetime.combine(
            tomorrow + timedelta(days=1), datetime.min.time().replace(hour=8), ISTANBUL
        ),
        ids[2]: datetime.combine(
            tomorrow, datetime.min.time().replace(hour=23, minute=30), ISTANBUL
        ),
    }
    async with sessions() as session:
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
    assert len(rows) == 6
    for row in rows:
        assert row.notice_id is not None
        assert row.not_before.astimezone(UTC) == local[row.notice_id].astimezone(UTC)


async def test_opening_a_poll_invites_every_member_in_their_language_once(
    cli_env: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
    tmp_path: Path,
) -> None:
    await add_members(sessions, cipher, None, demo, MEMBERS)
    poll_file = tmp_path / "poll-2027.yaml"
    source = (PROJECT_DIR / "examples" / "poll-services-2026.yaml").read_text(encoding="utf-8")
    poll_file.write_text(source.replace("slug: services-2026", "slug: services-2027"), "utf-8")
    (await reslog(cli_env, "poll", "import", str(poll_file))).ok()
    opened = await reslog(cli_env, "poll", "open", demo, "services-2027")
    # Six members accepted the notice and did not send /stop.
    assert opened.ok() == "poll services-2027 is open; 6 members invited (`reslog worker` sends)\n"
    async with sessions() as session:
        [invitation] = (await session.execute(select(Notice))).scalars().all()
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
    assert (invitation.kind, invitation.status) == ("invitation", "queued")
    assert "\u2068Mahallemizde hizmetler 2026\u2069" in invitation.text["tr"]
    assert "/polls" in invitation.text["ar"] and "الخدمات في حيّنا 2026" in invitation.text["ar"]
    assert invitation.text["en"].startswith("A new poll is open: ")
    assert len(rows) == 6
    assert sorted(r.language for r in rows) == ["ar"] * 3 + ["en"] + ["tr"] * 2
    again = await reslog(cli_env, "poll", "open", demo, "services-2027")
    again.refused("poll services-2027 is open already")
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 6


# Labelled case "audience sizes" (K=5): one Syrian in Yeşiltepe, six of the host community.
AUDIENCE_SIZES = [Member(6_300_001, "ar", {"community": "syrian", "neighbourhood": "yesiltepe"})]
AUDIENCE_SIZES += [
    Member(6_300_010 + i, "tr", {"community": "host", "neighbourhood": "yesiltepe"})
    for i in range(6)
]


async def test_audience_sizes_under_k_are_printed_as_fewer_than_k(
    cli_env: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
    tmp_path: Path,
) -> None:
    await add_members(sessions, cipher, None, demo, AUDIENCE_SIZES)
    yesiltepe = ("--profile", "neighbourhood=yesiltepe")
    one, six = await reslog_all(
        cli_env,
        [
            ["notice", "draft", demo, *TEXTS, "--profile", "community=syrian", *yesiltepe],
            ["notice", "draft", demo, *TEXTS, "--profile", "community=host", *yesiltepe],
        ],
    )
    first_line = one.ok().splitlines()[0]
    assert " to <5 people of ZEYTINBURNU (community syrian; neighbourhood yesiltepe)" in first_line
    assert not re.search(r"\b1\b", first_line.replace(f"notice {_draft_id(one.ok())} ", ""))
    assert " to 6 people of ZEYTINBURNU (community host; neighbourhood yesiltepe)" in six.ok()
    sent_one, sent_six = await reslog_all(
        cli_env, [["notice", "send", str(_draft_id(text))] for text in (one.ok(), six.ok())]
    )
    assert sent_one.ok().endswith(" queued for <5 people; `reslog worker` sends it\n")
    assert sent_six.ok().endswith(" queued for 6 people; `reslog worker` sends it\n")
    assert await _count(sessions, OutboxMessage) == 1 + 6

    # A poll of an assembly of seven opens to 7; the one person who answered gets results.
    poll_file = tmp_path / "poll-2027.yaml"
    source = (PROJECT_DIR / "examples" / "poll-services-2026.yaml").read_text(encoding="utf-8")
    poll_file.write_text(source.replace("slug: services-2026", "slug: services-2027"), "utf-8")
    (await reslog(cli_env, "poll", "import", str(poll_file))).ok()
    opened = await reslog(cli_env, "poll", "open", demo, "services-2027")
    assert opened.ok() == "poll services-2027 is open; 7 members invited (`reslog worker` sends)\n"
    async with sessions() as session:
        poll = (
            await session.execute(select(Poll).where(Poll.slug == "services-2027"))
        ).scalar_one()
        found = select(Participant.id).where(
            Participant.address_hash == cipher.lookup_hash("telegram", "6300001")
        )
        person = (await session.execute(found)).scalar_one()
        session.add(Response(poll_id=poll.id, participant_id=person, language="ar"))
        await session.commit()
    closed = await reslog(cli_env, "poll", "close", demo, "services-2027")
    assert closed.ok() == (
        "poll services-2027 is closed; the results go to the <5 members who answered"
        " (`reslog worker` sends)\n"
    )
