with

source as (

    select * from {{ source('raw', 'narrative_facts') }}

),

newest_generation as (

    {{ newest_generation() }}

),

current_facts as (

    select source.*
    from source
    inner join newest_generation
        on source.sha256 = newest_generation.sha256
        and source.parser_version = newest_generation.parser_version

),

renamed as (

    select

        ---------- ids
        report_id,
        sha256,
        parser_version,

        ---------- codes
        fact,
        seq,

        ---------- numerics
        cast(value as double precision) as value,

        ---------- provenance
        raw_text,
        page,
        line_no

    from current_facts

)

select * from renamed
