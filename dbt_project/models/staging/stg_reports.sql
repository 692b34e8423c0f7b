{{ config(**report_incremental('current_generations')) }}

with

current_reports as (

    {{ current_generation_of('reports') }}

),

renamed as (

    select

        ---------- ids
        report_id,
        sha256,
        parser_version,

        ---------- text
        document,
        nullif(trim(agency), '') as agency_name,
        lower(template) as template,

        ---------- numerics
        report_year,

        ---------- dates
        published_on,
        published_on_source,

        ---------- watermark and build time (macros/incremental_reports.sql)
        generation_loaded_at as loaded_at,
        {{ run_started() }} as built_at

    from current_reports

)

select * from renamed
