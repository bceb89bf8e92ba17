"""Task defaults every JobPool DAG shares. Standard library only: DAG files import it at parse time.

Every task touches landing or the warehouse and is idempotent (a feed lands once by checksum and
inbox files are claimed atomically; a crawl lands only what changed; each process step rebuilds its
staging tables or commits in one transaction), so a retry is always safe. Retries absorb what a busy
machine throws at a first attempt: an api-server not ready yet, a read timeout on the Execution API,
a warehouse briefly locked. Three tries 10 s apart cover ~30 s of that without hiding a real fault
for long.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

RETRY_ARGS: dict[str, Any] = {"retries": 3, "retry_delay": timedelta(seconds=10)}
