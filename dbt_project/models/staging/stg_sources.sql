with

source as (

    select * from {{ source('raw', 'sources') }}

),

renamed as (

    select

        ---------- ids
        trim(name) as source_name,

        ---------- text
        aliases,
        region,
        division_code,
        lower(level) as agency_level,
        lower(kind) as agency_kind,

        ---------- numerics
        first_year,
        last_year,

        ---------- flags
        example as is_example,

        ---------- timestamps
        registered_at,
        snapshot_at

    from source

)

select * from renamed
