-- The table cells of a report that differ from the agency's report of the year
-- before (int_report_pairs). A cell absent or null on one side counts only when
-- the other side is not 0, so zeros on both sides, or a 0 against a blank, are
-- never a change.

with

pairs as (

    select * from {{ ref('int_report_pairs') }}

),

cells as (

    select * from {{ ref('stg_cells') }}

),

this_year as (

    select
        pairs.report_id,
        pairs.previous_report_id,
        pairs.report_year,
        cells.table_name,
        coalesce(cells.article_item, '') as article_item,
        cells.row_code,
        cells.column_code,
        cells.value
    from pairs
    inner join cells
        on pairs.report_id = cells.report_id

),

last_year as (

    select
        pairs.report_id,
        pairs.previous_report_id,
        pairs.report_year,
        cells.table_name,
        coalesce(cells.article_item, '') as article_item,
        cells.row_code,
        cells.column_code,
        cells.value
    from pairs
    inner join cells
        on pairs.previous_report_id = cells.report_id

),

compared as (

    select
        coalesce(this_year.report_id, last_year.report_id) as report_id,
        coalesce(this_year.previous_report_id, last_year.previous_report_id) as previous_report_id,
        coalesce(this_year.report_year, last_year.report_year) as report_year,
        coalesce(this_year.table_name, last_year.table_name) as table_name,
        coalesce(this_year.article_item, last_year.article_item) as article_item,
        coalesce(this_year.row_code, last_year.row_code) as row_code,
        coalesce(this_year.column_code, last_year.column_code) as column_code,
        last_year.value as previous_value,
        this_year.value
    from this_year
    full outer join last_year
        on this_year.report_id = last_year.report_id
        and this_year.table_name = last_year.table_name
        and this_year.article_item = last_year.article_item
        and this_year.row_code = last_year.row_code
        and this_year.column_code = last_year.column_code

),

final as (

    select
        report_id,
        previous_report_id,
        report_year,
        table_name,
        nullif(article_item, '') as article_item,
        row_code,
        column_code,
        previous_value,
        value,
        value - previous_value as difference,
        case
            when previous_value is null then 'appeared'
            when value is null then 'disappeared'
            else 'changed'
        end as change_kind
    from compared
    where (value is not null and previous_value is not null and value <> previous_value)
        or (previous_value is null and value <> 0)
        or (value is null and previous_value <> 0)

)

select * from final
