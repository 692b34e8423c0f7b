"""The Asset the ingest DAG produces and the transform DAG is scheduled on."""

from __future__ import annotations

from airflow.sdk import Asset

# Updated whenever the loader has written the `raw` schema of the warehouse.
RAW_WAREHOUSE = Asset(name="disclosure_raw", uri="disclosure://warehouse/raw", group="disclosure")
