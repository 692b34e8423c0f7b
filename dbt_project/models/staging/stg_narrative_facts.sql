with

current_facts as (

    {{ current_generation_of('narrative_facts') }}

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
