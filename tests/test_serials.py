"""Serial text rules and serial list input (ranges, files) — no database needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from serialtrack.errors import InvalidInput, InvalidSerial, Refused
from serialtrack.serials import (
    check_serials,
    clean_serials,
    expand_range,
    expand_tokens,
    read_serials_file,
)


def test_serial_is_trimmed_but_never_recased() -> None:
    assert clean_serials(["  Ab-100 \n", "ab-100"]) == ["Ab-100", "ab-100"]


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("AB\tC", "U+0009"),
        ("AB\x1dC", "U+001D"),
        ("AB\x00C", "U+0000"),
        ("AB\u200bC", "U+200B"),
        ("X" * 129, "129 characters"),
    ],
)
def test_bad_serials_are_refused_with_the_reason(raw: str, why: str) -> None:
    with pytest.raises(InvalidSerial) as exc:
        clean_serials([raw])
    assert why in exc.value.problems[0].message


def test_128_characters_is_the_limit() -> None:
    assert clean_serials(["X" * 128]) == ["X" * 128]


def test_pattern_is_a_full_match() -> None:
    assert clean_serials(["SN-0001"], r"SN-\d{4}") == ["SN-0001"]
    with pytest.raises(InvalidSerial) as exc:
        clean_serials(["SN-00012", "xSN-0001"], r"SN-\d{4}")
    assert [p.serial for p in exc.value.problems] == ["SN-00012", "xSN-0001"]


def test_every_problem_is_listed_not_just_the_first() -> None:
    serials, problems, given = check_serials(["A", "", "A", "B\tB", "C", "A"])
    assert serials == ["A", "C"]
    assert given == 6
    assert [p.code for p in problems] == ["invalid_serial", "duplicate_serial", "invalid_serial"]
    assert problems[1].serial == "A"


def test_range_keeps_prefix_and_padding() -> None:
    assert expand_range("device-00121..device-00125") == [
        "device-00121", "device-00122", "device-00123", "device-00124", "device-00125"]
    assert expand_range("A8..A10") == ["A8", "A9", "A10"]
    assert expand_range("plain-serial") is None


@pytest.mark.parametrize("token", ["A-001..B-005", "A-005..A-001", "A..B", "A-01..A-x"])
def test_bad_ranges_are_refused_naming_the_range(token: str) -> None:
    with pytest.raises(Refused) as exc:
        expand_range(token)
    assert token in exc.value.problems[0].message


def test_tokens_mix_serials_and_ranges() -> None:
    assert list(expand_tokens(["X1", "S-1..S-3", "Y"])) == ["X1", "S-1", "S-2", "S-3", "Y"]


def test_serials_file_one_per_line(tmp_path: Path) -> None:
    path = tmp_path / "serials.txt"
    path.write_text("A1\r\nA2\n\n  A3  \n", encoding="utf-8")
    assert clean_serials(read_serials_file(path)) == ["A1", "A2", "A3"]


def test_serials_file_csv_named_column(tmp_path: Path) -> None:
    path = tmp_path / "packing.csv"
    path.write_text("sku,Serial,note\nHT,S1,x\nHT,S2,\n", encoding="utf-8")
    assert list(read_serials_file(path)) == ["S1", "S2"]
    assert list(read_serials_file(path, "sku")) == ["HT", "HT"]
    with pytest.raises(InvalidInput) as exc:
        list(read_serials_file(path, "imei"))
    assert "imei" in exc.value.problems[0].message


def test_serials_file_xlsx(tmp_path: Path) -> None:
    from openpyxl import Workbook

    path = tmp_path / "serials.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["serial", "colour"])
    ws.append(["X-1", "red"])
    ws.append([12345, "blue"])
    wb.save(path)
    assert list(read_serials_file(path)) == ["X-1", "12345"]
