-- Incremental on the report like staging (macros/incremental_reports.sql):
-- a build adds the reports whose cells were loaded since the watermark and
-- replaces a re-parsed report's rows whole. A report's rows depend on its
-- own cells and dim_report row only.
{{ config(**report_incremental('current_generations')) }}
{%- set amount_measures = sql_list(var('amount_measures')) %}

with

cells as (

    select * from {{ ref('stg_cells') }}
    {{- loaded_since_watermark() }}

),

reports as (

    select * from {{ ref('dim_report') }}

),

code_labels as (

    select * from {{ ref('code_labels') }}

),

proactive_cells as (

    select *
    from cells
    where table_name = 'proactive'

),

article_labels as (

    select code, label_zh, label_en
    from code_labels
    where kind = 'article_item'

),

category_labels as (

    select code, label_zh, label_en
    from code_labels
    where kind = 'category'

),

measure_labels as (

    select code, label_zh, label_en
    from code_labels
    where kind = 'measure'

),

final as (

    select

        ---------- ids
        proactive_cells.report_id,
        reports.agency_id,
        reports.report_year,

        ---------- codes
        proactive_cells.article_item,
        proactive_cells.row_code as category,
        proactive_cells.column_code as measure,

        ---------- numerics (null when absent; amounts in 万元)
        {{ as_figure('proactive_cells.value') }} as value,
        proactive_cells.column_code in {{ amount_measures }} as is_amount,
        case
            when proactive_cells.column_code in {{ amount_measures }} then '万元'
            else '件'
        end as unit,

        ---------- labels
        article_labels.label_zh as article_label_zh,
        category_labels.label_zh as category_label_zh,
        category_labels.label_en as category_label_en,
        measure_labels.label_zh as measure_label_zh,
        measure_labels.label_en as measure_label_en,

        ---------- provenance
        proactive_cells.raw_text,
        proactive_cells.page,
        proactive_cells.line_no,
        proactive_cells.bbox,
        proactive_cells.split,
        proactive_cells.confidence,

        ---------- watermark and build time (macros/incremental_reports.sql)
        proactive_cells.loaded_at,
        {{ run_started() }} as built_at

    from proactive_cells
    inner join reports
        on proactive_cells.report_id = reports.report_id
    left join article_labels
        on proactive_cells.article_item = article_labels.code
    left join category_labels
        on proactive_cells.row_code = category_labels.code
    left join measure_labels
        on proactive_cells.column_code = measure_labels.code

)

select * from final
