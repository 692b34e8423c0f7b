-- One row per agency: every registered agency of the source registry (a
-- registry entry with a kind), published or not, and every agency a report
-- names. A report that prints a registered name or alias belongs to the
-- registry entry (int_agency_year_reports.agency_key, as in dim_report).
-- The place of an agency: the registry's division code first, else the one
-- its name matches (int_agency_name_regions; an ambiguous name gets none).
with

reports as (

    select * from {{ ref('dim_report') }}

),

sources as (

    select * from {{ ref('stg_sources') }}

),

name_regions as (

    select * from {{ ref('int_agency_name_regions') }}

),

regions as (

    select * from {{ ref('dim_region') }}

),

agency_labels as (

    select * from {{ ref('agency_labels') }}

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

-- one agency per registry name (its aliases included), else per printed name
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

placed as (

    select
        agencies.agency_id,
        agencies.agency_name,
        coalesce(registered.division_code, name_regions.division_code) as division_code,
        case
            when registered.division_code is not null then 'registry'
            when name_regions.division_code is not null then 'name'
            when name_regions.n_candidates > 1 then 'ambiguous'
            else 'unmatched'
        end as region_match,
        name_regions.ambiguous_codes
    from agencies
    left join registered
        on agencies.agency_name = registered.agency_name
    left join name_regions
        on agencies.agency_name = name_regions.agency_name

),

final as (

    select

        ---------- ids
        placed.agency_id,

        ---------- text
        placed.agency_name,

        ---------- registry
        registered.agency_name is not null as is_registered,
        registered.agency_kind,
        kind_labels.label_zh as agency_kind_zh,
        registered.agency_level,
        level_labels.label_zh as agency_level_zh,
        registered.region as registry_region,

        ---------- place (GB/T 2260)
        placed.division_code,
        placed.region_match,
        placed.ambiguous_codes,
        regions.province_name as province,
        regions.city_name as city,
        case when regions.region_level = 'county' then regions.name end as county,
        regions.region_level,
        regions.region_level_zh,

        ---------- numerics
        agency_reports.first_report_year,
        agency_reports.last_report_year,
        coalesce(agency_reports.n_reports, 0) as n_reports

    from placed
    left join registered
        on placed.agency_name = registered.agency_name
    left join regions
        on placed.division_code = regions.division_code
    left join agency_labels as kind_labels
        on kind_labels.kind = 'agency_kind' and registered.agency_kind = kind_labels.code
    left join agency_labels as level_labels
        on level_labels.kind = 'agency_level' and registered.agency_level = level_labels.code
    left join agency_reports
        on placed.agency_id = agency_reports.agency_id

)

select * from final
