-- Each report with the primary report of the same agency for the year before
-- (int_agency_year_reports: registry name or alias, else the printed name).

with

agency_year_reports as (

    select * from {{ ref('int_agency_year_reports') }}

),

final as (

    select
        this_year.report_id,
        this_year.template,
        this_year.report_year,
        last_year.report_id as previous_report_id,
        last_year.template as previous_template
    from agency_year_reports as this_year
    inner join agency_year_reports as last_year
        on this_year.agency_key = last_year.agency_key
        and last_year.report_year = this_year.report_year - 1
        and last_year.version_rank = 1

)

select * from final
