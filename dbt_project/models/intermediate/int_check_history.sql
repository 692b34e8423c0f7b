-- Every stored change of a check result, in order per (report, check,
-- subject), with the status before it and what it changed:
--   new       it fails and did not fail before
--   changed   it fails, and failed before with other values
--   resolved  it does not fail any more
-- is_current marks the latest change of a key that the report's latest run
-- still found (a subject the report no longer has is not current).
-- A view on purpose: GX writes raw.check_results between the intermediate
-- and the marts builds, and the marts must see that run.
{{ config(materialized='view') }}

with

check_results as (

    select * from {{ ref('stg_check_results') }}

),

ordered as (

    select
        check_results.*,
        row_number() over (
            partition by check_results.report_id, check_results.check_id, check_results.subject
            order by check_results.first_seen_at desc, check_results.first_seen_run desc
        ) as change_rank,
        lag(check_results.status) over (
            partition by check_results.report_id, check_results.check_id, check_results.subject
            order by check_results.first_seen_at, check_results.first_seen_run
        ) as previous_status
    from check_results

),

report_runs as (

    select
        report_id,
        max(last_seen_at) as last_seen_at
    from check_results
    group by report_id

),

final as (

    select
        ordered.report_id,
        ordered.check_id,
        ordered.subject,
        ordered.first_seen_run,
        ordered.last_seen_run,
        ordered.expected,
        ordered.observed,
        ordered.difference,
        ordered.severity,
        ordered.status,
        ordered.note,
        ordered.previous_status,
        case
            when ordered.status = 'failed' and coalesce(ordered.previous_status, '') <> 'failed' then 'new'
            when ordered.status = 'failed' then 'changed'
            when ordered.previous_status = 'failed' then 'resolved'
        end as change_kind,
        (ordered.change_rank = 1 and ordered.last_seen_at = report_runs.last_seen_at) as is_current,
        ordered.first_seen_at,
        ordered.last_seen_at
    from ordered
    inner join report_runs
        on ordered.report_id = report_runs.report_id

)

select * from final
