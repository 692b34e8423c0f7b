-- The failed check ids of each report's latest validation run, one row per
-- report and check: the child table of dim_report that BI filters and
-- counts on (what used to be a comma-separated string). From the current
-- check results fct_check_results holds.
with

check_results as (

    select * from {{ ref('fct_check_results') }}

),

reports as (

    select * from {{ ref('dim_report') }}

),

failed as (

    select
        report_id,
        check_id,
        max(severity) as severity,
        count(*) as n_failed_subjects
    from check_results
    where status = 'failed'
    group by report_id, check_id

),

final as (

    select

        ---------- ids
        failed.report_id,
        failed.check_id,
        reports.agency_id,
        reports.report_year,

        ---------- status
        failed.severity,

        ---------- numerics
        failed.n_failed_subjects

    from failed
    inner join reports
        on failed.report_id = reports.report_id

)

select * from final
