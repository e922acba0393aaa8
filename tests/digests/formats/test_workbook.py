"""The digest workbook, read back with openpyxl: its sheets, its cells as shown, no formula, RTL."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest
from openpyxl import Workbook, load_workbook

from bot.digests.formats.workbook import digest_filename, digest_workbook, sheet_name
from tests.support.digest_samples import empty_digest, municipality_digest, rollup_digest


def read(data: bytes) -> Workbook:
    """The workbook as openpyxl reads it."""
    return load_workbook(io.BytesIO(data))


def cells(book: Workbook) -> list[object]:
    """Every value in the workbook."""
    return [cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def test_a_summary_sheet_then_one_sheet_per_poll() -> None:
    book = read(digest_workbook(municipality_digest("tr")))
    assert book.sheetnames == ["Özet", "Mahalle önceliklerimiz", "Kütüphane saatleri"]
    summary = book["Özet"]
    assert summary["A1"].value == "Zeytinburnu için özet"
    assert summary["A2"].value == "Dönem: 24–30 Kas 2026"
    assert (summary["A3"].value, summary["B3"].value) == ("Gizleme eşiği K", 5)
    assert str(summary["A4"].value).startswith("<5: 5 kişiden az")
    values = cells(book)
    assert "Otobüs 97 çok geç geliyor." in values  # every feedback text, whole
    assert "نحتاج إلى دروس لغة تركية للنساء في المساء. رقمي [telefon]" in values
    assert "Söylemek istemiyorum" not in values and "söylemek istemiyorum" in values


def test_exact_counts_are_numbers_and_suppressed_ones_the_text_shown() -> None:
    book = read(digest_workbook(municipality_digest("tr")))
    poll = book["Mahalle önceliklerimiz"]
    rows: dict[object, list[object]] = {}
    for row in poll.iter_rows():  # the first of each label: the breakdown by language
        rows.setdefault(row[0].value, [c.value for c in row[1:]])
    assert rows["Park"][:4] == [16, 9, "x", "<5"]
    assert rows["Sağlık"][:4] == [7, "<5", "<5", "<5"]
    figures = [
        cell.value
        for sheet in book.worksheets
        for row in sheet.iter_rows(min_col=2)  # column A holds labels, always text
        for cell in row
    ]
    assert "x" in figures and "<5" in figures
    assert not [v for v in figures if isinstance(v, str) and v.isdigit()]  # no count kept as text
    by_community = [
        r for r in poll.iter_rows(values_only=True) if r[0] == "Göre: Hangi topluluktansınız?"
    ]
    assert by_community and by_community[0][2:4] == ("Yerel halk", "Suriyeli")


def test_no_cell_is_a_formula_even_when_a_text_starts_like_one() -> None:
    book = read(digest_workbook(municipality_digest("tr")))
    found = [
        cell
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value.startswith("=")
    ]
    assert [cell.value for cell in found] == [
        '=HYPERLINK("http://example.org") formül değil, metin'
    ]
    assert all(
        cell.data_type == "s"
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    )


def test_an_arabic_workbook_reads_right_to_left() -> None:
    book = read(digest_workbook(municipality_digest("ar")))
    assert book.sheetnames[0] == "الملخّص"
    assert all(sheet.sheet_view.rightToLeft for sheet in book.worksheets)
    assert not any(
        s.sheet_view.rightToLeft
        for s in read(digest_workbook(municipality_digest("tr"))).worksheets
    )


def test_sheet_names_are_unique_short_and_without_forbidden_characters() -> None:
    digest = municipality_digest("tr")
    long = "Anket: [2026] yaz/kış * soru? \\ çok uzun bir başlık ki sığmaz"
    polls = tuple(replace(digest.polls[0], title=long) for _n in range(3))
    book = read(digest_workbook(replace(digest, polls=polls)))
    names = book.sheetnames[1:]
    assert len(set(names)) == 3
    for name in names:
        assert len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name)
    assert sheet_name("Özet", {"özet"}) == "Özet (2)"


def test_a_rollup_has_one_sheet_per_table_with_members_side_by_side() -> None:
    book = read(digest_workbook(rollup_digest("tr")))
    assert book.sheetnames == [
        "Özet",
        "Yeni üyeler",
        "Önceki dönem",
        "Topluluğa göre",
        "Anketler ve yanıtlar",
        "Geri bildirimler",
        "Duyurular",
    ]
    joined = list(book["Yeni üyeler"].iter_rows(values_only=True))
    assert joined[0] == ("Yeni üyeler", "Zeytinburnu", "Esenyurt", "Şile", "Toplam")
    assert joined[1] == ("Türkçe", "x", 40, "<5", 60)


def test_an_empty_digest_still_has_its_summary() -> None:
    book = read(digest_workbook(empty_digest("en")))
    assert book.sheetnames == ["Summary"]
    assert any("Nothing happened" in str(value) for value in cells(book))


@pytest.mark.parametrize("language", ["tr", "ar"])
def test_the_file_name_is_ascii_and_names_the_local_days(language: str) -> None:
    name = digest_filename(municipality_digest(language), "xlsx")
    assert name == "reslog-digest-zeytinburnu-2026-11-24-2026-11-30.xlsx"
    assert name.isascii()
    unicode_slug = replace(municipality_digest(language), slug="şile")
    assert digest_filename(unicode_slug, ".pdf") == "reslog-digest-sile-2026-11-24-2026-11-30.pdf"
