-- Every report with its agency and year: the agency is the registry name
-- when the printed name is a registered name or alias (int_report_agencies),
-- else the printed name. first_seen_at is when we first held the document:
-- its earliest fetch attempt that landed or confirmed the sha256, or its
-- first load when that came earlier (a file read from a folder).
-- version_rank orders the reports of one agency and year: most non-null
-- cells, then the latest loaded, then report_id (1 = the primary report).
-- A table: a view counted every report's cells again wherever it was read
-- (about 1 s each at 100,000 reports: publication monitoring, its tests,
-- the check inputs, the current check results, the agency-year marts).
{{ config(materialized='table') }}

with

reports as (

    select * from {{ ref('stg_reports') }}

),

documents as (

    select * from {{ ref('stg_documents') }}

),

cells as (

    select * from {{ ref('stg_cells') }}

),

fetch_attempts as (

    select * from {{ ref('stg_fetch_attempts') }}

),

report_agencies as (

    select * from {{ ref('int_report_agencies') }}

),

first_fetches as (

    select
        sha256,
        min(fetched_at) as first_fetched_at
    from fetch_attempts
    where fetch_status in ('fetched', 'not_modified')
        and sha256 is not null
    group by sha256

),

cell_counts as (

    select
        report_id,
        count(value) as n_cells_present
    from cells
    group by report_id

),

joined as (

    select

        ---------- ids
        reports.report_id,
        reports.sha256,

        ---------- agency and year
        report_agencies.agency_key,
        report_agencies.source_name,
        reports.agency_name,
        reports.report_year,
        reports.template,
        reports.published_on,
        reports.published_on_source,

        ---------- numerics
        coalesce(cell_counts.n_cells_present, 0) as n_cells_present,

        ---------- timestamps
        case
            when first_fetches.first_fetched_at < documents.first_loaded_at
            then first_fetches.first_fetched_at
            else coalesce(documents.first_loaded_at, first_fetches.first_fetched_at)
        end as first_seen_at,
        documents.loaded_at

    from reports
    inner join report_agencies
        on reports.report_id = report_agencies.report_id
    left join documents
        on reports.sha256 = documents.sha256
    left join first_fetches
        on reports.sha256 = first_fetches.sha256
    left join cell_counts
        on reports.report_id = cell_counts.report_id
    where reports.report_year is not null

),

final as (

    select
        joined.*,
        row_number() over (
            partition by joined.agency_key, joined.report_year
            order by joined.n_cells_present desc, joined.loaded_at desc, joined.report_id asc
        ) as version_rank
    from joined

)

select * from final
