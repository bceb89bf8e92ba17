"""The Airflow Assets JobPool's DAGs exchange. Kept free of heavy imports: DAG files import it."""

from __future__ import annotations

from airflow.sdk import Asset

#: Any new landing batch (crawl or feed). The event's extra names the source and batch.
LANDING = Asset(name="jobpool_landing", uri="file:///jobpool/landing")

#: The published tables were replaced (apps and downstream DAGs can listen to this).
PUBLISHED = Asset(name="jobpool_published", uri="file:///jobpool/published")
