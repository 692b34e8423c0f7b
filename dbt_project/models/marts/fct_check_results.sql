-- Row-level identity results of each report's latest validation run, with
-- what the on-call alert names: agency, year, check, expected and observed,
-- and the source document.
with

latest_check_results as (

    select * from {{ ref('int_latest_check_results') }}

),

reports as (

    select * from {{ ref('dim_report') }}

),

identity_checks as (

    select * from {{ ref('identity_checks') }}

),

final as (

    select

        ---------- ids
        latest_check_results.report_id,
        latest_check_results.check_id,
        latest_check_results.subject,
        latest_check_results.run_id,
        reports.agency_id,

        ---------- numerics
        latest_check_results.expected,
        latest_check_results.observed,
        latest_check_results.difference,

        ---------- status
        latest_check_results.severity,
        latest_check_results.status,

        ---------- context
        reports.agency_name,
        reports.report_year,
        reports.template,
        reports.document,
        reports.source_url,
        identity_checks.table_name as check_table,
        identity_checks.description_en,
        identity_checks.description_zh,

        ---------- timestamps
        latest_check_results.validated_at

    from latest_check_results
    inner join reports
        on latest_check_results.report_id = reports.report_id
    left join identity_checks
        on latest_check_results.check_id = identity_checks.check_id

)

select * from final
