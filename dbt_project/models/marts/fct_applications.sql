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

application_cells as (

    select *
    from cells
    where table_name = 'applications'

),

row_labels as (

    select code, label_zh, label_en
    from code_labels
    where kind = 'application_row'

),

applicant_labels as (

    select code, label_zh, label_en
    from code_labels
    where kind = 'applicant'

),

final as (

    select

        ---------- ids
        application_cells.report_id,
        reports.agency_id,
        reports.report_year,

        ---------- codes
        application_cells.row_code,
        application_cells.column_code as applicant,

        ---------- numerics (null when absent)
        {{ as_figure('application_cells.value') }} as value,

        ---------- labels
        row_labels.label_zh as row_label_zh,
        row_labels.label_en as row_label_en,
        applicant_labels.label_zh as applicant_label_zh,
        applicant_labels.label_en as applicant_label_en,

        ---------- provenance
        application_cells.raw_text,
        application_cells.page,
        application_cells.line_no,
        application_cells.bbox,
        application_cells.split,
        application_cells.confidence,

        ---------- watermark and build time (macros/incremental_reports.sql)
        application_cells.loaded_at,
        {{ run_started() }} as built_at

    from application_cells
    inner join reports
        on application_cells.report_id = reports.report_id
    left join row_labels
        on application_cells.row_code = row_labels.code
    left join applicant_labels
        on application_cells.column_code = applicant_labels.code

)

select * from final
