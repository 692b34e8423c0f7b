with

source as (

    select * from {{ source('raw', 'reports') }}

),

newest_generation as (

    {{ newest_generation() }}

),

current_reports as (

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

        ---------- text
        document,
        nullif(trim(agency), '') as agency_name,
        lower(template) as template,

        ---------- numerics
        report_year,

        ---------- dates
        published_on

    from current_reports

)

select * from renamed
