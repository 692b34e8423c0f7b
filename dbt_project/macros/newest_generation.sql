{#
    The (sha256, parser_version) pairs that staging keeps, with their
    loaded_at: for each document the generation loaded last
    (raw.documents.loaded_at), ties broken by the greatest parser_version.
    Every staging model over a parsed raw table inner-joins on these pairs,
    so an older parser's rows drop out as soon as a newer generation is
    loaded. Portable SQL (DuckDB and Postgres).
#}
{% macro newest_generation() -%}
    select sha256, parser_version, loaded_at
    from (
        select
            sha256,
            parser_version,
            loaded_at,
            row_number() over (
                partition by sha256
                order by loaded_at desc, parser_version desc
            ) as generation_rank
        from {{ source('raw', 'documents') }}
    ) as ranked_generations
    where generation_rank = 1
{%- endmacro %}

{#
    The rows of a parsed raw table that belong to the newest generation of
    their document, with that generation's loaded_at as `generation_loaded_at`:
    the import CTE of every staging model over such a table. In an
    incremental run only the generations loaded after the model's watermark
    (see report_watermark) are read.
#}
{% macro current_generation_of(raw_table) -%}
    select
        source.*,
        newest_generation.loaded_at as generation_loaded_at
    from {{ source('raw', raw_table) }} as source
    inner join ({{ newest_generation() }}) as newest_generation
        on source.sha256 = newest_generation.sha256
        and source.parser_version = newest_generation.parser_version
    {{- loaded_since_watermark('newest_generation.loaded_at') }}
{%- endmacro %}
