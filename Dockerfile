# Image for server mode: Airflow 3 with this project's pinned dependencies and code.
FROM apache/airflow:3.3.2-python3.11

# LibreOffice reads Word 97-2003 / WPS files (.doc, .wps) inside the parse (extractors/readers/doc.py);
# without it such files are recorded as `document.converter_missing`. OCR (rapidocr) comes with the lock.
USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends libreoffice-writer-nogui fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
USER airflow

COPY --chown=airflow:root requirements.lock /opt/disclosure/requirements.lock
RUN pip install --no-cache-dir -r /opt/disclosure/requirements.lock

COPY --chown=airflow:root pyproject.toml README.md sources.yml /opt/disclosure/
COPY --chown=airflow:root extractors /opt/disclosure/extractors
COPY --chown=airflow:root warehouse /opt/disclosure/warehouse
COPY --chown=airflow:root expectations /opt/disclosure/expectations
COPY --chown=airflow:root alerts /opt/disclosure/alerts
COPY --chown=airflow:root pipeline /opt/disclosure/pipeline
COPY --chown=airflow:root dbt_project /opt/disclosure/dbt_project
COPY --chown=airflow:root dags /opt/disclosure/dags
COPY --chown=airflow:root plugins /opt/disclosure/plugins
COPY --chown=airflow:root docs /opt/disclosure/docs
RUN pip install --no-cache-dir --no-deps -e /opt/disclosure \
 && mkdir -p /opt/disclosure/var /opt/disclosure/input
