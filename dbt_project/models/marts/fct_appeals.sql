-- Incremental on the report like staging (macros/incremental_reports.sql):
-- a build adds the reports whose cells were loaded since the watermark and
-- replaces a re-parsed report's rows whole. A report's rows depend on its
-- own cells and dim_report row only.
{{ config(**report_incremental('current_generations')) }}

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

appeal_cells as (

    select *
    from cells
    where table_name = 'appeals'

),

proceeding_labels as (

    select code, label_zh, label_en
    from code_labels
    where kind = 'proceeding'

),

outcome_labels as (

    select code, label_zh, label_en
    from code_labels
    where kind = 'outcome'

),

final as (

    select

        ---------- ids
        appeal_cells.report_id,
        reports.agency_id,
        reports.report_year,

        ---------- codes
        appeal_cells.row_code as proceeding,
        appeal_cells.column_code as outcome,

        ---------- numerics (null when absent)
        {{ as_figure('appeal_cells.value') }} as value,

        ---------- labels
        proceeding_labels.label_zh as proceeding_label_zh,
        proceeding_labels.label_en as proceeding_label_en,
        outcome_labels.label_zh as outcome_label_zh,
        outcome_labels.label_en as outcome_label_en,

        ---------- provenance
        appeal_cells.raw_text,
        appeal_cells.page,
        appeal_cells.line_no,
        appeal_cells.bbox,
        appeal_cells.split,
        appeal_cells.confidence,

        ---------- watermark and build time (macros/incremental_reports.sql)
        appeal_cells.loaded_at,
        {{ run_started() }} as built_at

    from appeal_cells
    inner join reports
        on appeal_cells.report_id = reports.report_id
    left join proceeding_labels
        on appeal_cells.row_code = proceeding_labels.code
    left join outcome_labels
        on appeal_cells.column_code = outcome_labels.code

)

select * from final
