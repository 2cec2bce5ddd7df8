"""GSM-7 / UCS-2 counting against known cases, and phone number validation."""

import pytest
from django.core.exceptions import ValidationError

from erp.messaging import encoding
from erp.messaging.phones import to_e164


def test_160_gsm7_characters_are_one_sms_and_161_are_two():
    assert encoding.count("a" * 160).parts == 1
    assert encoding.count("a" * 160).encoding == encoding.GSM7
    assert encoding.count("a" * 161).parts == 2
    # 153 per part once concatenated
    assert encoding.count("a" * 306).parts == 2
    assert encoding.count("a" * 307).parts == 3


def test_euro_and_other_extension_characters_cost_two_septets():
    assert encoding.count("€").units == 2
    assert encoding.count("€").encoding == encoding.GSM7
    assert encoding.count("a" * 158 + "€").parts == 1
    assert encoding.count("a" * 159 + "€").parts == 2
    assert encoding.count("[]{}").units == 8


def test_an_extension_character_is_never_cut_between_parts():
    text = "a" * 152 + "€" + "b" * 10
    parts = encoding.segments(text)
    assert parts[0] == "a" * 152 and parts[1].startswith("€")


def test_one_typographic_apostrophe_forces_ucs2_unless_normalised():
    text = "Karibu, it’s your code"
    assert encoding.count(text).encoding == encoding.UCS2
    sent, cost = encoding.prepare(text)
    assert sent == "Karibu, it's your code"
    assert cost.encoding == encoding.GSM7


def test_normalisation_of_quotes_dashes_ellipsis_and_nbsp():
    assert encoding.normalise("‘a’ “b” c–d—e…\u00a0f") == "'a' \"b\" c-d-e... f"


def test_plain_swahili_is_gsm7():
    text = "Asante kwa kununua. Msimbo wako ni ABCD-1234, unaisha kesho saa 3 usiku."
    assert encoding.count(text).encoding == encoding.GSM7


def test_ucs2_limits_70_and_67_and_an_emoji_is_two_units():
    assert encoding.count("ж" * 70) == encoding.Count(encoding.UCS2, 70, 1, 0)
    assert encoding.count("ж" * 71).parts == 2
    assert encoding.count("ж" * 134).parts == 2
    assert encoding.count("ж" * 135).parts == 3
    assert encoding.count("😀").units == 2
    assert encoding.count("😀" * 35).parts == 1
    assert encoding.count("😀" * 35 + "a").parts == 2
    # a surrogate pair is never split: 33 emoji fill 66 units, the 34th starts a new part
    parts = encoding.segments("😀" * 40)
    assert parts[0] == "😀" * 33


def test_remaining_units_in_the_last_part():
    assert encoding.count("hello").remaining == 155
    assert encoding.count("a" * 200).remaining == 153 - 47


@pytest.mark.parametrize(
    ("raw", "e164"),
    [("0712 345 678", "+255712345678"), ("+255 754 123 456", "+255754123456")],
)
def test_mobile_numbers_become_e164(raw, e164, settings):
    settings.PHONENUMBER_DEFAULT_REGION = "TZ"
    assert to_e164(raw) == e164


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "empty"),
        ("hello", "invalid"),
        ("+255 12", "invalid"),
        ("+255 22 211 1234", "not_mobile"),
    ],
)
def test_bad_numbers_are_refused_with_a_reason(raw, code, settings):
    settings.PHONENUMBER_DEFAULT_REGION = "TZ"
    with pytest.raises(ValidationError) as exc:
        to_e164(raw)
    assert exc.value.code == code
