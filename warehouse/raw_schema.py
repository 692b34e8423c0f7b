"""DDL of the `raw` schema, written only by the loader and the check runner.

The SQL is the common subset of DuckDB and PostgreSQL so that both warehouse
targets share it. Every parsed row is keyed on (sha256, parser_version): a
document parsed again by the same parser version replaces nothing and adds
nothing; a new parser version adds a new generation that staging prefers.
"""

from __future__ import annotations

RAW_SCHEMA = "raw"

RAW_TABLES: dict[str, str] = {
    # One row per document and parser version: what was read and how it went.
    "documents": """
        sha256          varchar not null,
        parser_version  varchar not null,
        document        varchar not null,  -- file name as received
        source_url      varchar,           -- where it was fetched from, if fetched
        landing_path    varchar,           -- content-addressed copy in the landing zone
        format          varchar,           -- text / pdf / docx / html / unknown
        size_bytes      bigint,
        status          varchar not null,  -- parsed / failed / needs_ocr
        loaded_at       timestamp not null,
        primary key (sha256, parser_version)
    """,
    # One row per report found in a document (one today; two-in-one files later).
    "reports": """
        report_id       varchar not null,  -- first 16 hex digits of sha256
        sha256          varchar not null,
        parser_version  varchar not null,
        document        varchar not null,
        agency          varchar,
        report_year     integer,
        template        varchar,           -- gov2019 / gov2021 / narrative
        published_on    date,              -- when the agency published it (extractors.fetch.published)
        published_on_source varchar,       -- its hint: meta / page / url / signature / last_modified
        primary key (sha256, parser_version)
    """,
    # Statistical cells of the proactive, applications and appeals tables.
    "cells": """
        report_id       varchar not null,
        sha256          varchar not null,
        parser_version  varchar not null,
        table_name      varchar not null,  -- proactive / applications / appeals
        article_item    varchar,           -- proactive only: 20.1 ...
        row_code        varchar not null,  -- application row / proceeding / category
        column_code     varchar not null,  -- applicant / outcome / measure
        value           double precision,  -- null when absent: never 0 for missing
        raw_text        varchar,
        page            integer,
        line_no         integer,
        bbox            varchar,           -- JSON [x0, top, x1, bottom] for PDFs
        split           boolean,           -- split out of a flattened digit run (raw_text: the whole run);
                                           -- null: loaded before the column existed
        confidence      double precision,  -- OCR cells: their least sure character's confidence (0-1);
                                           -- null for cells not read by OCR
        primary key (sha256, parser_version, table_name, row_code, column_code)
    """,
    # Figures stated in sentences (收到申请10件 ...).
    "narrative_facts": """
        report_id       varchar not null,
        sha256          varchar not null,
        parser_version  varchar not null,
        fact            varchar not null,  -- e.g. applications_received
        seq             integer not null,  -- order among facts of the same name
        value           double precision,
        raw_text        varchar,
        page            integer,
        line_no         integer,
        primary key (sha256, parser_version, fact, seq)
    """,
    # The numbered parts of a report (一 总体情况 … 六 其他需要报告的事项) with their prose.
    "sections": """
        report_id       varchar not null,
        sha256          varchar not null,
        parser_version  varchar not null,
        section_no      integer not null,  -- 1 for 一 ... 6 for 六
        section_number  varchar not null,  -- the numeral as printed
        title           varchar not null,
        text            varchar not null,  -- non-table lines up to the next part, one per line; '' when none
        first_line      integer not null,  -- the heading's line
        last_line       integer not null,
        first_page      integer,
        last_page       integer,
        primary key (sha256, parser_version, section_no)
    """,
    "parse_issues": """
        report_id       varchar not null,
        sha256          varchar not null,
        parser_version  varchar not null,
        seq             integer not null,
        issue           varchar not null,  -- stable code, e.g. row.value_count_mismatch
        severity        varchar not null,  -- error / warning / info
        message         varchar not null,
        table_name      varchar,
        row_code        varchar,
        page            integer,
        line_no         integer,
        primary key (sha256, parser_version, seq)
    """,
    # One row per fetch attempt of a URL (retries and redirects inside it), written by
    # warehouse.fetch_log; a document's own row stays in `documents`, keyed on its sha256.
    "fetch_attempts": """
        attempt_id      varchar not null,  -- uuid of the attempt
        source          varchar,           -- registry entry name
        agency          varchar,
        report_year     integer,           -- as read from the link; null when unknown
        step            varchar,           -- run step that made the request: discover / fetch
        url             varchar not null,  -- as requested
        final_url       varchar,           -- after redirects (the refused hop when refused)
        status          varchar not null,  -- fetched / not_modified / failed / refused / too_large / robots_disallowed
        http_status     integer,
        content_type    varchar,
        etag            varchar,
        last_modified   varchar,           -- header text as sent
        content_length  varchar,           -- header text as sent
        size_bytes      bigint,            -- bytes received when fetched
        sha256          varchar,           -- landed copy (for not_modified: the copy already held)
        landing_path    varchar,
        tries           integer not null,  -- HTTP requests made, retries and redirect hops included
        fetched_at      timestamp not null,
        error           varchar,           -- "<code>: <detail>", code e.g. fetch.too_large
        primary key (attempt_id)
    """,
    # The source registry (sources.yml) as last loaded, replaced whole by
    # warehouse.registry_snapshot: which agency-year reports are expected (publication monitoring).
    "sources": """
        name            varchar not null,  -- registry name (unique)
        aliases         varchar,           -- other names its reports use, one per line; null when none
        region          varchar,
        division_code   varchar,           -- 6-digit administrative-division code
        level           varchar,           -- national / province / ... / department
        kind            varchar,           -- government (due 31 March) / department (31 January); null: not an agency
        first_year      integer not null,  -- first report year expected (registry default applied)
        last_year       integer,           -- last report year expected; null: open-ended
        example         boolean not null,  -- illustrative entry: never fetched, never monitored
        registered_at   timestamp not null,  -- first snapshot that held this name (monitoring began)
        snapshot_at     timestamp not null,  -- the snapshot this row belongs to
        primary key (name)
    """,
    # Identity check results stored as changes, written by expectations.run_checks after GX runs:
    # a row when a (report_id, check_id, subject) result is new or differs (status, expected,
    # observed, note) from the latest stored row of that key; a run that finds the same result
    # only moves that row's last_seen_run/last_seen_at, so a re-run with nothing new adds no row.
    # No primary key on purpose: DuckDB holds a key's whole index in memory on every insert
    # (bench/warehouse_scale.py). The runner keeps (report_id, check_id, subject, first_seen_run)
    # unique; dbt tests fct_check_results for one current row per key.
    "check_results": """
        report_id       varchar not null,
        check_id        varchar not null,
        subject         varchar not null,  -- applicant column, proceeding, row ...
        expected        double precision,
        observed        double precision,
        difference      double precision,
        severity        varchar not null,  -- error / warning
        status          varchar not null,  -- passed / failed / not_evaluable
        note            varchar,           -- not_evaluable: why; narrative.applications: which figure matched
        first_seen_run  varchar not null,  -- the run that first found this result
        first_seen_at   timestamp not null,
        last_seen_run   varchar not null,  -- the latest run that found it unchanged
        last_seen_at    timestamp not null
    """,
    # On-call alert state, written by alerts.state: one row per failure alerted on.
    # The key is agency + year + check + subject (report:<report_id> when agency or year is
    # unknown), not the report: a corrected re-publication (another sha256) resolves the alert
    # of the version it replaces. `fingerprint` is expected|observed as compared: a failure with
    # the same fingerprint is not alerted again; another fingerprint is alerted as changed.
    "alert_log": """
        alert_key         varchar not null,  -- agency|year|check_id|subject or report:<id>|check_id|subject
        agency            varchar,
        report_year       integer,
        check_id          varchar not null,
        subject           varchar not null,
        severity          varchar not null,  -- error: paged / warning: daily digest
        report_id         varchar not null,  -- the report version it was last seen on
        sha256            varchar,
        fingerprint       varchar not null,  -- expected|observed, e.g. 5|0
        expected          double precision,
        observed          double precision,
        state             varchar not null,  -- open / resolved
        first_alerted_at  timestamp not null,
        last_alerted_at   timestamp not null,  -- last message about it (new, changed, resolved)
        resolved_at       timestamp,
        run_id            varchar not null,  -- validation run that last saw it failing or resolved it
        primary key (alert_key)
    """,
    # One row per daily digest of failed `warning` checks sent (UTC day): at most one a day.
    "alert_digests": """
        digest_date       date not null,
        sent_at           timestamp not null,
        run_id            varchar not null,
        n_failures        integer not null,
        n_resolved        integer not null,
        primary key (digest_date)
    """,
    # What the last successful transform was built from (one row; warehouse.transform_code).
    "transform_code": """
        fingerprint       varchar not null,  -- sha256 of the dbt project's code
        built_at          timestamp,
        raw_inputs        varchar,           -- JSON: per raw table [rows, latest write or digest]
        as_of_date        varchar            -- the date publication was judged by
    """,
}


# Columns added after a table was first released: a warehouse created before gets them on connect.
ADDED_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "reports": (("published_on_source", "varchar"),),
    "fetch_attempts": (("step", "varchar"),),
    "sources": (("last_year", "integer"),),
    "cells": (("split", "boolean"), ("confidence", "double precision")),
    "transform_code": (("raw_inputs", "varchar"), ("as_of_date", "varchar")),
}


# A warehouse from before check results were stored as changes: each old row becomes one change
# (run_id -> first and last seen run). Both targets read these statements alike.
CHECK_RESULTS_UPGRADE = (
    "alter table raw.check_results rename column run_id to first_seen_run",
    "alter table raw.check_results rename column validated_at to first_seen_at",
    "alter table raw.check_results add column note varchar",
    "alter table raw.check_results add column last_seen_run varchar",
    "alter table raw.check_results add column last_seen_at timestamp",
    "update raw.check_results set last_seen_run = first_seen_run, last_seen_at = first_seen_at",
)
UPGRADE_NEEDED_SQL = (
    "select count(*) from information_schema.columns "
    "where table_schema = 'raw' and table_name = 'check_results' and column_name = 'run_id'"
)


def create_statements() -> list[str]:
    """`create schema`, `create table if not exists` for every raw table, and its added columns."""
    statements = [f"create schema if not exists {RAW_SCHEMA}"]
    for name, columns in RAW_TABLES.items():
        statements.append(f"create table if not exists {RAW_SCHEMA}.{name} ({columns})")
    for name, added in ADDED_COLUMNS.items():
        statements += [f"alter table {RAW_SCHEMA}.{name} add column if not exists {c} {t}" for c, t in added]
    return statements
