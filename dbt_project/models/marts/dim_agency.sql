with

reports as (

    select * from {{ ref('stg_reports') }}

),

agency_reports as (

    select
        agency_name,
        min(report_year) as first_report_year,
        max(report_year) as last_report_year,
        count(*) as n_reports
    from reports
    where agency_name is not null
    group by agency_name

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
