"""Digest settings, recipients and unions in storage, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.digests.staff.input import (
    RecipientInputError,
    masked_email,
    normal_chat_id,
    normal_email,
)
from storage.crypto import AddressCipher
from storage.digest_settings import (
    EMAIL,
    TELEGRAM,
    Recipient,
    add_recipient,
    list_recipients,
    remove_recipient,
    remove_recipient_by_id,
    setting_for,
)
from storage.models import (
    DigestDelivery,
    DigestRecipient,
    DigestRun,
    DigestSetting,
    Municipality,
    MunicipalUnion,
)
from storage.unions import (
    NATIONAL,
    REGIONAL,
    UnionError,
    add_member,
    create_union,
    remove_member,
    union_members,
    union_municipalities,
)


async def _municipalities(session: AsyncSession, *slugs: str) -> list[Municipality]:
    made = [Municipality(slug=slug, name={"tr": slug.title()}) for slug in slugs]
    session.add_all(made)
    await session.flush()
    return made


async def test_a_setting_is_made_once_and_its_recipients_are_kept_encrypted(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher
) -> None:
    async with sessions() as session:
        (zeytinburnu,) = await _municipalities(session, "zeytinburnu")
        setting = await setting_for(session, municipality_id=zeytinburnu.id)
        assert (setting.frequency, setting.weekday, setting.send_time, setting.language) == (
            "off",
            0,
            "08:00",
            "tr",
        )
        assert await setting_for(session, municipality_id=zeytinburnu.id) is setting
        assert await add_recipient(session, cipher, setting, EMAIL, "ayse@belediye.gov.tr")
        assert await add_recipient(session, cipher, setting, TELEGRAM, "-1001234567890")
        assert not await add_recipient(session, cipher, setting, EMAIL, "ayse@belediye.gov.tr")
        await session.commit()

    async with sessions() as session:
        again = await setting_for(session, municipality_id=zeytinburnu.id)
        assert again.id == setting.id
        listed = await list_recipients(session, cipher, again)
        assert [(r.kind, r.address) for r in listed] == [
            (EMAIL, "ayse@belediye.gov.tr"),
            (TELEGRAM, "-1001234567890"),
        ]
        assert [r.kind for r in again.recipients] == [EMAIL, TELEGRAM]
        rows = list((await session.execute(select(DigestRecipient))).scalars())
        for row in rows:
            assert "ayse" not in row.address_enc and "1234567890" not in row.address_enc
            assert row.address_hash != cipher.lookup_hash("email", "other@example.org")
        assert await session.scalar(select(func.count()).select_from(DigestSetting)) == 1


async def test_a_union_has_its_own_setting_and_exactly_one_subject_is_named(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        (fatih,) = await _municipalities(session, "fatih")
        marmara = await create_union(session, "marmara", {"tr": "Marmara"})
        union_setting = await setting_for(session, union_id=marmara.id)
        municipality_setting = await setting_for(session, municipality_id=fatih.id)
        assert union_setting.id != municipality_setting.id
        assert union_setting.union_id == marmara.id and union_setting.municipality_id is None
        with pytest.raises(ValueError, match="either a municipality or a union"):
            await setting_for(session)
        with pytest.raises(ValueError, match="either a municipality or a union"):
            await setting_for(session, municipality_id=fatih.id, union_id=marmara.id)


async def test_removing_a_recipient_keeps_its_past_deliveries_unlinked(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher
) -> None:
    async with sessions() as session:
        (fatih,) = await _municipalities(session, "fatih")
        setting = await setting_for(session, municipality_id=fatih.id)
        await add_recipient(session, cipher, setting, TELEGRAM, "-100555")
        await add_recipient(session, cipher, setting, EMAIL, "ali@fatih.bel.tr")
        chat, mail = await list_recipients(session, cipher, setting)
        run = DigestRun(
            setting_id=setting.id,
            period_start=setting.updated_at,
            period_end=setting.updated_at,
            status="sent",
        )
        session.add(run)
        await session.flush()
        session.add(
            DigestDelivery(
                run_id=run.id,
                recipient_id=chat.id,
                kind=TELEGRAM,
                address_hash=cipher.lookup_hash(TELEGRAM, "-100555"),
                status="sent",
            )
        )
        await session.commit()

    async with sessions() as session:
        setting = await setting_for(session, municipality_id=fatih.id)
        assert not await remove_recipient(session, cipher, setting, TELEGRAM, "-100556")
        assert await remove_recipient(session, cipher, setting, TELEGRAM, "-100555")
        assert await remove_recipient_by_id(session, cipher, setting, chat.id) is None
        assert await remove_recipient_by_id(session, cipher, setting, mail.id) == Recipient(
            mail.id, EMAIL, "ali@fatih.bel.tr"
        )
        assert setting.recipients == []
        await session.commit()

    async with sessions() as session:
        delivery = (await session.execute(select(DigestDelivery))).scalar_one()
        assert delivery.recipient_id is None and delivery.status == "sent"
        assert delivery.address_hash == cipher.lookup_hash(TELEGRAM, "-100555")
        assert await session.scalar(select(func.count()).select_from(DigestRecipient)) == 0


async def test_one_settings_recipient_cannot_be_removed_through_another_setting(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher
) -> None:
    async with sessions() as session:
        first, second = await _municipalities(session, "fatih", "uskudar")
        mine = await setting_for(session, municipality_id=first.id)
        theirs = await setting_for(session, municipality_id=second.id)
        await add_recipient(session, cipher, theirs, EMAIL, "x@uskudar.bel.tr")
        (recipient,) = await list_recipients(session, cipher, theirs)
        assert await remove_recipient_by_id(session, cipher, mine, recipient.id) is None
        assert not await remove_recipient(session, cipher, mine, EMAIL, "x@uskudar.bel.tr")
        assert len(await list_recipients(session, cipher, theirs)) == 1
        with pytest.raises(ValueError, match="telegram or email"):
            await add_recipient(session, cipher, mine, "sms", "+905551112233")


async def test_unions_refuse_themselves_cycles_and_unions_under_a_regional_union(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        fatih, uskudar, adana, mersin = await _municipalities(
            session, "fatih", "uskudar", "adana", "mersin"
        )
        marmara = await create_union(session, "marmara", {"tr": "Marmara"})
        cukurova = await create_union(session, "cukurova", {"tr": "Çukurova"}, level=REGIONAL)
        tbb = await create_union(session, "tbb", {"tr": "TBB"}, level=NATIONAL)
        upper = await create_union(session, "upper", {"en": "Upper"}, level=NATIONAL)
        for union, municipality in [(marmara, fatih), (marmara, uskudar), (cukurova, adana)]:
            assert await add_member(session, union, municipality=municipality)
        assert not await add_member(session, marmara, municipality=fatih)
        assert await add_member(session, tbb, member_union=marmara)
        assert await add_member(session, tbb, member_union=cukurova)
        assert await add_member(session, tbb, municipality=mersin)
        assert await add_member(session, tbb, municipality=fatih)  # also inside marmara
        assert await add_member(session, upper, member_union=tbb)

        with pytest.raises(UnionError, match="cannot be a member of itself"):
            await add_member(session, tbb, member_union=tbb)
        with pytest.raises(UnionError, match="is regional"):
            await add_member(session, marmara, member_union=cukurova)
        with pytest.raises(UnionError, match="already beneath it"):
            await add_member(session, tbb, member_union=upper)
        await session.commit()

    async with sessions() as session:
        beneath = await union_municipalities(session, upper.id)
        assert [m.slug for m in beneath] == ["adana", "fatih", "mersin", "uskudar"]
        assert [m.slug for m in await union_municipalities(session, marmara.id)] == [
            "fatih",
            "uskudar",
        ]
        direct = await union_members(session, tbb.id)
        assert [m.slug for m in direct.municipalities] == ["fatih", "mersin"]
        assert [u.slug for u in direct.unions] == ["cukurova", "marmara"]
        tbb_row = await session.get(MunicipalUnion, tbb.id)
        assert tbb_row is not None
        marmara_row = await session.get(MunicipalUnion, marmara.id)
        assert marmara_row is not None
        assert await remove_member(session, tbb_row, member_union=marmara_row)
        assert not await remove_member(session, tbb_row, member_union=marmara_row)
        await session.commit()
        assert [m.slug for m in await union_municipalities(session, upper.id)] == [
            "adana",
            "fatih",
            "mersin",
        ]


async def test_a_union_is_refused_with_a_bad_level_zone_or_k_or_a_taken_slug(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        await create_union(session, "marmara", {"tr": "Marmara"})
        for kwargs, message in [
            ({"level": "global"}, "regional or national"),
            ({"timezone": "Mars/Olympus"}, "unknown"),
            ({"k": 1}, "at least 2"),
        ]:
            with pytest.raises(UnionError, match=message):
                await create_union(session, "other", {"tr": "X"}, **kwargs)  # type: ignore[arg-type]
        with pytest.raises(UnionError, match="exists already"):
            await create_union(session, "marmara", {"tr": "Marmara"})
        with pytest.raises(UnionError, match="a name"):
            await create_union(session, "noname", {})
        await session.commit()
        count = await session.scalar(select(func.count()).select_from(MunicipalUnion))
        assert count == 1


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("-1001234567890", "-1001234567890"),
        (" 123456 ", "123456"),
        ("−100 123", "-100123"),
        ("-١٠٠١٢٣", "-100123"),
    ],
)
def test_chat_ids_are_whole_numbers(typed: str, kept: str) -> None:
    assert normal_chat_id(typed) == kept


@pytest.mark.parametrize("typed", ["abc", "12ab", "0", "-", "1.5", "@group", ""])
def test_anything_else_is_not_a_chat_id(typed: str) -> None:
    with pytest.raises(RecipientInputError, match="is not a number"):
        normal_chat_id(typed)


def test_e_mail_addresses_are_checked_and_their_domain_lower_cased() -> None:
    assert normal_email(" Ayse.Yilmaz@Belediye.GOV.TR ") == "Ayse.Yilmaz@belediye.gov.tr"
    for bad in ("ayse@", "ayse", "a@b", "a b@example.org"):
        with pytest.raises(RecipientInputError, match="is not an e-mail address"):
            normal_email(bad)
    assert masked_email("ayse@belediye.gov.tr") == "ay•••@belediye.gov.tr"
    assert masked_email("al@x.org") == "a•••@x.org"
