with

source as (

    select * from {{ source('raw', 'parse_issues') }}

),

newest_generation as (

    {{ newest_generation() }}

),

current_issues as (

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
        seq,

        ---------- text
        issue,
        lower(severity) as severity,
        message,
        table_name,
        row_code,

        ---------- provenance
        page,
        line_no

    from current_issues

)

select * from renamed
