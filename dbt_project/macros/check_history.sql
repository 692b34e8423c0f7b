{#
    Every stored change of a check result in order per (report, check,
    subject), with the status before it, what it changed and whether it is
    current (int_check_history, which documents the columns). `check_results`
    is the select of the stored results to read (stg_check_results' rows):
    whole for int_check_history, only the reports a build recomputes for
    fct_check_history. The windows are per report, so reading only some
    reports gives their rows exactly. The filter must come before the
    windows: DuckDB does not push a semi-join through them, and a build of
    300 reports over the view of every result computed the windows over all
    of them (most of fct_check_history's time).
#}
{% macro check_history(check_results) -%}
with

check_results as (

    {{ check_results }}

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
{%- endmacro %}
