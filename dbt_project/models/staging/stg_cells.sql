with

source as (

    select * from {{ source('raw', 'cells') }}

),

newest_generation as (

    {{ newest_generation() }}

),

current_cells as (

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
        bbox

    from current_cells

)

select * from renamed
