{#
    What a data test reads (dbt's hook for the `where` config, overridden).
    The tests of a model incremental on the report (report_incremental in
    macros/incremental_reports.sql) read, in an incremental `dbt build`, only
    the rows this invocation wrote (built_at = run_started): the reports it
    rebuilt. The rows held were tested by the build that wrote them, and a
    build that does not rewrite a report does not change its rows. A full
    refresh, or a `dbt test` apart from the build, tests whole tables.

    Sound for every test these models have: the row-level ones (not_null,
    accepted_values/codes, expression_is_true, the child side of
    relationships) and the unique keys, which all hold report_id or a column
    report_id derives from (stg_documents.sha256): delete+insert replaces a
    report's rows whole, so a duplicate key can only appear among the rows of
    a rebuilt report. A uniqueness test on a key without report_id could not
    be scoped so; none of these models has one.
#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') %}
    {%- if tests_only_this_build() %}
        {%- set built_now = 'built_at = ' ~ run_started() %}
        {%- set where = '(' ~ where ~ ') and ' ~ built_now if where else built_now %}
    {%- endif %}
    {%- if where %}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') %}
    {%- endif %}
    {%- do return(relation) %}
{%- endmacro %}

{# Whether the running test is over a report-incremental model built, incrementally, by this invocation. #}
{% macro tests_only_this_build() -%}
    {%- if not execute or flags.WHICH != 'build' or flags.FULL_REFRESH %}
        {%- do return(false) %}
    {%- endif %}
    {%- set tested = model.get('attached_node') %}
    {%- if tested not in selected_resources %}
        {%- do return(false) %}
    {%- endif %}
    {%- set tested_config = graph.nodes[tested].config %}
    {%- do return(tested_config.materialized == 'incremental' and tested_config.unique_key == 'report_id') %}
{%- endmacro %}
