"""Scrubbing personal data from what people wrote: phone numbers, e-mail addresses, ID numbers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.i18n.core import use_language
from handlers.privacy.scrub import is_turkish_identity_number, scrub_personal_data

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def identity_number(first_nine: str) -> str:
    """The T.C. kimlik numarası with these nine first digits (check digits computed)."""
    d = [int(c) for c in first_nine]
    tenth = (7 * sum(d[0:9:2]) - sum(d[1:8:2])) % 10
    eleventh = (sum(d) + tenth) % 10
    return f"{first_nine}{tenth}{eleventh}"


nine_digits = st.from_regex(r"[1-9][0-9]{8}", fullmatch=True)
words = st.text(alphabet=st.sampled_from("abcçğıöşü اعلم .,!?"), max_size=30)


@given(nine_digits, words, words)
def test_every_valid_identity_number_is_taken_out_wherever_it_stands(
    first_nine: str, before: str, after: str
) -> None:
    number = identity_number(first_nine)
    assert is_turkish_identity_number(number)
    with use_language("en"):
        scrubbed = scrub_personal_data(f"{before} {number} {after}")
        arabic = scrub_personal_data(f"{before} {number.translate(ARABIC_INDIC)} {after}")
    assert number not in scrubbed and "[ID number]" in scrubbed
    assert scrubbed == arabic


@given(nine_digits)
def test_a_wrong_check_digit_is_not_an_identity_number_and_is_kept(first_nine: str) -> None:
    number = identity_number(first_nine)
    wrong = number[:10] + str((int(number[10]) + 1) % 10)
    assert not is_turkish_identity_number(wrong)
    if not wrong.startswith("99"):
        with use_language("en"):
            assert scrub_personal_data(f"kod {wrong}") == f"kod {wrong}"


@given(st.text(alphabet=st.characters(exclude_categories=["Nd"], exclude_characters="@")))
def test_text_without_digits_or_at_signs_is_kept_as_written(text: str) -> None:
    assert scrub_personal_data(text) == text


@pytest.mark.parametrize(
    ("written", "scrubbed"),
    [
        ("beni ara 0532 123 45 67 lütfen", "beni ara [phone] lütfen"),
        ("+90 (532) 123-4567", "[phone]"),
        ("05321234567'den yazıyorum", "[phone]'den yazıyorum"),
        ("اتصل بي ٠٥٣٢١٢٣٤٥٦٧", "اتصل بي [phone]"),
        ("رقمي +963 944 123 456", "رقمي [phone]"),
        ("0944 123 456 سوري", "[phone] سوري"),
        ("write to amal.k+1@example.com.tr today", "write to [e-mail] today"),
        ("kimliğim 99123456789", "kimliğim [ID number]"),
        ("the bus 34 comes at 18:30 on 2026-12-01", "the bus 34 comes at 18:30 on 2026-12-01"),
        ("10 TL, 250 kişi, 12345678901", "10 TL, 250 kişi, 12345678901"),
    ],
)
def test_phone_numbers_e_mail_addresses_and_foreigner_ids_are_marked(
    written: str, scrubbed: str
) -> None:
    with use_language("en"):
        assert scrub_personal_data(written) == scrubbed


def test_the_marks_are_in_the_readers_language() -> None:
    text = "0532 123 45 67, a@b.org, 99123456789"
    with use_language("tr"):
        assert scrub_personal_data(text) == "[telefon], [e-posta], [kimlik numarası]"
    with use_language("ar"):
        assert scrub_personal_data(text) == "[هاتف], [بريد إلكتروني], [رقم هوية]"
