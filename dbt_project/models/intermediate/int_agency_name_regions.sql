-- Every agency name (printed in a report, or a registry name) matched to a
-- GB/T 2260 division by the name itself: the divisions whose name the
-- agency name contains (静乐县人民政府 -> 静乐县), keeping the most specific.
-- A candidate goes when its name lies inside a longer candidate's
-- (城区 in 东城区) or when it is the province or prefecture of another
-- candidate (北京市 of 朝阳区); among the rest, those whose province or
-- prefecture the name also names win (北京市朝阳区 -> 110105). One winner is
-- a match; two or more (朝阳区 alone: Beijing's or Changchun's) are
-- ambiguous and never guessed between. dim_agency prefers the registry's
-- division code and reads this for the rest.
with

reports as (

    select * from {{ ref('stg_reports') }}

),

sources as (

    select * from {{ ref('stg_sources') }}

),

regions as (

    select * from {{ ref('dim_region_gb2260') }}

),

names as (

    select agency_name
    from reports
    where agency_name is not null
    union
    select source_name as agency_name
    from sources
    where agency_kind is not null

),

candidates as (

    select
        names.agency_name,
        regions.division_code,
        regions.name,
        regions.province_code,
        regions.city_code
    from names
    inner join regions
        on strpos(names.agency_name, regions.name) > 0

),

-- candidates that are neither inside a longer candidate's name nor another's province or prefecture
specific as (

    select candidates.*
    from candidates
    left join candidates as more_specific
        on candidates.agency_name = more_specific.agency_name
        and candidates.division_code <> more_specific.division_code
        and (
            (
                length(more_specific.name) > length(candidates.name)
                and strpos(more_specific.name, candidates.name) > 0
            )
            or candidates.division_code = more_specific.province_code
            or candidates.division_code = more_specific.city_code
        )
    where more_specific.division_code is null

),

scored as (

    select
        specific.agency_name,
        specific.division_code,
        count(ancestors.division_code) as n_named_ancestors
    from specific
    left join candidates as ancestors
        on specific.agency_name = ancestors.agency_name
        and ancestors.division_code in (specific.province_code, specific.city_code)
    group by specific.agency_name, specific.division_code

),

ranked as (

    select
        agency_name,
        division_code,
        n_named_ancestors,
        max(n_named_ancestors) over (partition by agency_name) as best_n_named_ancestors
    from scored

),

final as (

    select
        agency_name,
        count(*) as n_candidates,
        case when count(*) = 1 then min(division_code) end as division_code,
        case when count(*) > 1 then string_agg(division_code, ' ' order by division_code) end as ambiguous_codes
    from ranked
    where n_named_ancestors = best_n_named_ancestors
    group by agency_name

)

select * from final
