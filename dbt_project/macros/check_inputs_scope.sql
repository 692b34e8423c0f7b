{#
    The reports an incremental build of int_check_inputs recomputes
    (macros/incremental_reports.sql): those loaded since its watermark, and
    every report of their agency-year and of the year after, whose
    cross-report inputs (year.carry, report.reused_text) read them. Renders
    the CTE `affected_reports` (and a trailing comma); nothing on a full build.
#}
{% macro check_inputs_scope() -%}
    {%- if is_incremental() %}
new_reports as (

    select report_id
    from {{ ref('stg_reports') }}
    where loaded_at > {{ report_watermark() }}

),

new_agency_years as (

    select agency_key, report_year
    from {{ ref('int_agency_year_reports') }}
    where report_id in (select new_reports.report_id from new_reports)

),

affected_reports as (

    select new_reports.report_id from new_reports
    union
    select agency_year_reports.report_id
    from {{ ref('int_agency_year_reports') }} as agency_year_reports
    inner join new_agency_years
        on agency_year_reports.agency_key = new_agency_years.agency_key
        and agency_year_reports.report_year between new_agency_years.report_year
        and new_agency_years.report_year + 1

),
    {%- endif %}
{%- endmacro %}

{#
    The filter of an import CTE of int_check_inputs to the affected reports
    (with_previous_year: and the previous-year reports they are compared
    with, from the CTE report_pairs); nothing on a full build.
#}
{% macro affected_reports_only(with_previous_year=false) -%}
    {% if is_incremental() %}
        where report_id in (select affected_reports.report_id from affected_reports)
        {% if with_previous_year %}
            or report_id in (select report_pairs.previous_report_id from report_pairs)
        {% endif %}
    {% endif %}
{%- endmacro %}

{#
    The report.on_time rows of int_check_inputs that keep their held
    built_at in an incremental build: those of the CTE `on_time_rows`
    (report_id, first_report_id, subject, expected, observed, note) whose
    sides and note are the held ones and whose agency-year's first report was
    not loaded after the held row was built. GX then has nothing new to
    validate for them, and their stored result stands (as a report's does
    until its input changes). Renders the CTEs `held_on_time` and
    `unchanged_on_time` (and a trailing comma); nothing on a full build.
#}
{% macro unchanged_on_time(on_time_rows) -%}
    {%- if is_incremental() %}
held_on_time as (

    select report_id, check_id, subject, expected, observed, note, built_at
    from {{ this }}
    where check_id = 'report.on_time'

),

first_report_generations as (

    select report_id, loaded_at from {{ ref('stg_reports') }}

),

unchanged_on_time as (

    select
        held_on_time.report_id,
        held_on_time.check_id,
        held_on_time.subject,
        held_on_time.built_at
    from {{ on_time_rows }} as on_time_rows
    inner join held_on_time
        on on_time_rows.report_id = held_on_time.report_id
        and on_time_rows.subject = held_on_time.subject
        and on_time_rows.expected = held_on_time.expected
        and on_time_rows.observed is not distinct from held_on_time.observed
        and on_time_rows.note is not distinct from held_on_time.note
    left join first_report_generations
        on on_time_rows.first_report_id = first_report_generations.report_id
    where first_report_generations.loaded_at is null
        or first_report_generations.loaded_at <= held_on_time.built_at

),
    {%- endif %}
{%- endmacro %}

{# built_at of a row: the held one of an unchanged report.on_time row, else `built_now` (this run's start). #}
{% macro held_built_at_or(built_now) -%}
    {%- if is_incremental() -%}
        coalesce(unchanged_on_time.built_at, {{ built_now }})
    {%- else -%}
        {{ built_now }}
    {%- endif -%}
{%- endmacro %}

{# The join of the CTE `rows` to unchanged_on_time (for held_built_at_or); nothing on a full build. #}
{% macro unchanged_on_time_join(rows) -%}
    {%- if is_incremental() %}
    left join unchanged_on_time
        on {{ rows }}.report_id = unchanged_on_time.report_id
        and {{ rows }}.check_id = unchanged_on_time.check_id
        and {{ rows }}.subject = unchanged_on_time.subject
    {%- endif %}
{%- endmacro %}

{# The start of this dbt run as a naive UTC timestamp (raw timestamps are naive UTC). #}
{% macro run_started() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}
