-- Every report that prints an agency name, with the agency it stands for:
-- the registry name when the printed name is a registered name or alias
-- (int_agency_names), else the printed name (agency_key).
with

reports as (

    select * from {{ ref('stg_reports') }}

),

agency_names as (

    select * from {{ ref('int_agency_names') }}

),

-- a name two registry entries claim goes to the first by name (int_agency_names warns)
name_owners as (

    select
        agency_name,
        min(source_name) as source_name
    from agency_names
    group by agency_name

),

final as (

    select
        reports.report_id,
        reports.agency_name,
        name_owners.source_name,
        coalesce(name_owners.source_name, reports.agency_name) as agency_key
    from reports
    left join name_owners
        on reports.agency_name = name_owners.agency_name
    where reports.agency_name is not null

)

select * from final
