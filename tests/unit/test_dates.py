from datetime import date, datetime

import pytest

from dxprep.workspace.dates import parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-10-14", date(2026, 10, 14)),
        ("14 Oct 2026", date(2026, 10, 14)),
        ("October 14, 2026", date(2026, 10, 14)),
        ("Oct 14 2026", date(2026, 10, 14)),
        ("14 October 2026", date(2026, 10, 14)),
        ("3rd Sept 2026", date(2026, 9, 3)),
        ("2026/1/5", date(2026, 1, 5)),
        (date(2026, 1, 2), date(2026, 1, 2)),
        (datetime(2026, 1, 2, 10, 30), date(2026, 1, 2)),
    ],
)
def test_supported_forms(text: object, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "2026-13-01", "31 Feb 2026", "Q3 2027", None, 42])
def test_not_dates(text: object) -> None:
    assert parse_date(text) is None
