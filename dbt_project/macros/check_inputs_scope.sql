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

{# The start of this dbt run as a naive UTC timestamp (raw timestamps are naive UTC). #}
{% macro run_started() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}
