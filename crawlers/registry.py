"""The crawl source registry (crawlers/sources.toml, or the file named by JOBPOOL_SOURCES)."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_REGISTRY = Path(__file__).with_name("sources.toml")
_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")


@dataclass(frozen=True)
class CrawlSource:
    name: str
    spider: str
    sitemap: str | None = None
    url: str | None = None
    schedule: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    #: further spider arguments (``-a key=value``), e.g. ``follow = 2`` for the jobposting spider
    args: dict[str, Any] = field(default_factory=dict)

    def resolved(self) -> CrawlSource:
        """The entry with ${VAR} filled in; a missing variable is an error naming the source."""

        def fill(value: str | None) -> str | None:
            if value is None:
                return None

            def sub(match: re.Match[str]) -> str:
                var = match.group(1)
                if var not in os.environ:
                    raise KeyError(f"crawl source {self.name!r} needs environment variable {var}")
                return os.environ[var].rstrip("/")

            return _VAR.sub(sub, value)

        return CrawlSource(self.name, self.spider, fill(self.sitemap), fill(self.url), self.schedule,
                           dict(self.settings), dict(self.args))


def registry_path() -> Path:
    return Path(os.environ.get("JOBPOOL_SOURCES", DEFAULT_REGISTRY))


def _urls(value: str | list[str] | None) -> str | None:
    """A URL or a list of URLs (TOML array) as the comma-separated text spiders take."""
    if isinstance(value, list):
        return ",".join(value) or None
    return value


def load_sources(path: Path | None = None) -> dict[str, CrawlSource]:
    with open(path or registry_path(), "rb") as fh:
        data = tomllib.load(fh)
    sources = {}
    for name, entry in data.items():
        if "spider" not in entry:
            raise ValueError(f"crawl source {name!r} in {path or registry_path()} has no spider")
        sources[name] = CrawlSource(
            name=name,
            spider=entry["spider"],
            sitemap=_urls(entry.get("sitemap")),
            url=_urls(entry.get("url")),
            schedule=entry.get("schedule"),
            settings=dict(entry.get("settings", {})),
            args=dict(entry.get("args", {})),
        )
    return sources
