-- Every stored change of an identity check result (raw.check_results holds
-- a row only when a result is new or differs from the one before), with
-- what the on-call alert names: agency, year, check, expected and observed,
-- and the source document. report.on_time rows are keyed on an expected
-- agency-year (int_publication.report_key), found or not: their agency and
-- year come from publication monitoring, their document from the report
-- first seen. Changes of reports (or registry entries) no longer in the
-- warehouse are left out. fct_check_results is its current rows.
-- Incremental on the report (macros/incremental_reports.sql): a build
-- recomputes the history of the reports (and agency-year keys) that a
-- validation run found since the latest last_seen_at it holds; a report's
-- rows depend on its own results and report context (int_report_context,
-- what dim_report says of it less the quality; or, for
-- report.on_time, its agency-year's publication row: validated again when
-- its int_check_inputs row changes). loaded_at is the report's generation,
-- for the stale-row drop (null for report.on_time keys).
-- depends_on: {{ ref('stg_check_results') }}
{{ config(**report_incremental('current_checked_reports')) }}

with

-- int_check_history of the reports to recompute (the filter before its windows)
check_history as (

    select * from (
        {{ check_history('select * from ' ~ ref('stg_check_results') ~ validated_since_watermark()) }}
    ) as check_history

),

reports as (

    select * from {{ ref('int_report_context') }}

),

publication as (

    select * from {{ ref('int_publication') }}

),

identity_checks as (

    select * from {{ ref('identity_checks') }}

),

final as (

    select

        ---------- ids
        check_history.report_id,
        check_history.check_id,
        check_history.subject,
        check_history.first_seen_run,
        check_history.last_seen_run,
        coalesce(reports.agency_id, {{ agency_id('publication.agency_name') }}) as agency_id,

        ---------- numerics
        check_history.expected,
        check_history.observed,
        check_history.difference,

        ---------- status
        check_history.severity,
        check_history.status,
        check_history.note,
        check_history.previous_status,
        check_history.change_kind,
        check_history.is_current,

        ---------- context
        coalesce(reports.agency_name, publication.agency_name) as agency_name,
        coalesce(reports.report_year, publication.report_year) as report_year,
        coalesce(reports.template, first_reports.template) as template,
        coalesce(reports.document, first_reports.document) as document,
        coalesce(reports.source_url, first_reports.source_url) as source_url,
        identity_checks.table_name as check_table,
        identity_checks.description_en,
        identity_checks.description_zh,

        ---------- timestamps
        check_history.first_seen_at,
        check_history.last_seen_at,

        ---------- generation and build time (macros/incremental_reports.sql)
        reports.loaded_at,
        {{ run_started() }} as built_at

    from check_history
    left join reports
        on check_history.report_id = reports.report_id
    left join publication
        on check_history.report_id = publication.report_key
    left join reports as first_reports
        on publication.report_id = first_reports.report_id
    left join identity_checks
        on check_history.check_id = identity_checks.check_id
    where reports.report_id is not null
        or publication.report_key is not null

)

select * from final
