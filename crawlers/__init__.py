"""Scrapy project: one spider per board (``spiders/``), JobPosting extraction (``jobposting.py``),
politeness in ``settings.py`` and landing as an item pipeline (``pipelines.py``)."""
