"""How API pagination is described, and the guard that keeps it from looping forever.

An API can page wrongly in ways no single request shows: a new cursor every
page over the same records, page numbers or offsets it ignores (always the
same full page), a new ``Link: rel="next"`` every time. `PageGuard` stops such
a source with a message saying why:

* a page whose records are exactly those of an earlier page (the API ignores
  the page, offset or cursor it was sent);
* more than `max_pages` pages (default `DEFAULT_MAX_PAGES`);
* reading for longer than `run_timeout` seconds (default `DEFAULT_RUN_TIMEOUT`).

Every limit is a setting of the connection (``max_pages``, ``run_timeout``,
``detect_repeats``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

__all__ = [
    "DEFAULT_MAX_PAGES",
    "DEFAULT_RUN_TIMEOUT",
    "CursorPagination",
    "LinkPagination",
    "OffsetPagination",
    "PageGuard",
    "PageNumberPagination",
    "Pagination",
]

#: Pages an HTTP source reads at most unless its connection says otherwise.
DEFAULT_MAX_PAGES = 10_000
#: Seconds an HTTP source may spend reading unless its connection says otherwise.
DEFAULT_RUN_TIMEOUT = 3_600.0


@dataclass(frozen=True, slots=True)
class PageNumberPagination:
    """``?page=1&per_page=100``, then 2, 3 … until a page has fewer than `size` records."""

    page_param: str = "page"
    size_param: str | None = "per_page"
    start: int = 1
    size: int = 100


@dataclass(frozen=True, slots=True)
class OffsetPagination:
    """``?offset=0&limit=100``, then 100, 200 … until a page has fewer than `limit` records."""

    offset_param: str = "offset"
    limit_param: str = "limit"
    limit: int = 100
    start: int = 0


@dataclass(frozen=True, slots=True)
class CursorPagination:
    """The next page's cursor is at `cursor_path` in the body, sent back as `cursor_param`."""

    cursor_path: str = "next_cursor"
    cursor_param: str = "cursor"


@dataclass(frozen=True, slots=True)
class LinkPagination:
    """Follow the ``Link`` header's ``rel="next"`` URL until there is none."""


Pagination = PageNumberPagination | OffsetPagination | CursorPagination | LinkPagination

_IGNORED = {
    PageNumberPagination: "the page number",
    OffsetPagination: "the offset",
    CursorPagination: "the cursor",
    LinkPagination: "the next link",
}


def _pages(count: int) -> str:
    return f"{count:,} page{'' if count == 1 else 's'}"


class PageGuard:
    """Counts pages, watches the clock and remembers each page's records (see the module).

    `before_page` is called before a page is requested, `after_page` with its
    records; each returns a reason to stop, or None.
    """

    def __init__(
        self,
        pagination: Pagination | None,
        *,
        max_pages: int,
        run_timeout: float,
        detect_repeats: bool,
        clock: Callable[[], float],
    ) -> None:
        self.pagination = pagination
        self.max_pages = max_pages
        self.run_timeout = run_timeout
        self.detect_repeats = detect_repeats
        self._clock = clock
        self._started: float | None = None
        self._seen: dict[bytes, int] = {}

    def before_page(self, page: int) -> str | None:
        """Why page `page` (1-based) must not be fetched, or None."""
        now = self._clock()
        if self._started is None:
            self._started = now
        if page > self.max_pages:
            return (
                f"stopped after {_pages(self.max_pages)}, the limit (max_pages), while the API "
                "still offered a next page; if the source really has more, raise max_pages in "
                "the connection's settings"
            )
        elapsed = now - self._started
        if elapsed > self.run_timeout:
            return (
                f"stopped after {_pages(page - 1)}: reading took {elapsed:,.0f} s, more than the "
                f"{self.run_timeout:,.0f} s allowed (run_timeout); raise run_timeout in the "
                "connection's settings if the source is that slow"
            )
        return None

    def after_page(self, page: int, records: list[Any]) -> str | None:
        """Why the source must stop after reading `records` as page `page`, or None."""
        if not self.detect_repeats or not records or self.pagination is None:
            return None
        digest = hashlib.sha256(orjson.dumps(records, option=orjson.OPT_SORT_KEYS)).digest()
        earlier = self._seen.get(digest)
        if earlier is not None:
            ignored = _IGNORED[type(self.pagination)]
            return (
                f"page {page} holds the same {len(records)} records as page {earlier}: the API "
                f"seems to ignore {ignored} and would repeat them forever; stopping (set "
                "detect_repeats to false in the connection's settings if pages may repeat)"
            )
        self._seen[digest] = page
        return None
