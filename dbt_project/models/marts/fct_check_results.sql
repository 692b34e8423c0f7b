-- Row-level identity results of each report's latest validation run, with
-- what the on-call alert names: agency, year, check, expected and observed,
-- and the source document. report.on_time rows are keyed on an expected
-- agency-year (int_publication.report_key), found or not: their agency and
-- year come from publication monitoring, their document from the report
-- first seen. Results of reports (or registry entries) no longer in the
-- warehouse are left out.
with

latest_check_results as (

    select * from {{ ref('int_latest_check_results') }}

),

reports as (

    select * from {{ ref('dim_report') }}

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
        latest_check_results.report_id,
        latest_check_results.check_id,
        latest_check_results.subject,
        latest_check_results.run_id,
        coalesce(reports.agency_id, {{ agency_id('publication.agency_name') }}) as agency_id,

        ---------- numerics
        latest_check_results.expected,
        latest_check_results.observed,
        latest_check_results.difference,

        ---------- status
        latest_check_results.severity,
        latest_check_results.status,

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
        latest_check_results.validated_at

    from latest_check_results
    left join reports
        on latest_check_results.report_id = reports.report_id
    left join publication
        on latest_check_results.report_id = publication.report_key
    left join reports as first_reports
        on publication.report_id = first_reports.report_id
    left join identity_checks
        on latest_check_results.check_id = identity_checks.check_id
    where reports.report_id is not null
        or publication.report_key is not null

)

select * from final
