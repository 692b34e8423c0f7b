with

source as (

    select * from {{ source('raw', 'fetch_attempts') }}

),

renamed as (

    select

        ---------- ids
        attempt_id,
        sha256,

        ---------- text
        source as source_name,
        nullif(trim(agency), '') as agency_name,
        url,
        final_url,
        lower(status) as fetch_status,
        error,

        ---------- numerics
        report_year,
        http_status,
        size_bytes,
        tries,

        ---------- timestamps
        fetched_at

    from source

)

select * from renamed
