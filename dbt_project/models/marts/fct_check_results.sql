-- The current identity check results (fct_check_history's current rows):
-- each report's latest validation run, with the alert's context and its
-- on-call state:
--   new         fails, first found in the latest run
--   open        fails, found before
--   resolved    a failure that does not fail any more: the check passes (or is
--               not evaluable) now, or a corrected version of the report (the
--               agency-year's primary version, int_agency_year_reports) no
--               longer fails it
--   superseded  fails on a version another version replaced, which fails it too
--   null        passes or is not evaluable and never failed
-- state_at: when the state began (for "new / resolved since the last run").
-- Incremental on the report (macros/incremental_reports.sql): a build
-- recomputes, from the current rows of fct_check_history, the reports whose
-- rows can have changed since the build that wrote the held ones
-- (check_results_scope); the latest run and the primary versions' results are
-- read whole, so a recomputed report gets the rows a full refresh gives.
-- depends_on: {{ ref('stg_check_results') }}
{{ config(**report_incremental('current_checked_reports')) }}

with

agency_year_reports as (

    select * from {{ ref('int_agency_year_reports') }}

),

-- fct_check_history is read in three places, each for what it needs: a CTE
-- over it read more than once would be materialized whole by DuckDB
latest_run as (

    select max(last_seen_at) as last_seen_at
    from {{ ref('fct_check_history') }}
    where is_current

),

replaced_versions as (

    select
        replaced.report_id,
        primary_version.report_id as current_report_id
    from agency_year_reports as replaced
    inner join agency_year_reports as primary_version
        on replaced.agency_key = primary_version.agency_key
        and replaced.report_year = primary_version.report_year
        and primary_version.version_rank = 1
    where replaced.version_rank > 1

),

{{ check_results_scope() }}

-- the history of the reports to recompute, then their current results
rebuilt_history as (

    select * from {{ ref('fct_check_history') }}
    {{- changed_reports_only() }}

),

rebuilt_results as (

    select * from rebuilt_history
    where is_current

),

primary_results as (

    select * from {{ ref('fct_check_history') }}
    where is_current
        and report_id in (select replaced_versions.current_report_id from replaced_versions)

),

checked_reports as (

    select
        report_id,
        min(first_seen_at) as first_checked_at
    from primary_results
    group by report_id

),

failed_keys as (

    select report_id, check_id, subject
    from primary_results
    where status = 'failed'

),

states as (

    select
        rebuilt_results.*,
        replaced_versions.current_report_id as replaced_by,
        case
            when rebuilt_results.status = 'failed' and checked_reports.report_id is not null
            then case when failed_keys.report_id is null then 'resolved' else 'superseded' end
            when rebuilt_results.status = 'failed'
                and rebuilt_results.change_kind = 'new'
                and rebuilt_results.first_seen_at = latest_run.last_seen_at
            then 'new'
            when rebuilt_results.status = 'failed' then 'open'
            when rebuilt_results.change_kind = 'resolved' then 'resolved'
        end as alert_state,
        case
            when rebuilt_results.status = 'failed' and checked_reports.report_id is not null
            then checked_reports.first_checked_at
            else rebuilt_results.first_seen_at
        end as state_at
    from rebuilt_results
    cross join latest_run
    left join replaced_versions
        on rebuilt_results.report_id = replaced_versions.report_id
    left join checked_reports
        on replaced_versions.current_report_id = checked_reports.report_id
    left join failed_keys
        on replaced_versions.current_report_id = failed_keys.report_id
        and rebuilt_results.check_id = failed_keys.check_id
        and rebuilt_results.subject = failed_keys.subject

),

final as (

    select

        ---------- ids
        report_id,
        check_id,
        subject,
        last_seen_run as run_id,
        first_seen_run,
        agency_id,
        replaced_by,

        ---------- numerics
        expected,
        observed,
        difference,

        ---------- status
        severity,
        status,
        note,
        alert_state,

        ---------- context
        agency_name,
        report_year,
        template,
        document,
        source_url,
        check_table,
        description_en,
        description_zh,

        ---------- timestamps
        last_seen_at as validated_at,
        first_seen_at,
        state_at,

        ---------- generation and build time (macros/incremental_reports.sql)
        loaded_at,
        {{ run_started() }} as built_at

    from states

)

select * from final
