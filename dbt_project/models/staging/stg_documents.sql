{{ config(**report_incremental('current_generations')) }}

with

current_documents as (

    {{ current_generation_of('documents') }}

),

-- when the warehouse first held the document, whatever parser read it
first_loads as (

    select
        sha256,
        min(loaded_at) as first_loaded_at
    from {{ source('raw', 'documents') }}
    group by sha256

),

renamed as (

    select

        ---------- ids
        substr(current_documents.sha256, 1, 16) as report_id,
        current_documents.sha256,
        current_documents.parser_version,

        ---------- text
        current_documents.document,
        nullif(trim(current_documents.source_url), '') as source_url,
        current_documents.landing_path,
        lower(current_documents.format) as file_format,
        lower(current_documents.status) as parse_status,

        ---------- numerics
        current_documents.size_bytes,

        ---------- timestamps
        current_documents.loaded_at,
        first_loads.first_loaded_at,
        {{ run_started() }} as built_at

    from current_documents
    inner join first_loads
        on current_documents.sha256 = first_loads.sha256

)

select * from renamed
