-- One row per agency: every registered agency of the source registry (a
-- registry entry with a kind), published or not, and every agency a report
-- names. A report that prints a registered name or alias belongs to the
-- registry entry (int_agency_year_reports.agency_key, as in dim_report).
with

reports as (

    select * from {{ ref('dim_report') }}

),

sources as (

    select * from {{ ref('stg_sources') }}

),

registered as (

    select
        source_name as agency_name,
        agency_kind,
        agency_level,
        region,
        division_code
    from sources
    where agency_kind is not null

),

agency_reports as (

    select
        agency_id,
        min(report_year) as first_report_year,
        max(report_year) as last_report_year,
        count(*) as n_reports
    from reports
    where agency_id is not null
    group by agency_id

),

-- the name of an agency: its registry name, else the name its reports print (the first by name)
report_names as (

    select
        agency_id,
        min(agency_name) as agency_name
    from reports
    where agency_id is not null
    group by agency_id

),

registered_ids as (

    select
        {{ agency_id('agency_name') }} as agency_id,
        agency_name
    from registered

),

agencies as (

    select agency_id, agency_name
    from registered_ids
    union all
    select report_names.agency_id, report_names.agency_name
    from report_names
    left join registered_ids
        on report_names.agency_id = registered_ids.agency_id
    where registered_ids.agency_id is null

),

final as (

    select

        ---------- ids
        agencies.agency_id,

        ---------- text
        agencies.agency_name,

        ---------- registry
        registered.agency_name is not null as is_registered,
        registered.agency_kind,
        registered.agency_level,
        registered.region,
        registered.division_code,

        ---------- numerics
        agency_reports.first_report_year,
        agency_reports.last_report_year,
        coalesce(agency_reports.n_reports, 0) as n_reports

    from agencies
    left join registered
        on agencies.agency_name = registered.agency_name
    left join agency_reports
        on agencies.agency_id = agency_reports.agency_id

)

select * from final
