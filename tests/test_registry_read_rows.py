"""Hostile import and batch files get a clear ImportFileError, never a crash."""

from __future__ import annotations

import pytest

from legalize.registry.identity import ImportFileError, read_rows


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
        (b'[{"surname": "\\ud800"}]', "not Unicode"),
        (b"[{", "not valid JSON"),
        (b'{"a": 1}', "array of objects"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_hostile_json_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(ImportFileError, match=message):
        list(read_rows(data, "rows.json"))


def test_good_json_rows_keep_their_lines() -> None:
    rows = list(read_rows(b'[{"surname": "Perera"}, 3]', "rows.json"))
    assert rows == [(1, {"surname": "Perera"}), (2, None)]
