with

current_documents as (

    {{ current_generation_of('documents') }}

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
