{#
    Models incremental on the report (docs/ARCHITECTURE.md "Incremental
    transform"). Each row carries `loaded_at`: when the parser generation it
    was computed from was loaded. An incremental run reads only the
    generations loaded after the model's watermark (the greatest loaded_at
    it holds) and replaces those reports' rows whole: delete+insert on
    report_id, the same strategy on DuckDB and Postgres (a report has many
    rows, so a merge on report_id alone could not replace them).
    `dbt build --full-refresh` rebuilds them from scratch.
#}

{# The greatest loaded_at the model holds; 1900 when it holds none (everything is new). #}
{% macro report_watermark() -%}
    coalesce((select max(loaded_at) from {{ this }}), cast('1900-01-01' as timestamp))
{%- endmacro %}

{# In an incremental run, the filter to the generations loaded after the model's watermark; nothing on a full build. #}
{% macro loaded_since_watermark(loaded_at='loaded_at') -%}
    {%- if is_incremental() %}
    where {{ loaded_at }} > {{ report_watermark() }}
    {%- endif %}
{%- endmacro %}

{#
    The same for a model over the stored check results (fct_check_history):
    the reports, and agency-year keys, a validation run found since the
    greatest last_seen_at the model holds.
#}
{% macro validated_since_watermark() -%}
    {%- if is_incremental() %}
    where report_id in ({{ reports_validated_since_watermark() }})
    {%- endif %}
{%- endmacro %}

{# The select of those report_ids (incremental runs only); `held_last_seen_at` names the model's column. #}
{% macro reports_validated_since_watermark(held_last_seen_at='last_seen_at') -%}
    select check_results.report_id
    from {{ ref('stg_check_results') }} as check_results
    where check_results.last_seen_at > (
        select coalesce(max(held.{{ held_last_seen_at }}), {{ no_generation() }}) from {{ this }} as held
    )
{%- endmacro %}

{#
    The config of such a model. `current` names the macro that gives the
    current (report_id, loaded_at) pairs, for drop_stale_reports.
#}
{% macro report_incremental(current) -%}
    {{ return({
        'materialized': 'incremental',
        'unique_key': 'report_id',
        'incremental_strategy': 'delete+insert',
        'on_schema_change': 'fail',
        'post_hook': ["{{ drop_stale_reports(" ~ current ~ "()) }}"],
    }) }}
{%- endmacro %}

{#
    After an incremental run, drop the rows delete+insert did not replace:
    of a report whose current generation is another one (a re-parse that
    yields no row of this model) or whose document is gone. Nothing to do on
    a full build. A report's rows all hold one generation (a build writes
    them whole, from one), so the held (report, generation) pairs are
    compared first and the rows of the stale reports deleted: an anti-join
    of every held row with the current reports took 2 s of a build over
    13.5 million check inputs that dropped nothing, these 0.5 s.
#}
{% macro drop_stale_reports(current_reports) -%}
    {% if not is_incremental() %}
        {{ return('select 1 as nothing_to_drop') }}
    {% endif %}
    delete from {{ this }}
    where report_id in (
        select held.report_id
        from (
            select distinct
                report_id,
                coalesce(loaded_at, {{ no_generation() }}) as loaded_at
            from {{ this }}
        ) as held
        where not exists (
            select 1
            from ({{ current_reports }}) as current_reports
            where current_reports.report_id = held.report_id
                and current_reports.loaded_at = held.loaded_at
        )
    )
{%- endmacro %}

{# (report_id, loaded_at) of the newest generation of every document: what staging holds. #}
{% macro current_generations() -%}
    select substr(sha256, 1, 16) as report_id, loaded_at
    from ({{ newest_generation() }}) as generations
{%- endmacro %}

{# (report_id, loaded_at) of every report and every expected agency-year: what int_check_inputs holds. #}
{% macro current_checked_reports() -%}
    select report_id, loaded_at from {{ ref('stg_reports') }}
    union all
    select report_key as report_id, {{ no_generation() }} as loaded_at from {{ ref('int_publication') }}
{%- endmacro %}

{# The loaded_at of a row computed from no parser generation (report.on_time's expected agency-years). #}
{% macro no_generation() -%}
    cast('1900-01-01' as timestamp)
{%- endmacro %}

{#
    The reports an incremental build of fct_check_results recomputes: those
    whose current results, or the state an alert gives them, can differ from
    the rows it holds. Renders the CTEs `validated_reports`,
    `held_replacements` and `changed_reports` (and a trailing comma), reading
    the model's CTEs `latest_run` (the latest validation run, read whole) and
    `replaced_versions` (each replaced version and its agency-year's primary
    version); nothing on a full build.
#}
{% macro check_results_scope() -%}
    {%- if is_incremental() %}
validated_reports as (

    {{ reports_validated_since_watermark('validated_at') }}

),

held_replacements as (

    select distinct report_id, replaced_by
    from {{ this }}
    where replaced_by is not null

),

-- the reports whose rows can differ from the held ones
changed_reports as (

    -- validated since: their results (and context) changed
    select report_id from validated_reports
    union
    -- a failure new in the held latest run is open once another run is the
    -- latest; an open failure first found in the latest run is new again
    -- (the latest run's other reports are gone)
    select held.report_id from {{ this }} as held
    where held.alert_state = 'new'
        or (held.alert_state = 'open' and held.first_seen_at >= (select latest_run.last_seen_at from latest_run))
    union
    -- the primary version of their agency-year was validated since: its
    -- results decide whether theirs are resolved or superseded, and when
    select replaced_versions.report_id
    from replaced_versions
    inner join validated_reports
        on replaced_versions.current_report_id = validated_reports.report_id
    union
    -- another version became the primary one, or they became it (a new
    -- version, a re-parse with more cells, a version deleted)
    select coalesce(held_replacements.report_id, replaced_versions.report_id) as report_id
    from held_replacements
    full outer join replaced_versions
        on held_replacements.report_id = replaced_versions.report_id
    where held_replacements.replaced_by is distinct from replaced_versions.current_report_id

),
    {%- endif %}
{%- endmacro %}

{# The filter of fct_check_results' input to the CTE changed_reports; nothing on a full build. #}
{% macro changed_reports_only() -%}
    {%- if is_incremental() %}
    where report_id in (select changed_reports.report_id from changed_reports)
    {%- endif %}
{%- endmacro %}
