with

reports as (

    select * from {{ ref('stg_reports') }}

),

report_agencies as (

    select * from {{ ref('int_report_agencies') }}

),

-- one agency per registry name (its aliases included), else per printed name
agency_reports as (

    select
        report_agencies.agency_key as agency_name,
        min(reports.report_year) as first_report_year,
        max(reports.report_year) as last_report_year,
        count(*) as n_reports
    from report_agencies
    inner join reports
        on report_agencies.report_id = reports.report_id
    group by report_agencies.agency_key

),

final as (

    select

        ---------- ids
        {{ agency_id('agency_name') }} as agency_id,

        ---------- text
        agency_name,

        ---------- numerics
        first_report_year,
        last_report_year,
        n_reports

    from agency_reports

)

select * from final
