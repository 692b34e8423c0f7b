-- Every run's results (not filtered by parser generation: results are keyed
-- on report_id and run_id). intermediate.int_latest_check_results picks the
-- latest run per report.
with

source as (

    select * from {{ source('raw', 'check_results') }}

),

renamed as (

    select

        ---------- ids
        run_id,
        report_id,
        check_id,
        subject,

        ---------- numerics
        cast(expected as double precision) as expected,
        cast(observed as double precision) as observed,
        cast(difference as double precision) as difference,

        ---------- status
        lower(severity) as severity,
        lower(status) as status,

        ---------- timestamps
        validated_at

    from source

)

select * from renamed
