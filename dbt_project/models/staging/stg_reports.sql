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
        published_on_source

    from current_reports

)

select * from renamed
