-- Every stored check result change (not filtered by parser generation:
-- results are keyed on report_id). A row is a (report, check, subject) result
-- that was new or differed from the one before, first and last seen in the
-- runs named; intermediate.int_check_history orders them.
with

source as (

    select * from {{ source('raw', 'check_results') }}

),

renamed as (

    select

        ---------- ids
        report_id,
        check_id,
        subject,
        first_seen_run,
        last_seen_run,

        ---------- numerics
        cast(expected as double precision) as expected,
        cast(observed as double precision) as observed,
        cast(difference as double precision) as difference,

        ---------- status
        lower(severity) as severity,
        lower(status) as status,
        note,

        ---------- timestamps
        first_seen_at,
        last_seen_at

    from source

)

select * from renamed
