"""Sources, part 1: the Scrapy project (``scrapy crawl <spider>`` from the repository root).

Owns: what a crawled record is (``items.py``), one spider per board (``spiders/``), schema.org
JobPosting extraction (``jobposting.py``), politeness and retries (``settings.py``,
``middlewares.py``), landing as an item pipeline (``pipelines.py``), the crawl source registry
(``sources.toml``, ``registry.py``) and per-source crawl state (``state.py``, ``runstate.py``).

May import: ``landing``. Nothing downstream imports it except the entry points (``jobpool``, ``dags``).
"""
