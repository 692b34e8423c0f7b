-- Every name a report may print for a registered agency (its registry name
-- and aliases) -> the registry name. Sources without a kind (a folder of
-- files) are not agencies and name nobody.
with

sources as (

    select * from {{ ref('stg_sources') }}

),

agencies as (

    select source_name, aliases
    from sources
    where agency_kind is not null

),

registry_names as (

    select source_name, source_name as agency_name
    from agencies

),

-- aliases hold one name per line (warehouse.registry_snapshot)
alias_lines as (

    select
        source_name,
        unnest(string_to_array(aliases, chr(10))) as alias_line
    from agencies
    where aliases is not null

),

alias_names as (

    select source_name, trim(alias_line) as agency_name
    from alias_lines

),

unioned as (

    select source_name, agency_name from registry_names
    union
    select source_name, agency_name from alias_names

),

final as (

    select source_name, agency_name
    from unioned
    where agency_name <> ''

)

select * from final
