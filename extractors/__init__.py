"""Plain-Python extraction: read disclosure reports into canonical cells. No Airflow import here."""

PARSER_VERSION = "1.1.0"
