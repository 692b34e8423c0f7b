-- Every report with its agency, provenance and parse issue count: dim_report
-- less the quality of its latest validation run. fct_check_history reads
-- its report context here, not from dim_report, because dim_report reads
-- the current check results that fct_check_history's rows become
-- (fct_check_results).
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
        -- the registry name when the printed name is a registered name or
        -- alias (as dim_agency), for a report of a known year
        -- (int_agency_year_reports.agency_key)
        case
            when reports.agency_name is not null
            then {{ agency_id(
                'case when reports.report_year is not null then report_agencies.agency_key else reports.agency_name end'
            ) }}
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
        coalesce(issue_counts.n_parse_issues, 0) as n_parse_issues

    from reports
    left join report_agencies
        on reports.report_id = report_agencies.report_id
    left join documents
        on reports.sha256 = documents.sha256
    left join issue_counts
        on reports.report_id = issue_counts.report_id

)

select * from final
