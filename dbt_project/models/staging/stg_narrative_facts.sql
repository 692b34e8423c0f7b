{{ config(**report_incremental('current_generations')) }}

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
        line_no,

        ---------- watermark and build time (macros/incremental_reports.sql)
        generation_loaded_at as loaded_at,
        {{ run_started() }} as built_at

    from current_facts

)

select * from renamed
