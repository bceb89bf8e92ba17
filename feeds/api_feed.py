"""Paged JSON HTTP APIs: fetch every page, spool the jobs to a JSON-lines file, land that file.

Two paging styles cover the partner APIs we see (options in the partner's mapping):

* ``paging = "page"`` — ``?page=N&per_page=M`` (names configurable; Zhaopin-style). Stops at an empty
  or short page, or when ``total`` (a dotted path, e.g. ``data.numFound``) jobs have been read.
* ``paging = "next"`` — follow a next link: a dotted path in the body (``next = "links.next"``) or,
  without one, the ``Link: <…>; rel="next"`` header (Greenhouse Harvest-style).

Spooling first makes the pull one delivered file: its checksum is the batch id (exactly once), the
write is atomic (a crash mid-pull leaves only a ``.part`` file, never a half batch).
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feeds.base import FeedError, FeedSpec
from feeds.json_feed import dig, job_list, max_depth
from landing.safejson import JSONLimitError, loads_limited

MAX_PAGE_BYTES = 64 * 1024**2
_LINK_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?', re.IGNORECASE)


@dataclass
class Pull:
    path: Path  # the spooled JSON-lines file
    url: str
    pages: int
    jobs: int


def _get(url: str, timeout: float, depth: int) -> tuple[Any, dict[str, str]]:
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "jobpool-feeds/1"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310 - partner URLs are configured
            body = resp.read(MAX_PAGE_BYTES + 1)
            headers = dict(resp.headers.items())
    except urllib.error.HTTPError as exc:
        raise FeedError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise FeedError(f"{url}: cannot fetch ({exc})") from exc
    if len(body) > MAX_PAGE_BYTES:
        raise FeedError(f"{url}: page over {MAX_PAGE_BYTES} bytes")
    try:
        return loads_limited(body.decode("utf-8-sig"), depth, max_bytes=None), headers
    except JSONLimitError as exc:
        raise FeedError(f"{url}: {exc}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedError(f"{url}: invalid JSON page: {exc}") from exc


def _with_params(url: str, params: dict[str, Any]) -> str:
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    query.update({k: str(v) for k, v in params.items()})
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def iter_pages(url: str, spec: FeedSpec) -> Any:
    """Yield ``(page_url, jobs)`` for every page of the API, in order."""
    opts = spec.options
    paging = opts.get("paging", "page")
    timeout = float(opts.get("timeout", 30))
    max_pages = int(opts.get("max_pages", 10_000))
    depth = max_depth(spec)
    if paging == "page":
        per_page = int(opts.get("per_page", 100))
        page = int(opts.get("first_page", 1))
        read = 0
        for _ in range(max_pages):
            page_url = _with_params(url, {opts.get("page_param", "page"): page,
                                          opts.get("per_page_param", "per_page"): per_page})
            data, _headers = _get(page_url, timeout, depth)
            jobs = job_list(data, spec, page_url)
            if not jobs:
                return
            yield page_url, jobs
            read += len(jobs)
            total = dig(data, opts["total"]) if opts.get("total") else None
            if len(jobs) < per_page or (isinstance(total, int) and read >= total):
                return
            page += 1
        raise FeedError(f"{url}: more than {max_pages} pages; raise max_pages if this is expected")
    if paging == "next":
        seen: set[str] = set()
        next_url: str | None = url
        while next_url:
            if next_url in seen:
                raise FeedError(f"{url}: next link loops back to {next_url}")
            if len(seen) >= max_pages:
                raise FeedError(f"{url}: more than {max_pages} pages; raise max_pages if this is expected")
            seen.add(next_url)
            data, headers = _get(next_url, timeout, depth)
            yield next_url, job_list(data, spec, next_url)
            if opts.get("next"):
                link = dig(data, opts["next"])
            else:
                match = _LINK_NEXT.search(headers.get("Link", "") or headers.get("link", ""))
                link = match.group(1) if match else None
            next_url = urllib.parse.urljoin(next_url, link) if link else None
        return
    raise FeedError(f"source {spec.source}: unknown paging {paging!r} (page or next)")


def pull(url: str, spec: FeedSpec, spool_dir: Path) -> Pull:
    """Fetch every page into ``spool_dir/<source>-<id>.jsonl`` (renamed into place when complete)."""
    spool_dir.mkdir(parents=True, exist_ok=True)
    name = f"{spec.source}-{uuid.uuid4().hex[:12]}.jsonl"
    part = spool_dir / (name + ".part")
    pages = jobs = 0
    try:
        with open(part, "w", encoding="utf-8") as fh:
            for _page_url, page_jobs in iter_pages(url, spec):
                pages += 1
                for job in page_jobs:
                    fh.write(json.dumps(job, ensure_ascii=False, sort_keys=True) + "\n")
                    jobs += 1
            fh.flush()
            os.fsync(fh.fileno())
        if jobs == 0:
            raise FeedError(f"{url}: the API returned no jobs")
        final = spool_dir / name
        os.replace(part, final)
        return Pull(final, url, pages, jobs)
    finally:
        part.unlink(missing_ok=True)
