{{ config(**report_incremental('current_generations')) }}

with

current_cells as (

    {{ current_generation_of('cells') }}

),

renamed as (

    select

        ---------- ids
        report_id,
        sha256,
        parser_version,

        ---------- codes
        table_name,
        article_item,
        row_code,
        column_code,

        ---------- numerics (null when absent: never 0 for missing)
        cast(value as double precision) as value,

        ---------- provenance
        raw_text,
        page,
        line_no,
        bbox,
        split,
        confidence,

        ---------- watermark and build time (macros/incremental_reports.sql)
        generation_loaded_at as loaded_at,
        {{ run_started() }} as built_at

    from current_cells

)

select * from renamed
