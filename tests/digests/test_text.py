"""The digest as Telegram messages: under the limit, escaped, split between sections, in every language."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser

import pytest

from bot.channels.text_parts import text_length
from bot.digests.formats.telegram_html import digest_messages
from handlers.digests.report import AssemblyFeedback, FeedbackItem
from handlers.i18n.core import FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE
from tests.support.digest_samples import (
    GENERATED,
    empty_digest,
    municipality_digest,
    rollup_digest,
)

TELEGRAM_TAGS = {"b", "i", "u", "code", "pre", "a", "blockquote"}


class _Tags(HTMLParser):
    """Checks that a message's tags are Telegram's and balanced."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in TELEGRAM_TAGS, tag
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open.pop() == tag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def visible(message: str) -> str:
    """The text of one message, its tags checked."""
    parser = _Tags()
    parser.feed(message)
    parser.close()
    assert parser.open == [], f"unclosed tags {parser.open}"
    return "".join(parser.text)


@pytest.mark.parametrize("language", ["tr", "ar", "en"])
def test_a_digest_is_one_message_of_balanced_telegram_html(language: str) -> None:
    messages = digest_messages(municipality_digest(language))
    assert len(messages) == 1
    text = visible(messages[0])
    assert "Zeytinburnu" in text
    assert text_length(messages[0]) < 4096


def test_the_turkish_digest_says_members_polls_feedback_notices_and_the_legend() -> None:
    text = visible(digest_messages(municipality_digest("tr"))[0])
    assert "Zeytinburnu için özet" in text
    assert "24–30 Kas 2026" in text
    assert "Bu dönemde katılan: 35" in text and "Değişim: +15" in text
    assert "• Yerel halk: 17" in text and "• Suriyeli: 14" in text
    assert "• Türkçe: 18" in text and "• Arapça: x" in text
    assert "Mahalle önceliklerimiz (kapalı)" in text
    assert "• Park: 16 (Türkçe 9 · Arapça x · İngilizce <5)" in text  # named in Turkish
    assert "teslim edildi 205" in text
    assert "<5: 5 kişiden az" in text  # the legend explains <5, x and -
    assert "x: " in text and "-: " in text


def test_every_text_of_the_digest_is_escaped() -> None:
    message = digest_messages(municipality_digest("tr"))[0]
    assert "&lt;b&gt;Lütfen&lt;/b&gt; &amp; hızlı" in message
    assert "<b>Lütfen</b>" in visible(message)  # shown as written, not as bold
    assert "<5" not in message.replace("&lt;5", "")


def test_a_single_respondent_poll_says_plainly_that_nothing_can_be_shown() -> None:
    text = visible(digest_messages(municipality_digest("en"))[0])
    library = text[text.index("Library hours") :]
    assert "Too few people answered this poll to show any of its results." in library
    assert "Should the library open" not in library


def test_feedback_in_another_language_is_kept_as_written_and_its_language_named() -> None:
    turkish = visible(digest_messages(municipality_digest("tr"))[0])
    assert "نحتاج إلى دروس لغة تركية للنساء في المساء. (Arapça)" not in turkish
    assert "نحتاج إلى دروس لغة تركية للنساء في المساء. رقمي [telefon] (Arapça)" in turkish
    assert "Otobüs 97 çok geç geliyor. (" not in turkish  # Turkish in a Turkish digest
    arabic = visible(digest_messages(municipality_digest("ar"))[0])
    assert "Otobüs 97 çok geç geliyor. (بالتركية)" in arabic
    assert "… و⁨٣⁩ نصوص أخرى في المصنف." in arabic  # Arabic's plural for three


def test_many_feedback_texts_show_the_first_ones_and_count_the_rest() -> None:
    text = visible(digest_messages(municipality_digest("en", feedback_count=8))[0])
    assert text.count("Parktaki lambalar") == 1
    assert "… and 3 more texts, in the workbook." in text


def test_a_long_digest_is_split_between_sections_and_lines_under_the_limit() -> None:
    long_text = "Çok uzun bir geri bildirim " * 40
    many = tuple(FeedbackItem(GENERATED, "tr", f"{n}: {long_text}") for n in range(5))
    assemblies = tuple(AssemblyFeedback(f"Meclis {n}", f"CODE{n}", many, "<5") for n in range(12))
    digest = replace(municipality_digest("tr"), feedback=assemblies)
    messages = digest_messages(digest)
    assert len(messages) > 3
    for message in messages:
        assert text_length(message) < 4096
        visible(message)  # no tag is cut
        assert not re.search(r"&[a-z]*$", message)  # no entity is cut
    heads = [m.splitlines()[0] for m in messages[1:]]
    assert all(h.startswith(("<b>", "<i>")) for h in heads), heads  # each starts a section
    assert sum(m.count("<blockquote>") for m in messages) == 12 * 5
    assert all(len(m) < 4096 for m in messages)


def test_an_empty_digest_is_a_short_message_saying_nothing_happened() -> None:
    (message,) = digest_messages(empty_digest("en"))
    assert "Nothing happened in this period" in message
    assert len(message) < 300
    (turkish,) = digest_messages(empty_digest("tr"))
    assert "Bu dönemde hiçbir şey olmadı" in turkish


def test_arabic_isolates_turkish_names_and_writes_arabic_digits() -> None:
    text = visible(digest_messages(municipality_digest("ar"))[0])
    assert f"{FIRST_STRONG_ISOLATE}Zeytinburnu Meclisi{POP_DIRECTIONAL_ISOLATE}" in text
    assert f"{FIRST_STRONG_ISOLATE}ZEYTINBURNU{POP_DIRECTIONAL_ISOLATE}" in text
    assert f"{FIRST_STRONG_ISOLATE}٣٥{POP_DIRECTIONAL_ISOLATE}" in text
    assert f"{FIRST_STRONG_ISOLATE}<٥{POP_DIRECTIONAL_ISOLATE}" in text
    assert "٢٤–٣٠ نوفمبر ٢٠٢٦" in text
    assert not re.search(r"[0-9]", text.replace("ZEYTINBURNU", "").replace("Otobüs 97", ""))


def test_a_rollup_shows_each_member_on_a_line_and_the_union_in_all() -> None:
    (message,) = digest_messages(rollup_digest("tr"))
    text = visible(message)
    assert "Marmara Belediyeler Birliği için özet" in text
    assert "• Esenyurt: Türkçe 40 · Arapça 22 · İngilizce 9" in text
    assert "• Şile: Türkçe <5 · Arapça <5 · İngilizce <5" in text
    assert "Birlik toplamı: Türkçe 60 · Arapça 36 · İngilizce 11" in text
    assert "teslim edildi 627" in text
