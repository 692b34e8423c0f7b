-- Publication monitoring (issue 5): every agency-year report the registry
-- expects, whether it was found, when it was first seen, its legal due date
-- (条例 第四十九条, seed publication_due_dates) and its status as of
-- as_of_date() (today unless DISCLOSURE_AS_OF_DATE pins it):
--   on_time          found, published (published_on, else first seen) on
--                    or before the due date
--   late             found, published after the due date; without a
--                    published_on: first seen after it while monitoring of
--                    the source had begun on or before it (we were looking)
--   unverified       found after the due date with no publication date, and
--                    monitoring began after it too: when it was published
--                    is not known
--   missing_overdue  not found, due date passed
--   not_yet_due      not found, due date not passed
-- Only registered, non-example agencies are monitored (an example's URLs are
-- never fetched). Expected years run from the source's first_year through
-- its last_year, or the year before as_of_date (the last year whose report
-- could exist). Empty while raw.sources is.
-- A table, rebuilt whenever the date moves (warehouse/transform_plan.py
-- DATE_MODELS): its tests and its readers read its rows, not the view's
-- joins again.
{{ config(materialized='table') }}

with

sources as (

    select * from {{ ref('stg_sources') }}

),

due_dates as (

    select * from {{ ref('publication_due_dates') }}

),

agency_year_reports as (

    select * from {{ ref('int_agency_year_reports') }}

),

agencies as (

    select *
    from sources
    where agency_kind is not null
        and not is_example

),

-- the seed holds every year a registry entry may expect: it doubles as the year series
expected as (

    select
        agencies.source_name,
        agencies.agency_kind,
        agencies.registered_at,
        due_dates.report_year,
        due_dates.due_date,
        {{ as_of_date() }} as as_of_date
    from agencies
    inner join due_dates
        on agencies.agency_kind = due_dates.kind
        and agencies.first_year <= due_dates.report_year
        and due_dates.report_year < extract(year from {{ as_of_date() }})
        and (agencies.last_year is null or agencies.last_year >= due_dates.report_year)

),

registered_reports as (

    select
        source_name,
        report_year,
        report_id,
        first_seen_at,
        published_on,
        published_on_source,
        row_number() over (
            partition by source_name, report_year
            order by first_seen_at, report_id
        ) as seen_rank,
        count(*) over (partition by source_name, report_year) as n_reports
    from agency_year_reports
    where source_name is not null

),

first_reports as (

    select *
    from registered_reports
    where seen_rank = 1

),

joined as (

    select
        expected.*,
        coalesce(first_reports.n_reports, 0) as n_reports,
        first_reports.report_id,
        first_reports.first_seen_at,
        cast(first_reports.first_seen_at as date) as first_seen_on,
        first_reports.published_on,
        first_reports.published_on_source,
        coalesce(first_reports.published_on, cast(first_reports.first_seen_at as date)) as known_on,
        cast(expected.registered_at as date) as registered_on
    from expected
    left join first_reports
        on expected.source_name = first_reports.source_name
        and expected.report_year = first_reports.report_year

),

classified as (

    select
        joined.*,
        case
            when joined.n_reports > 0 and joined.known_on <= joined.due_date then 'on_time'
            when joined.n_reports > 0 and joined.published_on is not null then 'late'
            when joined.n_reports > 0 and joined.registered_on <= joined.due_date then 'late'
            when joined.n_reports > 0 then 'unverified'
            when joined.due_date < joined.as_of_date then 'missing_overdue'
            else 'not_yet_due'
        end as publication_status
    from joined

),

final as (

    select

        ---------- ids
        source_name as agency_name,
        report_year,
        'publication:' || source_name || ':' || cast(report_year as varchar) as report_key,
        report_id,

        ---------- publication
        agency_kind,
        n_reports > 0 as is_found,
        n_reports,
        publication_status,
        cast(case publication_status
            when 'on_time' then 0
            when 'late' then known_on - due_date
            when 'missing_overdue' then as_of_date - due_date
        end as integer) as days_late,

        ---------- dates
        due_date,
        published_on,
        published_on_source,
        first_seen_at,
        registered_at,
        as_of_date

    from classified

)

select * from final
