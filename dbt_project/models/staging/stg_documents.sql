with

source as (

    select * from {{ source('raw', 'documents') }}

),

newest_generation as (

    {{ newest_generation() }}

),

current_documents as (

    select source.*
    from source
    inner join newest_generation
        on source.sha256 = newest_generation.sha256
        and source.parser_version = newest_generation.parser_version

),

renamed as (

    select

        ---------- ids
        substr(sha256, 1, 16) as report_id,
        sha256,
        parser_version,

        ---------- text
        document,
        nullif(trim(source_url), '') as source_url,
        landing_path,
        lower(format) as file_format,
        lower(status) as parse_status,

        ---------- numerics
        size_bytes,

        ---------- timestamps
        loaded_at

    from current_documents

)

select * from renamed
