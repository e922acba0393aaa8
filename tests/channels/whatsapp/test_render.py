"""WhatsApp rendering: numbered lists in the reader's digits, how to answer, long texts cut."""

from __future__ import annotations

import re

from bot.channels.text_parts import text_length
from bot.channels.whatsapp.render import MAX_TEXT, render
from handlers.core.events import Choice, OutFile, Outgoing
from handlers.i18n.core import _, use_language


def _buttons(nonce: int, *labels: str) -> tuple[Choice, ...]:
    return tuple(Choice(label, f"{nonce}:o:{n}") for n, label in enumerate(labels, start=1))


def _multi(nonce: int, *labels: str) -> tuple[Choice, ...]:
    marked = tuple(Choice(f"☐ {label}", f"{nonce}:t:{n}") for n, label in enumerate(labels, 1))
    return (*marked, Choice("Tamam ✓", f"{nonce}:done"))


def _said(language: str, message: str) -> str:
    with use_language(language):
        return _(message)


ONE = "Reply with the number of your answer."
SEVERAL = "Reply with the numbers of all your answers in one message, like {example}."


def test_choices_are_listed_under_the_text_and_numbered_across_the_reply() -> None:
    replies = [
        Outgoing("Kendinizi hangi toplulukta görüyorsunuz?", _buttons(4, "Yerel halk", "Suriyeli")),
        Outgoing("Yaş grubunuz?", _buttons(4, "18–29", "30–44")),
    ]
    first, second = render(replies, ("tr",))
    assert first == (
        "Kendinizi hangi toplulukta görüyorsunuz?\n\n1. Yerel halk\n2. Suriyeli\n\n"
        + _said("tr", ONE)
    )
    assert "3. 18–29\n4. 30–44" in second  # the core reads "3" as the first of the second list


def test_numbers_are_written_in_arabic_indic_digits_for_an_arabic_reader() -> None:
    (text,) = render([Outgoing("ما الخدمة؟", _buttons(9, "النظافة", "الحدائق"))], ("ar",))
    assert "١. النظافة\n٢. الحدائق" in text
    assert _said("ar", ONE) in text
    assert not re.search("[0-9]", text)


def test_a_multiple_choice_question_asks_for_several_numbers_and_hides_done() -> None:
    question = Outgoing("في أي الأنشطة تودّ المشاركة؟", _multi(11, "تركية", "عربية", "نزهة", "مهنة"))
    after = Outgoing("التالي", _buttons(11, "نعم"))
    text, following = render([question, after], ("ar",))
    assert "١. ☐ تركية\n٢. ☐ عربية\n٣. ☐ نزهة\n٤. ☐ مهنة" in text
    assert "Tamam" not in text and "٥" not in text
    assert _said("ar", SEVERAL).format(example="١ ٣") in text
    assert "٦. نعم" in following  # Done keeps its place in the numbering the core uses


def test_a_scale_is_written_once_per_number_on_one_line() -> None:
    scale = tuple(Choice(str(n), f"12:v:{n}") for n in range(1, 6))
    (text,) = render([Outgoing("Ne kadar güvende?", scale, columns=5)], ("tr",))
    assert "\n1    2    3    4    5\n" in text
    arabic = tuple(Choice(label, f"12:v:{n}") for n, label in enumerate("١٢٣٤٥", start=1))
    (text,) = render([Outgoing("إلى أي مدى؟", arabic, columns=5)], ("ar",))
    assert "\n١    ٢    ٣    ٤    ٥\n" in text


def test_short_side_by_side_choices_share_a_line_and_long_ones_do_not() -> None:
    (yes_no,) = render([Outgoing("Yararlandınız mı?", _buttons(3, "Evet", "Hayır"), 2)], ("tr",))
    assert "1. Evet    2. Hayır" in yes_no
    long = _buttons(3, "Kabul ediyorum, verilerim işlensin", "Kabul etmiyorum, hiçbir şey")
    (text,) = render([Outgoing("Onay", long, columns=2)], ("tr",))
    assert "1. Kabul ediyorum, verilerim işlensin\n2. Kabul etmiyorum" in text


def test_before_a_language_is_chosen_the_way_to_answer_is_said_in_every_language() -> None:
    prompt = Outgoing(
        "يُرجى اختيار لغتك.\nLütfen dilinizi seçin.\nPlease choose your language.",
        _buttons(1, "العربية", "Türkçe", "English"),
    )
    (text,) = render([prompt], ("ar", "tr", "en"))
    assert "١. العربية\n٢. Türkçe\n٣. English" in text
    assert text.endswith("\n".join(_said(lang, ONE) for lang in ("ar", "tr", "en")))


def test_a_file_is_not_sent_and_the_reader_is_told_where_it_comes() -> None:
    data = OutFile("my-data.json", b'{"language": "tr"}', "application/json")
    (text,) = render([Outgoing("Hakkınızda sakladığımız her şey:", file=data)], ("tr",))
    assert text.startswith("Hakkınızda sakladığımız her şey:\n\n")
    with use_language("tr"):
        note = _(
            "On Telegram this message also comes as a file ({name}); "
            "on WhatsApp only the text above is sent."
        )
    assert note.format(name="\u2068my-data.json\u2069") in text
    assert '"language"' not in text


def test_a_replacing_message_is_sent_as_a_new_one() -> None:
    plain = Outgoing("Soru", _buttons(5, "A", "B"))
    replacing = Outgoing("Soru", _buttons(5, "A", "B"), replace=True)
    assert render([replacing], ("tr",)) == render([plain], ("tr",))


def test_text_over_the_whatsapp_limit_is_cut_at_line_boundaries() -> None:
    lines = [f"{n:04d} " + "ب" * 90 for n in range(60)]
    parts = render([Outgoing("\n".join(lines))], ("ar",))
    assert len(parts) > 1
    assert all(text_length(part) <= MAX_TEXT for part in parts)
    assert "\n".join(parts) == "\n".join(lines)


def test_characters_xml_cannot_carry_are_dropped_and_blank_messages_vanish() -> None:
    assert render([Outgoing("Merhaba\x00\x07 dünya\ufffe")], ("tr",)) == ["Merhaba dünya"]
    assert render([Outgoing("  \n")], ("tr",)) == []
