-- The latest validation run of each report (greatest validated_at, ties by
-- run_id). A view on purpose: GX writes raw.check_results between the
-- intermediate and the marts builds, and the marts must see that run.
{{ config(materialized='view') }}

with

check_results as (

    select * from {{ ref('stg_check_results') }}

),

report_runs as (

    select
        report_id,
        run_id,
        max(validated_at) as validated_at
    from check_results
    group by report_id, run_id

),

ranked_runs as (

    select
        report_id,
        run_id,
        row_number() over (
            partition by report_id
            order by validated_at desc, run_id desc
        ) as run_rank
    from report_runs

),

latest_runs as (

    select report_id, run_id
    from ranked_runs
    where run_rank = 1

),

final as (

    select check_results.*
    from check_results
    inner join latest_runs
        on check_results.report_id = latest_runs.report_id
        and check_results.run_id = latest_runs.run_id

)

select * from final
