{{ config(**report_incremental('current_generations')) }}

with

current_issues as (

    {{ current_generation_of('parse_issues') }}

),

renamed as (

    select

        ---------- ids
        report_id,
        sha256,
        parser_version,
        seq,

        ---------- text
        issue,
        lower(severity) as severity,
        message,
        table_name,
        row_code,

        ---------- provenance
        page,
        line_no,

        ---------- watermark and build time (macros/incremental_reports.sql)
        generation_loaded_at as loaded_at,
        {{ run_started() }} as built_at

    from current_issues

)

select * from renamed
