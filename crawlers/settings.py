"""Crawl behaviour as configuration. Politeness is on by default; a source can override any of it
in crawlers/sources.toml (``settings`` table)."""

BOT_NAME = "jobpool"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"
USER_AGENT = "JobPoolBot/0.1 (+https://example.org/jobpool; public employment service aggregator)"

# Politeness
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 10.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 8
# Scrapy starts CONCURRENT_ITEMS asyncio workers for every callback result; the pipelines are
# synchronous, so a few suffice (100, the default, costs ~30 % of CPU on a one-posting-per-page board)
CONCURRENT_ITEMS = 4
DOWNLOAD_DELAY = 0.0

# Robustness against hostile or broken sites
DOWNLOAD_TIMEOUT = 20
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
RETRY_BACKOFF_BASE = 1.0  # seconds before the 1st retry, doubled for each further one (± 20 % jitter)
RETRY_BACKOFF_MAX = 60.0  # cap, also for a server's Retry-After
REDIRECT_MAX_TIMES = 5
CLOSESPIDER_TIMEOUT = 1800  # crawl deadline, seconds: what was crawled by then still lands

DOWNLOADER_MIDDLEWARES = {
    # closest to the engine: sees only final outcomes (after retries, redirects)
    "crawlers.middlewares.FaultReportMiddleware": 50,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawlers.middlewares.BackoffRetryMiddleware": 550,
    "crawlers.middlewares.ConditionalRequestMiddleware": 560,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawlers.middlewares.RedirectLimitMiddleware": 600,
}

# Incremental re-crawl (crawlers/state.py): conditional requests, unchanged records not landed again,
# records gone from the board reported as not seen; a record missing this many days is forgotten.
JOBPOOL_INCREMENTAL = True
JOBPOOL_STATE_FORGET_DAYS = 30

ITEM_PIPELINES = {
    "crawlers.pipelines.RequiredFieldsPipeline": 100,
    "crawlers.pipelines.IncrementalPipeline": 500,
    "crawlers.pipelines.LandingPipeline": 900,
}

# Broad-crawl advice from Scrapy's docs: job boards need no session, and cookies cost CPU per request
# (a board that needs them sets COOKIES_ENABLED = true in its registry entry)
COOKIES_ENABLED = False

DEFAULT_DROPITEM_LOG_LEVEL = "DEBUG"
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
