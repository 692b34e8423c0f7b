{{ config(**report_incremental('current_generations')) }}

with

current_sections as (

    {{ current_generation_of('sections') }}

),

renamed as (

    select

        ---------- ids
        report_id,
        sha256,
        parser_version,

        ---------- section
        section_no,
        section_number,
        title,
        text as section_text,

        ---------- provenance
        first_line,
        last_line,
        first_page,
        last_page,

        ---------- watermark and build time (macros/incremental_reports.sql)
        generation_loaded_at as loaded_at,
        {{ run_started() }} as built_at

    from current_sections

)

select * from renamed
