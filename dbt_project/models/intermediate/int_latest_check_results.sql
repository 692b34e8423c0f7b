-- The current result of every (report, check, subject): the latest stored
-- change that the report's latest validation run found (int_check_history).
-- run_id and validated_at are that run. A view on purpose (see
-- int_check_history).
{{ config(materialized='view') }}

with

check_history as (

    select * from {{ ref('int_check_history') }}

),

final as (

    select
        report_id,
        check_id,
        subject,
        last_seen_run as run_id,
        first_seen_run,
        expected,
        observed,
        difference,
        severity,
        status,
        note,
        previous_status,
        change_kind,
        last_seen_at as validated_at,
        first_seen_at
    from check_history
    where is_current

)

select * from final
