"""A pipeline run's HTTP targets are held back until the run succeeded (issue 19).

A real JSON API on 127.0.0.1 (stdlib http.server) takes the posts. The pipeline
validates records, then routes kind b to a branch whose target is the API (batches of
2) and kind c to a branch that goes on; a check after the route fails one record when
asked, after the branch has its records. The rest go to the output file.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from fieldwright.domain import ErrorStrategy
from fieldwright.domain.pipeline import PipelineDocument
from fieldwright.domain.runs import RunStatus
from fieldwright.service.facade import Service
from fieldwright.service.pipelines import (
    check_pipeline,
    compile_pipeline_document,
    run_pipeline_file,
)

OLD_OUTPUT = b'{"old": true}\n'
ROWS: list[dict[str, Any]] = [
    {"n": 1, "kind": "a", "v": 5},
    {"n": 2, "kind": "b", "v": 1},
    {"n": 3, "kind": "a", "v": -1},  # fails the validate step
    {"n": 4, "kind": "c", "v": 2},
    {"n": 5, "kind": "b", "v": 3},
    {"n": 6, "kind": "b", "v": 4},
    {"n": 7, "kind": "b", "v": 6},
    {"n": 8, "kind": "b", "v": 8},
]
B_ROWS = [row for row in ROWS if row["kind"] == "b"]
VALID = [row for row in ROWS if row["v"] >= 0]


@dataclass
class Post:
    path: str
    key: str | None
    body: Any
    #: What `Api.watch` saw when the post arrived (the output file, a table's rows).
    seen: Any
    authorization: str | None = None


@dataclass
class Api:
    url: str
    posts: list[Post] = field(default_factory=list)
    #: path → the numbers (1-based, counting distinct idempotency keys) of the batches
    #: answered 500 on every attempt, or 503 on the first attempt only ("flaky").
    failing: dict[str, set[int]] = field(default_factory=dict)
    flaky: dict[str, set[int]] = field(default_factory=dict)
    watch: Callable[[], Any] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def accepted(self, path: str) -> list[dict[str, Any]]:
        """The records the API accepted at `path`, each batch once."""
        seen: dict[str | None, Any] = {}
        for post in self.posts:
            if post.path == path and post.body is not None:
                seen[post.key] = post.body
        return [record for body in seen.values() for record in body]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        api = self.server.api
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        key = self.headers.get("Idempotency-Key")
        seen = api.watch() if api.watch is not None else None
        authorization = self.headers.get("Authorization")
        with api.lock:
            keys = [p.key for p in api.posts if p.path == self.path]
            number = len(dict.fromkeys([*keys, key]))  # this batch's number at this path
            tries = keys.count(key)
            if number in api.failing.get(self.path, set()):
                status = 500
            elif number in api.flaky.get(self.path, set()) and tries == 0:
                status = 503
            else:
                status = 201
            accepted = body if status == 201 else None
            api.posts.append(Post(self.path, key, accepted, seen, authorization))
        if status == 201:
            self._send(201, {"accepted": len(body)})
        else:
            self._send(status, {"error": {"message": f"batch {number} went wrong"}})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    api: Api


@pytest.fixture
def api() -> Iterator[Api]:
    server = _Server(("127.0.0.1", 0), _Handler)
    host, port = server.server_address[:2]
    server.api = Api(f"http://{host!s}:{port}")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _http(url: str, **settings: Any) -> dict[str, Any]:
    return {
        "kind": "http",
        "settings": {"url": url, "batch_size": 2, "retry": {"max_attempts": 1}, **settings},
    }


def _document(url: str, *, check: int = 100, **http: Any) -> PipelineDocument:
    return PipelineDocument.model_validate(
        {
            "fieldwright_pipeline": 1,
            "key": "pipeline_T_T_HTTP_20261203",
            "name": "http targets",
            "source": {"connector": {"kind": "ndjson"}},
            "target": {
                "connector": {"kind": "ndjson"},
                "fields": [{"name": "n"}, {"name": "kind"}, {"name": "v"}],
            },
            "steps": [
                {"name": "valid", "type": "validate", "checks": [{"field": "$.v", "min": 0}]},
                {
                    "name": "split",
                    "type": "route",
                    "branches": [
                        {
                            "name": "bs",
                            "when": "kind == 'b'",
                            "target": {"connector": _http(url, **http)},
                        },
                        {"name": "cs", "when": "kind == 'c'"},
                    ],
                },
                {"name": "late", "type": "validate", "checks": [{"field": "$.n", "max": check}]},
            ],
        }
    )


def _files(tmp_path: Path, rows: list[dict[str, Any]] = ROWS) -> tuple[Path, Path]:
    source = tmp_path / "in.ndjson"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    output = tmp_path / "out.ndjson"
    output.write_bytes(OLD_OUTPUT)
    return source, output


def _letters(output: Path) -> list[dict[str, Any]]:
    path = output.with_name(output.name + ".dead-letters.ndjson")
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _run(
    document: PipelineDocument,
    tmp_path: Path,
    rows: list[dict[str, Any]] = ROWS,
    **options: Any,
) -> Any:
    source, output = _files(tmp_path, rows)
    return run_pipeline_file(compile_pipeline_document(document), source, output, **options)


def test_a_successful_run_posts_the_branch_after_its_steps_and_before_the_file_commit(
    api: Api, tmp_path: Path
) -> None:
    # Batch 2 is answered 503 once: the connector's retry sends it again, same key.
    api.flaky["/in"] = {2}
    api.watch = (tmp_path / "out.ndjson").read_bytes
    document = _document(api.url + "/in", retry={"max_attempts": 3, "base_delay": 0})
    ran = _run(document, tmp_path)
    result = ran.result
    assert result.status is RunStatus.COMPLETED, result.message
    assert api.accepted("/in") == B_ROWS
    assert len(api.posts) == 4  # three batches of 2, 2 and 1, the second sent twice
    # Every post came after the steps (all five b records at once) and before the
    # output's commit: the file still held the previous run's output each time.
    assert {post.seen for post in api.posts} == {OLD_OUTPUT}
    output = tmp_path / "out.ndjson"
    assert [json.loads(line)["n"] for line in output.read_text().splitlines()] == [1, 4]
    # The idempotency keys are the connector's: the run key and branch, batch by batch.
    run_id = f"{result.key}/bs"
    keys = [hashlib.sha256(f"{run_id}:{n}".encode()).hexdigest() for n in (1, 2, 2, 3)]
    assert [post.key for post in api.posts] == keys
    counts = result.counts
    assert (counts.read, counts.written, counts.failed, counts.skipped) == (8, 7, 1, 0)
    assert counts.balanced
    [letter] = _letters(output)
    assert letter["step"] == "valid"


def test_a_failing_step_posts_nothing(api: Api, tmp_path: Path) -> None:
    # "late" fails record 4 (kind c) after the route has handed the b records to the
    # branch's target: under fail_fast the run stops, and nothing was posted.
    document = _document(api.url + "/in", check=3)
    ran = _run(document, tmp_path, VALID, strategy=ErrorStrategy.FAIL_FAST)
    result = ran.result
    assert result.status is RunStatus.FAILED
    assert "late" in (result.message or "")
    assert api.posts == []
    assert (tmp_path / "out.ndjson").read_bytes() == OLD_OUTPUT
    assert result.counts.written == 0 and result.counts.balanced


def test_a_server_error_in_the_second_batch_keeps_the_rest_as_dead_letters(
    api: Api, tmp_path: Path
) -> None:
    api.failing["/in"] = {2}
    ran = _run(_document(api.url + "/in"), tmp_path)
    result = ran.result
    assert result.status is RunStatus.FAILED
    assert not result.transient  # trying again would post batch 1 twice
    message = result.message or ""
    assert f"branch 'bs': {api.url}/in: batch 2: HTTP 500" in message
    assert "the 3 records of batch 2 and after were not sent" in message
    assert message.endswith(
        f"already published by this run (not undone): {api.url}/in (batches 1-1: 2 records)"
    )
    assert api.accepted("/in") == B_ROWS[:2]
    # The file output is not published: the endpoint failed before the file commit.
    output = tmp_path / "out.ndjson"
    assert output.read_bytes() == OLD_OUTPUT
    letters = _letters(output)
    unsent = [letter for letter in letters if letter["step"] == "split/bs"]
    assert [letter["input"]["n"] for letter in unsent] == [6, 7, 8]
    assert all(
        "not sent" in letter["reason"] and "HTTP 500" in letter["reason"] for letter in unsent
    )
    assert [letter["position"] for letter in unsent] == [{"index": 2}, {"index": 3}, {"index": 4}]
    # Conservation: 8 read = 2 posted + 1 invalid + 3 unsent + 2 skipped (the output's).
    counts = result.counts
    assert (counts.read, counts.written, counts.failed, counts.skipped) == (8, 2, 4, 2)
    assert counts.balanced and len(letters) == counts.failed


def test_a_first_batch_refused_with_nothing_published_is_a_plain_failure(
    api: Api, tmp_path: Path
) -> None:
    api.failing["/in"] = {1}
    result = _run(_document(api.url + "/in"), tmp_path).result
    assert result.status is RunStatus.FAILED
    message = result.message or ""
    assert "batch 1: HTTP 500" in message and "nothing was sent" in message
    assert "already published" not in message
    assert [letter["step"] for letter in _letters(tmp_path / "out.ndjson")] == ["valid"]
    assert result.counts.balanced and result.counts.written == 0


def test_a_bad_branch_target_is_named_at_its_pointer(api: Api) -> None:
    def problems(connector: dict[str, Any]) -> list[str]:
        data = _document(api.url).model_dump(mode="json")
        data["steps"][1]["branches"][0]["target"] = {"connector": connector}
        return [
            f"{p.pointer}: {p.message}"
            for p in check_pipeline(PipelineDocument.model_validate(data))
        ]

    assert problems({"kind": "http", "settings": {}}) == [
        "/steps/1/branches/0/target: a branch's HTTP target names its endpoint: "
        "connector.settings.url, or a saved connection in connector.connection"
    ]
    assert problems({"kind": "http", "settings": {"url": "ftp://host/in"}}) == [
        "/steps/1/branches/0/target/connector/settings/url: not an http(s) URL: 'ftp://host/in'"
    ]
    [kind] = problems({"kind": "ftp", "settings": {"path": "b.txt"}})
    assert kind.startswith("/steps/1/branches/0/target/connector/kind: a branch's target is")
    assert kind.endswith("not 'ftp'")
    assert problems({"kind": "http", "connection": "crm", "settings": {"url": "/in"}}) == []


def _stored(document: PipelineDocument, folder: Path, output: dict[str, Any]) -> PipelineDocument:
    """The pipeline stored: its source the file in `folder`, its output `output`, and its
    branch going on with the rest (no target of its own)."""
    data = document.model_dump(mode="json")
    data["source"]["connector"]["settings"] = {"path": str(folder / "in.ndjson")}
    data["target"]["connector"] = output
    del data["steps"][1]["branches"][0]["target"]
    return PipelineDocument.model_validate(data)


def _wait(start: Callable[[], Any]) -> Any:
    result = start().wait()
    assert result is not None
    return result


def test_a_stored_pipelines_http_output_is_held_and_its_unsent_records_reprocess(
    service: Service, api: Api, tmp_path: Path
) -> None:
    _files(tmp_path)
    api.failing["/out"] = {2}
    document = _stored(_document(api.url), tmp_path, _http(api.url + "/out"))
    service.pipelines.save(document, None)
    result = _wait(lambda: service.start_run(document.key))
    assert result.status is RunStatus.FAILED
    assert "the output:" in (result.message or "") and f"{api.url}/out" in (result.message or "")
    assert "already published by this run (not undone)" in (result.message or "")
    # The output's order: the a records went on at once, then branch bs's, then cs's.
    sent = [next(row for row in ROWS if row["n"] == n) for n in (1, 2, 5, 6, 7, 8, 4)]
    assert api.accepted("/out") == sent[:2]
    counts = result.counts
    assert (counts.read, counts.written, counts.failed, counts.skipped) == (8, 2, 6, 0)
    page = service.dead_letters(result.key)
    unsent = [letter for letter in page.items if letter.step is None]
    assert [letter.input["n"] for letter in unsent if letter.input] == [n["n"] for n in sent[2:]]

    # The API works again: a reprocess sends the records it did not take (not the one
    # the validate step refused, which fails again), and nothing twice.
    api.failing.clear()
    again = _wait(lambda: service.reprocess(result.key))
    assert again.counts.written == 5, again.message
    assert api.accepted("/out") == sent


def test_a_stored_run_that_fails_in_a_step_posts_nothing(
    service: Service, api: Api, tmp_path: Path
) -> None:
    _files(tmp_path, VALID)
    document = _stored(_document(api.url, check=3), tmp_path, _http(api.url + "/out"))
    document.run.error_strategy = ErrorStrategy.FAIL_FAST
    service.pipelines.save(document, None)
    result = _wait(lambda: service.start_run(document.key))
    assert result.status is RunStatus.FAILED and "late" in (result.message or "")
    assert api.posts == []
    assert result.counts.written == 0 and result.counts.balanced


def test_a_branch_of_more_records_than_a_spool_block_posts_them_all_in_order(
    api: Api, tmp_path: Path, memory_keyring: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 1,300 b records: the spool writes blocks of 512 to its temporary file and reads
    # them back. The file (kept here under a name) holds records, not the bearer token.
    secret = "t0ken-from-the-keyring"
    memory_keyring.set_password("fieldwright", "api-token", secret)
    spools: dict[str, Path] = {}  # by prefix: the route's own spool is one too

    def spool_file(*, prefix: str, **_options: Any) -> Any:
        spools[prefix] = tmp_path / f"{prefix}spool.bin"
        return spools[prefix].open("w+b")

    monkeypatch.setattr(tempfile, "TemporaryFile", spool_file)
    rows = [{"n": n, "kind": "b", "v": n} for n in range(1, 1301)]
    data = _document(api.url + "/in", batch_size=500, auth={"type": "bearer"})
    document = data.model_dump(mode="json")
    document["steps"][1]["branches"][0]["target"]["connector"]["credential"] = {
        "username": "api-token"
    }
    pipeline = PipelineDocument.model_validate(document)
    result = _run(pipeline, tmp_path, rows).result
    assert result.status is RunStatus.COMPLETED, result.message
    assert api.accepted("/in") == rows
    assert [len(post.body) for post in api.posts] == [500, 500, 300]
    assert {post.authorization for post in api.posts} == {f"Bearer {secret}"}
    assert (result.counts.read, result.counts.written) == (1300, 1300)
    held = spools["fieldwright-http-"].read_bytes()
    assert len(held) > 10_000 and b"kind" in held
    assert secret.encode() not in held and b"Bearer" not in held


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[tuple[str, Callable[[], list[int]]]]:
    """A SQLite table a_rows: its URL, and a function reading its keys."""
    url = f"sqlite:///{tmp_path / 'dw.db'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text("CREATE TABLE a_rows (n INTEGER PRIMARY KEY, kind TEXT, v INTEGER)")
        )

    def rows() -> list[int]:
        with engine.connect() as connection:
            found = connection.execute(text("SELECT n FROM a_rows ORDER BY n"))
            return [int(n) for (n,) in found]

    yield url, rows
    engine.dispose()


def test_a_table_output_moves_before_the_branch_is_posted_with_its_credential(
    service: Service,
    api: Api,
    tmp_path: Path,
    memory_keyring: Any,
    warehouse: tuple[str, Callable[[], list[int]]],
) -> None:
    # The output is a SQL table: its move comes first, so when the API hears the branch
    # the table already holds the run's rows. The branch's bearer token comes from the
    # keyring and shows in no message or dead letter.
    secret = "t0ken-from-the-keyring"
    memory_keyring.set_password("fieldwright", "api-token", secret)
    url, rows = warehouse
    api.watch = rows
    _files(tmp_path)
    document = _document(api.url + "/in", auth={"type": "bearer"})
    data = document.model_dump(mode="json")
    data["steps"][1]["branches"][0]["target"]["connector"]["credential"] = {"username": "api-token"}
    data["source"]["connector"]["settings"] = {"path": str(tmp_path / "in.ndjson")}
    data["target"]["connector"] = {
        "kind": "sql",
        "settings": {"url": url, "table": "a_rows", "mode": "upsert", "key": ["n"]},
    }
    stored = PipelineDocument.model_validate(data)
    service.pipelines.save(stored, None)
    result = _wait(lambda: service.start_run(stored.key))
    assert result.status is RunStatus.COMPLETED, result.message
    assert api.accepted("/in") == B_ROWS
    assert {tuple(post.seen) for post in api.posts} == {(1, 4)}
    assert {post.authorization for post in api.posts} == {f"Bearer {secret}"}

    # The next run's second batch is refused: the table published first, the
    # endpoint's first batch after it; both are named, the secret nowhere.
    api.failing["/in"] = {api_batches(api) + 2}
    failed = _wait(lambda: service.start_run(stored.key))
    assert failed.status is RunStatus.FAILED
    message = failed.message or ""
    assert f"{api.url}/in: batch 2: HTTP 500" in message
    published = message.split("already published by this run (not undone): ")[1]
    assert published == f"{url} table 'a_rows'; {api.url}/in (batches 1-1: 2 records)"
    letters = service.dead_letters(failed.key).items
    assert [letter.step for letter in letters].count("split/bs") == 3
    assert secret not in message and all(secret not in letter.reason for letter in letters)

    # A reprocess sends the branch's unsent records to its endpoint again (the invalid
    # record fails its step again); the table gets nothing more.
    api.failing.clear()
    again = _wait(lambda: service.reprocess(failed.key))
    assert (again.counts.written, again.counts.failed) == (3, 1), again.message
    assert api.accepted("/in")[-5:] == B_ROWS
    assert rows() == [1, 4]


def api_batches(api: Api) -> int:
    """The distinct batches the API has heard at /in."""
    return len({post.key for post in api.posts if post.path == "/in"})
