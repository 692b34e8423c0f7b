-- One row per agency and report year for BI: applications received and
-- granted, grant rate, appeals and their correction rate, failed checks, and
-- for registered agencies whether the report was published on time.
-- When an agency has several reports for one year (the same report fetched
-- as PDF and HTML, say), the figures come from one primary report (most
-- non-null cells, then the latest loaded, then report_id) so nothing is
-- counted twice. Missing inputs stay null: a rate is null, never computed
-- from a 0 that the report did not state.
with

reports as (

    select * from {{ ref('dim_report') }}

),

applications_wide as (

    select * from {{ ref('int_applications_wide') }}

),

appeals as (

    select * from {{ ref('fct_appeals') }}

),

agency_year_reports as (

    select * from {{ ref('int_agency_year_reports') }}

),

publication as (

    select * from {{ ref('int_publication') }}

),

code_labels as (

    select * from {{ ref('code_labels') }}

),

---------- one primary report per agency and year (as printed: dim_agency's grain)

ranked_reports as (

    select
        reports.*,
        agency_year_reports.source_name,
        count(*) over (
            partition by reports.agency_id, reports.report_year
        ) as n_reports,
        row_number() over (
            partition by reports.agency_id, reports.report_year
            order by
                agency_year_reports.n_cells_present desc,
                reports.loaded_at desc,
                reports.report_id asc
        ) as report_rank
    from reports
    inner join agency_year_reports
        on reports.report_id = agency_year_reports.report_id
    where reports.agency_id is not null

),

primary_reports as (

    select *
    from ranked_reports
    where report_rank = 1

),

---------- figures of a report

application_totals as (

    select
        report_id,
        new_received,
        granted,
        partially_granted,
        results_total
    from applications_wide
    where applicant = 'total'

),

n_proceedings as (

    select count(*) as n_proceedings
    from code_labels
    where kind = 'proceeding'

),

-- sums over the proceedings, null unless every proceeding states the value
appeal_totals as (

    select
        appeals.report_id,
        case
            when count(case when appeals.outcome = 'total' then appeals.value end)
                = max(n_proceedings.n_proceedings)
            then sum(case when appeals.outcome = 'total' then appeals.value end)
        end as appeals_total,
        case
            when count(case when appeals.outcome = 'corrected' then appeals.value end)
                = max(n_proceedings.n_proceedings)
            then sum(case when appeals.outcome = 'corrected' then appeals.value end)
        end as appeals_corrected
    from appeals
    cross join n_proceedings
    group by appeals.report_id

),

final as (

    select

        ---------- ids
        primary_reports.agency_id,
        primary_reports.agency_name,
        primary_reports.report_year,
        primary_reports.report_id,

        ---------- applications
        application_totals.new_received as applications_received,
        application_totals.granted as applications_granted,
        application_totals.partially_granted as applications_partially_granted,
        application_totals.results_total as applications_results_total,
        (application_totals.granted + application_totals.partially_granted)
        / nullif(application_totals.results_total, 0) as grant_rate,

        ---------- appeals (administrative review and litigation)
        appeal_totals.appeals_total,
        appeal_totals.appeals_corrected,
        appeal_totals.appeals_corrected / nullif(appeal_totals.appeals_total, 0) as appeal_correction_rate,

        ---------- quality
        primary_reports.n_reports,
        primary_reports.quality_status,
        case
            when primary_reports.quality_status is not null then primary_reports.n_failed_checks
        end as n_failed_checks,
        primary_reports.failed_checks,

        ---------- publication (registered agencies; fct_publication has every expected year)
        publication.publication_status,
        publication.due_date,
        publication.days_late

    from primary_reports
    left join application_totals
        on primary_reports.report_id = application_totals.report_id
    left join appeal_totals
        on primary_reports.report_id = appeal_totals.report_id
    left join publication
        on primary_reports.source_name = publication.agency_name
        and primary_reports.report_year = publication.report_year

)

select * from final
