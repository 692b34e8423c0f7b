-- Publication monitoring for BI and on-call: one row per agency and year
-- the source registry expects, found or not, with its legal due date and
-- status (int_publication). Empty while raw.sources is.
with

publication as (

    select * from {{ ref('int_publication') }}

),

sources as (

    select * from {{ ref('stg_sources') }}

),

reports as (

    select * from {{ ref('dim_report') }}

),

final as (

    select

        ---------- ids
        {{ agency_id('publication.agency_name') }} as agency_id,
        publication.agency_name,
        publication.report_year,
        publication.report_id,
        publication.report_key,

        ---------- agency
        publication.agency_kind,
        sources.agency_level,
        sources.region,
        sources.division_code,
        sources.is_example,

        ---------- publication
        publication.is_found,
        publication.n_reports,
        publication.publication_status,
        publication.days_late,

        ---------- dates
        publication.due_date,
        publication.published_on,
        publication.published_on_source,
        publication.first_seen_at,
        publication.registered_at,
        publication.as_of_date,

        ---------- the report first seen
        reports.agency_name as printed_agency_name,
        reports.document,
        reports.source_url

    from publication
    inner join sources
        on publication.agency_name = sources.source_name
    left join reports
        on publication.report_id = reports.report_id

)

select * from final
