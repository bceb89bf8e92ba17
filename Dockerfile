# JobPool image: Airflow 3.3 + this project with its pinned dependencies (requirements.lock).
FROM python:3.11-slim-bookworm

ENV PIP_NO_CACHE_DIR=1 \
    PYTHONUNBUFFERED=1 \
    AIRFLOW_HOME=/opt/airflow \
    JOBPOOL_HOME=/data

RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/jobpool
COPY requirements.lock pyproject.toml ./
RUN pip install uv==0.13.8 && uv pip install --system -r requirements.lock
# the production packages, in layer order (demo/ and tests/ stay out of the image)
COPY landing ./landing
COPY crawlers ./crawlers
COPY feeds ./feeds
COPY transforms ./transforms
COPY warehouse ./warehouse
COPY circle ./circle
COPY jobpool ./jobpool
COPY dags ./dags
COPY scrapy.cfg ./
RUN uv pip install --system --no-deps -e .

RUN useradd --uid 50000 --create-home airflow && mkdir -p /data /opt/airflow \
    && chown -R airflow /data /opt/airflow
USER airflow
ENTRYPOINT ["airflow"]
