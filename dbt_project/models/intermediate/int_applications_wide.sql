-- The application matrix wide per applicant column: one row per report and
-- applicant, one column per application row code of the code_labels seed
-- (`denied.state_secret` -> `denied__state_secret`). Null stays null.
-- A table: as a view every reader pivoted every report's cells again (a
-- check inputs build over no new report spent 1 of its 2 s there: its
-- filter to the affected reports does not reach below the pivot).
{{ config(materialized='table') }}
{%- set row_codes = vocabulary_codes(ref('code_labels'), 'application_row') %}

with

cells as (

    select * from {{ ref('stg_cells') }}

),

code_labels as (

    select * from {{ ref('code_labels') }}

),

application_cells as (

    select
        report_id,
        column_code as applicant,
        row_code,
        value
    from cells
    where table_name = 'applications'

),

applicants as (

    select code as applicant
    from code_labels
    where kind = 'applicant'

),

pivoted as (

    select
        application_cells.report_id,
        application_cells.applicant
        {%- for code in row_codes -%}
            ,
            max(case when application_cells.row_code = '{{ code }}' then application_cells.value end)
                as {{ code_column(code) }}
        {%- endfor %}

    from application_cells
    inner join applicants
        on application_cells.applicant = applicants.applicant
    group by
        application_cells.report_id,
        application_cells.applicant

),

final as (

    select * from pivoted

)

select * from final
