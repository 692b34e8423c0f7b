-- Quality status of each report from its latest validation run
-- (docs/ARCHITECTURE.md "Check results and quality status"):
--   failed      an error check failed
--   incomplete  else template.complete failed or a check was not evaluable
--   warning     else a warning check failed
--   passed      otherwise
--   null        no check results yet
-- A view on purpose (see int_latest_check_results). Counts are count(), bigint on
-- both targets (a sum of 1s is HUGEINT in DuckDB).
{{ config(materialized='view') }}

with

reports as (

    select * from {{ ref('stg_reports') }}

),

latest_check_results as (

    select * from {{ ref('int_latest_check_results') }}

),

check_counts as (

    select
        report_id,
        max(run_id) as run_id,
        max(validated_at) as validated_at,
        count(*) as n_checks,
        count(case when status = 'passed' then 1 end) as n_passed,
        count(case when status = 'failed' and severity = 'error' then 1 end) as n_failed_error,
        count(case when status = 'failed' and severity = 'warning' then 1 end) as n_failed_warning,
        count(case when status = 'not_evaluable' then 1 end) as n_not_evaluable,
        count(case when status = 'failed' and check_id = 'template.complete' then 1 end)
            as n_template_incomplete
    from latest_check_results
    group by report_id

),

failed_check_ids as (

    select distinct report_id, check_id
    from latest_check_results
    where status = 'failed'

),

failed_check_lists as (

    select
        report_id,
        string_agg(check_id, ',' order by check_id) as failed_checks
    from failed_check_ids
    group by report_id

),

joined as (

    select
        reports.report_id,
        check_counts.run_id,
        check_counts.validated_at,
        coalesce(check_counts.n_checks, 0) as n_checks,
        coalesce(check_counts.n_passed, 0) as n_passed,
        coalesce(check_counts.n_failed_error, 0) as n_failed_error,
        coalesce(check_counts.n_failed_warning, 0) as n_failed_warning,
        coalesce(check_counts.n_not_evaluable, 0) as n_not_evaluable,
        coalesce(check_counts.n_template_incomplete, 0) as n_template_incomplete,
        failed_check_lists.failed_checks
    from reports
    left join check_counts
        on reports.report_id = check_counts.report_id
    left join failed_check_lists
        on reports.report_id = failed_check_lists.report_id

),

final as (

    select
        report_id,
        run_id,
        validated_at,
        n_checks,
        n_passed,
        n_failed_error,
        n_failed_warning,
        n_failed_error + n_failed_warning as n_failed,
        n_not_evaluable,
        failed_checks,
        case
            when n_checks = 0 then null
            when n_failed_error > 0 then 'failed'
            when n_template_incomplete > 0 or n_not_evaluable > 0 then 'incomplete'
            when n_failed_warning > 0 then 'warning'
            else 'passed'
        end as quality_status
    from joined

)

select * from final
