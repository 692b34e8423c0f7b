-- One row per report: its context (int_report_context) and the quality of
-- its latest validation run, from its current check results
-- (fct_check_results, a table the marts build keeps current after GX):
--   failed      an error check failed
--   incomplete  else template.complete failed or a check was not evaluable
--   warning     else a warning check failed
--   passed      otherwise
--   null        no check results yet
-- (docs/ARCHITECTURE.md "Check results and quality status"). Counts are
-- count(), bigint on both targets (a sum of 1s is HUGEINT in DuckDB).
with

reports as (

    select * from {{ ref('int_report_context') }}

),

check_results as (

    select * from {{ ref('fct_check_results') }}

),

check_counts as (

    select
        report_id,
        max(run_id) as run_id,
        max(validated_at) as validated_at,
        count(*) as n_checks,
        count(case when status = 'failed' and severity = 'error' then 1 end) as n_failed_error,
        count(case when status = 'failed' and severity = 'warning' then 1 end) as n_failed_warning,
        count(case when status = 'not_evaluable' then 1 end) as n_not_evaluable,
        count(case when status = 'failed' and check_id = 'template.complete' then 1 end)
            as n_template_incomplete
    from check_results
    group by report_id

),

final as (

    select

        ---------- ids
        reports.report_id,
        reports.agency_id,
        reports.sha256,

        ---------- report
        reports.agency_name,
        reports.registry_name,
        reports.report_year,
        reports.template,
        reports.published_on,
        reports.published_on_source,

        ---------- document
        reports.document,
        reports.source_url,
        reports.file_format,
        reports.parse_status,
        reports.parser_version,
        reports.loaded_at,
        reports.n_parse_issues,

        ---------- quality (latest validation run)
        case
            when check_counts.n_checks is null then null
            when check_counts.n_failed_error > 0 then 'failed'
            when check_counts.n_template_incomplete > 0 or check_counts.n_not_evaluable > 0 then 'incomplete'
            when check_counts.n_failed_warning > 0 then 'warning'
            else 'passed'
        end as quality_status,
        coalesce(check_counts.n_failed_error + check_counts.n_failed_warning, 0) as n_failed_checks,
        coalesce(check_counts.n_not_evaluable, 0) as n_not_evaluable_checks,
        check_counts.run_id as check_run_id,
        check_counts.validated_at

    from reports
    left join check_counts
        on reports.report_id = check_counts.report_id

)

select * from final
