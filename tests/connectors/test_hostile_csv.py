"""Hostile CSV input: huge fields, huge records, NUL bytes, bad settings."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fieldwright.connectors import ConnectorError, CsvSource
from fieldwright.domain.records import SourceItem


def read(source: CsvSource) -> list[SourceItem]:
    try:
        return list(source)
    finally:
        source.close()


def test_a_legal_200k_character_field_is_read(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("id,text\n1," + "x" * 200_000 + "\n2,short\n")
    items = read(CsvSource(path))
    assert [item.record for item in items] == [
        {"id": "1", "text": "x" * 200_000},
        {"id": "2", "text": "short"},
    ]


def test_a_field_beyond_max_field_size_is_that_records_error(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text('id,text\n1,"' + "y" * 300 + '"\n2,short\n')
    items = read(CsvSource(path, max_field_size=100))
    assert [item.record for item in items] == [None, {"id": "2", "text": "short"}]
    assert items[0].error == (
        "wide.csv, line 2: column 'text' has 300 characters, more than max_field_size (100)"
    )
    with pytest.raises(ConnectorError, match="max_field_size"):
        CsvSource(path, max_field_size=0)


def test_nul_bytes_in_utf8_are_reported_at_their_line(tmp_path: Path) -> None:
    path = tmp_path / "nul.csv"
    path.write_bytes(b"id,name\n1,Ada\n2,Gr\x00ace\n3,Alan\n")
    items = read(CsvSource(path))
    assert [item.record for item in items] == [
        {"id": "1", "name": "Ada"},
        None,
        {"id": "3", "name": "Alan"},
    ]
    assert items[1].error == "nul.csv, line 3: a NUL byte (0x00) at character 5"
    assert items[1].position.line == 3


def test_utf16_without_a_bom_is_still_recognised(tmp_path: Path) -> None:
    path = tmp_path / "u16.csv"
    path.write_bytes("id,name\n1,Ada\n".encode("utf-16-le"))
    with pytest.raises(ConnectorError, match="looks like UTF-16"):
        CsvSource(path)


def test_a_record_beyond_max_record_size_keeps_an_excerpt(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    quoted = '"' + "a\n" * 5_000 + '"'  # one field over 5,001 lines
    path.write_text("id,text\n1," + "z" * 10_000 + "\n2," + quoted + "\n3,ok\n")
    items = read(CsvSource(path, max_record_size=1_000))
    assert [item.record for item in items] == [None, None, {"id": "3", "text": "ok"}]
    first, second = items[0], items[1]
    assert first.error == (
        "long.csv, line 2: the record is 10,003 characters, more than max_record_size "
        "(1,000); its first 4,096 are kept"
    )
    assert first.raw == "1," + "z" * 4_094
    assert second.position.line == 3
    assert second.error is not None and "10,005 characters" in second.error
    assert items[2].position.line == 5_004


_PEAK_SCRIPT = textwrap.dedent(
    """
    import sys
    from fieldwright.connectors import CsvSource
    items = list(CsvSource(sys.argv[1], header=True))
    status = open("/proc/self/status").read()
    print(int(status.split("VmHWM:")[1].split()[0]) // 1024, len(items), len(items[0].raw))
    """
)


@pytest.mark.slow
def test_a_huge_line_takes_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as file:
        file.write(b"id,text\n1,")
        for _ in range(300):
            file.write(b"q" * (1 << 20))
        file.write(b"\n2,ok\n")
    result = subprocess.run(
        [sys.executable, "-c", _PEAK_SCRIPT, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    peak_mb, count, raw = map(int, result.stdout.split())
    assert (count, raw) == (2, 4_096)
    assert peak_mb < 400, f"peak {peak_mb} MB for a 300 MB line"


@pytest.mark.parametrize(
    ("settings", "word"),
    [
        ({"delimiter": ";;"}, "delimiter"),
        ({"quotechar": ""}, "quotechar"),
        ({"max_record_size": -1}, "max_record_size"),
    ],
)
def test_bad_settings_are_messages(tmp_path: Path, settings: dict[str, object], word: str) -> None:
    path = tmp_path / "a.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ConnectorError, match=word):
        read(CsvSource(path, **settings))  # type: ignore[arg-type]
