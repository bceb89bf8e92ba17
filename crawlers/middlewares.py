"""Downloader middlewares: what happens to each request and response on its way.

* :class:`ConditionalRequestMiddleware` — incremental re-crawl: If-None-Match / If-Modified-Since
  from the source's crawl state; a 304 means "unchanged" (its records are seen, nothing lands).
* :class:`BackoffRetryMiddleware` — Scrapy's retries (429, 5xx, timeouts) with exponential backoff
  and ``Retry-After``, so a struggling server is given time instead of a burst of retries.
* :class:`RedirectLimitMiddleware` — Scrapy's redirects, with "too many redirects" (a loop) counted.
* :class:`FaultReportMiddleware` — records every request that ended without a usable page, by type,
  for the manifest's crawl stats.
"""

from __future__ import annotations

import random
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor, task

from crawlers.runstate import crawl_state, record_failure

#: exception class name → fault type reported in the manifest
EXCEPTION_TYPES = {
    "DownloadTimeoutError": "timeout",
    "TimeoutError": "timeout",
    "TCPTimedOutError": "timeout",
    "DownloadCancelledError": "too_large",
    "CancelledError": "too_large",
    "DownloadConnectionRefusedError": "connection",
    "ConnectionRefusedError": "connection",
    "ConnectionLost": "connection",
    "ConnectionDone": "connection",
    "ResponseDataLossError": "connection",
    "ResponseNeverReceived": "connection",
    "ResponseFailed": "connection",
    "CannotResolveHostError": "dns",
    "DNSLookupError": "dns",
}


def fault_type(exc: BaseException) -> str:
    if isinstance(exc, IgnoreRequest):
        message = str(exc).lower()
        if "robots.txt" in message:
            return "robots_disallowed"
        if "redirection" in message:
            return "redirect_loop"
        return "ignored"
    return EXCEPTION_TYPES.get(type(exc).__name__, type(exc).__name__)


class ConditionalRequestMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.enabled = crawler.settings.getbool("JOBPOOL_INCREMENTAL")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if not self.enabled or request.meta.get("dont_condition"):
            return None
        found = crawl_state(self.crawler).validators(request.url)
        if found:
            etag, last_modified = found
            if etag:
                request.headers.setdefault(b"If-None-Match", etag.encode("latin-1"))
            if last_modified:
                request.headers.setdefault(b"If-Modified-Since", last_modified.encode("latin-1"))
        return None

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        if not self.enabled:
            return response
        state = crawl_state(self.crawler)
        if response.status == 304:
            n = state.page_unchanged(request.url)
            self.crawler.stats.inc_value("jobpool/pages_unchanged")
            raise IgnoreRequest(f"not modified (304): {n} record(s) unchanged at {request.url}")
        if response.status == 200:
            etag = response.headers.get(b"ETag")
            modified = response.headers.get(b"Last-Modified")
            if etag or modified:
                state.remember_page(response.url, etag and etag.decode("latin-1"),
                                    modified and modified.decode("latin-1"))
        return response


class BackoffRetryMiddleware(RetryMiddleware):
    """Waits ``RETRY_BACKOFF_BASE * 2**(n-1)`` seconds (± jitter, at most ``RETRY_BACKOFF_MAX``)
    before the n-th retry; a 429/503 ``Retry-After`` wins when it is longer (same cap)."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    def _delay(self, retry: Request, response: Response | None) -> float:
        n = retry.meta.get("retry_times", 1)
        delay = self.base * 2 ** (n - 1) * random.uniform(0.8, 1.2)
        after = response.headers.get(b"Retry-After") if response is not None else None
        if after:
            text = after.decode("latin-1").strip()
            try:
                delay = max(delay, float(text))
            except ValueError:
                try:
                    from datetime import UTC, datetime

                    delay = max(delay, (parsedate_to_datetime(text) - datetime.now(UTC)).total_seconds())
                except (TypeError, ValueError):
                    pass
        return max(0.0, min(delay, self.cap))

    async def _wait(self, retry: Request | None, response: Response | None) -> None:
        if retry is not None:
            delay = self._delay(retry, response)
            if delay > 0:
                await maybe_deferred_to_future(task.deferLater(reactor, delay, lambda: None))

    async def process_response(self, request: Request, response: Response,  # type: ignore[override]
                               spider: Spider | None = None) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await self._wait(result, response)
        return result

    async def process_exception(self, request: Request, exception: Exception,  # type: ignore[override]
                                spider: Spider | None = None) -> Request | Response | None:
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._wait(result, None)
        return result


class RedirectLimitMiddleware(RedirectMiddleware):
    """Scrapy's redirects; a cycle, or a chain longer than ``REDIRECT_MAX_TIMES``, is reported as a
    fault (under the URL the chain started from)."""

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if redirected.url in chain:  # a cycle; the dupefilter would drop it silently
            record_failure(self.crawler, chain[0], "redirect_loop", " -> ".join([*chain, redirected.url]))
            raise IgnoreRequest("redirect loop")
        try:
            return super()._redirect(redirected, request, reason)
        except IgnoreRequest as exc:
            record_failure(self.crawler, request.meta.get("redirect_urls", [request.url])[0], "redirect_loop",
                           str(exc))
            raise


class FaultReportMiddleware:
    """Sits closest to the engine, so it sees only final outcomes (after retries and redirects):
    a non-2xx answer that reached the spider, or an exception nothing recovered from."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FaultReportMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        if response.status >= 400 and not request.meta.get("dont_obey_robotstxt"):  # no robots.txt is fine
            record_failure(self.crawler, request.url, f"http_{response.status}", "")
        return response

    def process_exception(self, request: Request, exception: Exception, spider: Spider | None = None) -> None:
        if "not modified (304)" not in str(exception):
            record_failure(self.crawler, request.url, fault_type(exception), str(exception)[:300])
        return None
