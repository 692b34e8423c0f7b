-- The GB/T 2260 divisions (seed dim_region_gb2260) with the names of
-- their province and prefecture, for grouping agencies by place.
with

regions as (

    select * from {{ ref('dim_region_gb2260') }}

),

agency_labels as (

    select * from {{ ref('agency_labels') }}

),

level_labels as (

    select code, label_zh
    from agency_labels
    where kind = 'region_level'

),

final as (

    select

        ---------- ids
        regions.division_code,

        ---------- text
        regions.name,
        regions.region_level,
        level_labels.label_zh as region_level_zh,

        ---------- parents
        regions.province_code,
        provinces.name as province_name,
        regions.city_code,
        cities.name as city_name

    from regions
    left join level_labels
        on regions.region_level = level_labels.code
    left join regions as provinces
        on regions.province_code = provinces.division_code
    left join regions as cities
        on regions.city_code = cities.division_code

)

select * from final
