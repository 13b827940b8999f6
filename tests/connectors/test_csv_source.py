"""CsvSource against real files: encodings, quoting, ragged rows, sniffing, typing."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldwright.connectors import CsvSource, SourceUnreadable
from fieldwright.domain.records import RecordSource, SourceItem
from fieldwright.domain.schema import FieldType, SchemaField


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def read(source: CsvSource) -> list[SourceItem]:
    try:
        return list(source)
    finally:
        source.close()


def test_is_a_record_source(tmp_path: Path) -> None:
    source = CsvSource(write(tmp_path / "a.csv", "id,name\n1,Ada\n"))
    assert isinstance(source, RecordSource)
    assert source.name.endswith("a.csv")


def test_quoted_newlines_and_crlf_keep_the_starting_line(tmp_path: Path) -> None:
    text = 'id,note\r\n1,"first\r\nsecond"\r\n2,plain\r\n3,"a ""quoted"" word, with comma"\r\n'
    items = read(CsvSource(write(tmp_path / "n.csv", text)))
    assert [item.record for item in items] == [
        {"id": "1", "note": "first\r\nsecond"},
        {"id": "2", "note": "plain"},
        {"id": "3", "note": 'a "quoted" word, with comma'},
    ]
    assert [item.position.line for item in items] == [2, 4, 5]


def test_utf8_bom_is_not_part_of_the_first_column(tmp_path: Path) -> None:
    source = CsvSource(write(tmp_path / "bom.csv", "\ufeffid,name\n1,Zoë\n"))
    assert source.columns == ["id", "name"]
    assert read(source)[0].record == {"id": "1", "name": "Zoë"}


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_utf16_is_detected_by_its_bom(tmp_path: Path, encoding: str) -> None:
    text = (
        "\ufeffid;city\r\n1;Zürich\r\n2;東京\r\n"
        if encoding == "utf-16-be"
        else "id;city\n1;Zürich\n2;東京\n"
    )
    source = CsvSource(write(tmp_path / "u16.csv", text, encoding))
    assert source.encoding == "utf-16"
    assert [item.record for item in read(source)] == [
        {"id": "1", "city": "Zürich"},
        {"id": "2", "city": "東京"},
    ]


def test_utf16_without_bom_asks_for_the_encoding(tmp_path: Path) -> None:
    path = write(tmp_path / "nobom.csv", "id,name\n1,Ada\n", "utf-16-le")
    with pytest.raises(SourceUnreadable, match=r"nobom\.csv.*utf-16-le"):
        CsvSource(path)
    assert read(CsvSource(path, encoding="utf-16-le"))[0].record == {"id": "1", "name": "Ada"}


def test_cp1252_by_setting(tmp_path: Path) -> None:
    path = write(tmp_path / "win.csv", "name,price\nCafé,5 €\n", "cp1252")
    assert read(CsvSource(path, encoding="cp1252"))[0].record == {"name": "Café", "price": "5 €"}


def test_undecodable_byte_names_the_line_and_the_run_goes_on(tmp_path: Path) -> None:
    data = b"name,city\nAda,London\n" + "Zoë,Zürich\n".encode("cp1252") + b"Bob,Paris\n"
    items = read(CsvSource(write_bytes(tmp_path / "mixed.csv", data)))
    assert [item.record for item in items] == [
        {"name": "Ada", "city": "London"},
        None,
        {"name": "Bob", "city": "Paris"},
    ]
    bad = items[1]
    assert bad.position.line == 3
    assert bad.error is not None
    assert "mixed.csv, line 3" in bad.error
    assert "0xeb" in bad.error and "cp1252" in bad.error
    assert bad.raw is not None and bad.raw.startswith("Zo\\xeb,")


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_empty_cells_stay_empty_strings_unless_typed(tmp_path: Path) -> None:
    path = write(tmp_path / "e.csv", "id,name,age\n1,,\n2,Bob,41\n")
    assert read(CsvSource(path))[0].record == {"id": "1", "name": "", "age": ""}
    schema = [SchemaField(name="age", type=FieldType.INTEGER)]
    records = [item.record for item in read(CsvSource(path, schema=schema))]
    assert records == [{"id": "1", "name": "", "age": None}, {"id": "2", "name": "Bob", "age": 41}]


def test_unicode_cells(tmp_path: Path) -> None:
    path = write(tmp_path / "u.csv", "名前,emoji\n山田,🎉👍\nΑθήνα,ﬁ\n")
    assert [item.record for item in read(CsvSource(path))] == [
        {"名前": "山田", "emoji": "🎉👍"},
        {"名前": "Αθήνα", "emoji": "ﬁ"},
    ]


def test_ragged_rows_are_reported_per_line(tmp_path: Path) -> None:
    text = "a,b,c\n1,2,3\n4,5\n\n6,7,8,9\n10,11,12\n"
    items = read(CsvSource(write(tmp_path / "r.csv", text)))
    assert [item.position.line for item in items] == [2, 3, 5, 6]
    assert items[0].record == {"a": "1", "b": "2", "c": "3"}
    assert items[3].record == {"a": "10", "b": "11", "c": "12"}
    fewer, more = items[1], items[2]
    assert fewer.record is None and more.record is None
    assert (
        fewer.error is not None
        and "r.csv, line 3: 2 cells, fewer than the 3 columns" in fewer.error
    )
    assert (
        more.error is not None and "r.csv, line 5: 4 cells, more than the 3 columns" in more.error
    )
    assert more.raw == "6,7,8,9\n"


def test_unterminated_quote_is_one_unreadable_item_at_its_start(tmp_path: Path) -> None:
    items = read(CsvSource(write(tmp_path / "q.csv", 'a,b\n1,2\n3,"open\n4,5\n')))
    assert items[0].record == {"a": "1", "b": "2"}
    assert items[1].record is None and items[1].position.line == 3
    assert items[1].error is not None and "malformed CSV" in items[1].error


def test_semicolon_delimiter_is_sniffed(tmp_path: Path) -> None:
    source = CsvSource(write(tmp_path / "s.csv", "name;amount;note\nAda;1,5;x\nBob;2,25;y, z\n"))
    assert source.delimiter == ";"
    assert read(source)[1].record == {"name": "Bob", "amount": "2,25", "note": "y, z"}


def test_single_column_falls_back_to_comma(tmp_path: Path) -> None:
    source = CsvSource(write(tmp_path / "one.csv", "email\na@x.org\nb@y.org\n"))
    assert source.delimiter == ","
    assert [item.record for item in read(source)] == [{"email": "a@x.org"}, {"email": "b@y.org"}]


def test_header_override_and_headerless_files(tmp_path: Path) -> None:
    path = write(tmp_path / "h.csv", "ID,Full Name\n1,Ada\n")
    renamed = read(CsvSource(path, columns=["id", "name"]))
    assert [item.record for item in renamed] == [{"id": "1", "name": "Ada"}]
    as_data = read(CsvSource(path, header=False))
    assert as_data[0].record == {"column_1": "ID", "column_2": "Full Name"}
    assert as_data[0].position.line == 1


def test_a_numeric_first_row_is_not_sniffed_as_a_header(tmp_path: Path) -> None:
    source = CsvSource(write(tmp_path / "d.csv", "1,Ada,2024-01-05\n2,Bob,2024-02-06\n"))
    assert source.has_header is False
    assert source.columns == ["column_1", "column_2", "column_3"]
    assert len(read(source)) == 2


def test_blank_and_repeated_header_names(tmp_path: Path) -> None:
    source = CsvSource(write(tmp_path / "dup.csv", "email,,email\na,b,c\n"), header=True)
    assert source.columns == ["email", "column_2", "email_2"]


def test_schema_types_values_and_names_bad_cells(tmp_path: Path) -> None:
    text = (
        "id,score,active,joined,seen\n"
        "1,2.5,yes,2024-01-05,2024-01-05T10:00:00Z\n"
        "x,abc,maybe,05/01/2024,\n"
        "3,7,0,2024-02-30,\n"
    )
    schema = [
        SchemaField(name="id", type=FieldType.INTEGER),
        SchemaField(name="score", type=FieldType.NUMBER),
        SchemaField(name="active", type=FieldType.BOOLEAN),
        SchemaField(name="joined", type=FieldType.DATE),
        SchemaField(name="seen", type=FieldType.DATETIME),
    ]
    items = read(CsvSource(write(tmp_path / "t.csv", text), schema=schema))
    assert items[0].record == {
        "id": 1,
        "score": 2.5,
        "active": True,
        "joined": "2024-01-05",
        "seen": "2024-01-05T10:00:00Z",
    }
    error = items[1].error
    assert error is not None and error.startswith("t.csv, line 3: ")
    for part in ("column 'id'", "'x' is not an integer", "column 'score'", "column 'active'"):
        assert part in error
    assert "column 'joined': '05/01/2024' is not an ISO date" in error
    assert items[2].error is not None and "line 4: column 'joined'" in items[2].error


def test_blank_lines_kept_when_asked(tmp_path: Path) -> None:
    path = write(tmp_path / "b.csv", "a,b\n1,2\n\n3,4\n")
    assert len(read(CsvSource(path))) == 2
    kept = read(CsvSource(path, skip_blank_lines=False))
    assert [item.record for item in kept] == [
        {"a": "1", "b": "2"},
        {"a": "", "b": ""},
        {"a": "3", "b": "4"},
    ]
    assert kept[1].position.line == 3


def test_each_iteration_reads_from_the_start(tmp_path: Path) -> None:
    source = CsvSource(write(tmp_path / "again.csv", "a\nx\ny\n"))
    assert [item.record for item in source] == [item.record for item in source]
    source.close()


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(SourceUnreadable, match=r"nope\.csv: file not found"):
        CsvSource(tmp_path / "nope.csv")
    with pytest.raises(SourceUnreadable, match="is a directory"):
        CsvSource(tmp_path)


def test_unknown_encoding_is_refused_at_open(tmp_path: Path) -> None:
    with pytest.raises(SourceUnreadable, match="unknown encoding 'klingon'"):
        CsvSource(write(tmp_path / "k.csv", "a\n1\n"), encoding="klingon")


def test_malformed_utf16_ends_the_source_with_one_unreadable_item(tmp_path: Path) -> None:
    data = "a,b\n1,2\n".encode("utf-16") + b"\x00\xdc" + "3,4\n".encode("utf-16-le")
    items = read(CsvSource(write_bytes(tmp_path / "bad16.csv", data)))
    assert items[-1].record is None
    assert items[-1].error is not None
    assert "cannot be decoded as utf-16" in items[-1].error
    assert "reading stops here" in items[-1].error
    assert all(item.record != {"a": "3", "b": "4"} for item in items)


def test_empty_and_header_only_files_have_no_records(tmp_path: Path) -> None:
    empty = CsvSource(write(tmp_path / "empty.csv", ""))
    assert empty.columns == [] and read(empty) == []
    header_only = CsvSource(write(tmp_path / "h.csv", "a,b\r\n"))
    assert header_only.columns == ["a", "b"] and read(header_only) == []


def test_undecodable_header_refuses_the_file_with_a_hint(tmp_path: Path) -> None:
    path = write_bytes(tmp_path / "h.csv", "Prénom,Nom\nAda,L\n".encode("cp1252"))
    with pytest.raises(
        SourceUnreadable, match=r"h\.csv: the header: byte 0xe9 .*encoding='cp1252'"
    ):
        CsvSource(path, header=True)
    assert read(CsvSource(path, encoding="cp1252"))[0].record == {"Prénom": "Ada", "Nom": "L"}
