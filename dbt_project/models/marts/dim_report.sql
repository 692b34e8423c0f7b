with

reports as (

    select * from {{ ref('stg_reports') }}

),

documents as (

    select * from {{ ref('stg_documents') }}

),

parse_issues as (

    select * from {{ ref('stg_parse_issues') }}

),

report_agencies as (

    select * from {{ ref('int_report_agencies') }}

),

report_quality as (

    select * from {{ ref('int_report_quality') }}

),

agency_year_reports as (

    select * from {{ ref('int_agency_year_reports') }}

),

issue_counts as (

    select
        report_id,
        count(*) as n_parse_issues
    from parse_issues
    group by report_id

),

final as (

    select

        ---------- ids
        reports.report_id,
        -- the registry name when the printed name is a registered name or alias (as dim_agency)
        case
            when reports.agency_name is not null
            then {{ agency_id('coalesce(agency_year_reports.agency_key, reports.agency_name)') }}
        end as agency_id,
        reports.sha256,

        ---------- report
        reports.agency_name,
        report_agencies.source_name as registry_name,
        reports.report_year,
        reports.template,
        reports.published_on,
        reports.published_on_source,

        ---------- document
        reports.document,
        documents.source_url,
        documents.file_format,
        documents.parse_status,
        reports.parser_version,
        documents.loaded_at,
        coalesce(issue_counts.n_parse_issues, 0) as n_parse_issues,

        ---------- quality (latest validation run)
        report_quality.quality_status,
        report_quality.n_failed as n_failed_checks,
        report_quality.n_not_evaluable as n_not_evaluable_checks,
        report_quality.run_id as check_run_id,
        report_quality.validated_at

    from reports
    left join report_agencies
        on reports.report_id = report_agencies.report_id
    left join documents
        on reports.sha256 = documents.sha256
    left join issue_counts
        on reports.report_id = issue_counts.report_id
    left join report_quality
        on reports.report_id = report_quality.report_id
    left join agency_year_reports
        on reports.report_id = agency_year_reports.report_id

)

select * from final
