-- One row per agency and report year for BI, as a complete grid: every
-- agency-year publication monitoring expects (int_publication), found or
-- not, plus every agency-year a report was found for outside it (an
-- unregistered agency, a year before monitoring began). The agency is the
-- registry name when the report prints a registered name or alias, else the
-- printed name (int_agency_year_reports.agency_key), as in dim_agency.
-- When an agency has several reports for one year (the same report fetched
-- as PDF and HTML, say), the figures come from the primary report (most
-- non-null cells, then the latest loaded, then report_id) so nothing is
-- counted twice. Missing inputs stay null: a rate is null, never computed
-- from a 0 that the report did not state; a missing report has null figures.
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

---------- the grid: expected agency-years and found ones

report_counts as (

    select
        agency_key,
        report_year,
        count(*) as n_reports
    from agency_year_reports
    group by agency_key, report_year

),

primary_reports as (

    select
        agency_year_reports.agency_key,
        agency_year_reports.report_year,
        agency_year_reports.report_id,
        report_counts.n_reports
    from agency_year_reports
    inner join report_counts
        on agency_year_reports.agency_key = report_counts.agency_key
        and agency_year_reports.report_year = report_counts.report_year
    where agency_year_reports.version_rank = 1

),

grid as (

    select
        coalesce(publication.agency_name, primary_reports.agency_key) as agency_key,
        coalesce(publication.report_year, primary_reports.report_year) as report_year,
        primary_reports.report_id,
        coalesce(primary_reports.n_reports, 0) as n_reports,
        publication.agency_name is not null as is_expected,
        publication.publication_status,
        publication.due_date,
        publication.days_late
    from publication
    full outer join primary_reports
        on publication.agency_name = primary_reports.agency_key
        and publication.report_year = primary_reports.report_year

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
        {{ agency_id('grid.agency_key') }} as agency_id,
        grid.agency_key as agency_name,
        grid.report_year,
        grid.report_id,

        ---------- publication (null outside monitoring)
        grid.is_expected,
        grid.report_id is not null as is_found,
        grid.publication_status,
        grid.due_date,
        grid.days_late,

        ---------- applications
        {{ as_figure('application_totals.new_received') }} as applications_received,
        {{ as_figure('application_totals.granted') }} as applications_granted,
        {{ as_figure('application_totals.partially_granted') }} as applications_partially_granted,
        {{ as_figure('application_totals.results_total') }} as applications_results_total,
        {{ as_ratio(
            '(application_totals.granted + application_totals.partially_granted)'
            ~ ' / nullif(application_totals.results_total, 0)'
        ) }} as grant_rate,

        ---------- appeals (administrative review and litigation)
        {{ as_figure('appeal_totals.appeals_total') }} as appeals_total,
        {{ as_figure('appeal_totals.appeals_corrected') }} as appeals_corrected,
        {{ as_ratio('appeal_totals.appeals_corrected / nullif(appeal_totals.appeals_total, 0)') }}
            as appeal_correction_rate,

        ---------- quality
        grid.n_reports,
        reports.quality_status,
        case
            when reports.quality_status is not null then reports.n_failed_checks
        end as n_failed_checks

    from grid
    left join reports
        on grid.report_id = reports.report_id
    left join application_totals
        on grid.report_id = application_totals.report_id
    left join appeal_totals
        on grid.report_id = appeal_totals.report_id

)

select * from final
