"""A JSON array far larger than the memory it takes to read: the 2 GB case, scaled down."""

from __future__ import annotations

import time
from pathlib import Path

import psutil
import pytest

from fieldwright.connectors import JsonArraySource

RECORD = (
    b'{"id": %d, "email": "user%d@example.com", "properties": {"firstname": "Ada", '
    b'"lastname": "Lovelace", "lifecyclestage": "lead", "score": 12.5, "tags": ["a", "b"]}, '
    b'"createdAt": "2024-01-05T10:00:00Z", "archived": false}'
)


def write_big_array(path: Path, target_bytes: int) -> int:
    """Write a JSON array of about `target_bytes`, a block at a time; return the record count."""
    block_records = 5_000
    count = 0
    with path.open("wb") as file:
        file.write(b"[\n")
        while file.tell() < target_bytes:
            block = b",\n".join(RECORD % (n, n) for n in range(count, count + block_records))
            file.write((b",\n" if count else b"") + block)
            count += block_records
        file.write(b"\n]\n")
    return count


@pytest.mark.slow
def test_memory_stays_flat_while_streaming_a_large_array(tmp_path: Path) -> None:
    path = tmp_path / "contacts.json"
    expected = write_big_array(path, 150 * 1024 * 1024)
    process = psutil.Process()
    baseline = process.memory_info().rss
    peak = baseline
    seen = 0
    last_id = -1
    started = time.monotonic()
    source = JsonArraySource(path)
    for item in source:
        assert item.record is not None
        seen += 1
        if seen % 20_000 == 0:
            peak = max(peak, process.memory_info().rss)
            last_id = item.record["id"]
            assert item.position.index == last_id
    source.close()
    elapsed = time.monotonic() - started
    assert seen == expected
    assert last_id > expected - 20_000
    growth_mb = (peak - baseline) / (1024 * 1024)
    assert growth_mb < 40, f"memory grew {growth_mb:.0f} MB reading a 150 MB array"
    assert elapsed < 60
