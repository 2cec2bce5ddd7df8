"""Durations and sizes as people type them (erp/core/units.py)."""

import pytest

from erp.core.units import data_size_text, duration_text, parse_data_size, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1 day", 86400),
        ("2 h", 7200),
        ("90 min", 5400),
        ("1 d 12 h", 129600),
        ("1week", 604800),
        ("1,5 h", 5400),
        ("30 s", 30),
    ],
)
def test_durations_read_as_typed_and_back(text, seconds):
    assert parse_duration(text) == seconds
    assert parse_duration(duration_text(seconds)) == seconds


@pytest.mark.parametrize("bad", ["", "86400", "1 fortnight", "h 2", "2 h x", "-1 h"])
def test_a_duration_without_a_known_unit_is_refused(bad):
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_sizes_read_as_typed_and_back():
    assert parse_data_size("500 MB") == 500_000_000
    assert parse_data_size("1.5 GB") == 1_500_000_000
    assert data_size_text(1_500_000_000) == "1.5 GB" and data_size_text(500_000_000) == "500 MB"
    assert duration_text(86400) == "1 day" and duration_text(5400) == "1 h 30 min"
    for bad in ("500", "1 GB 2 MB", "5 parsecs"):
        with pytest.raises(ValueError):
            parse_data_size(bad)
