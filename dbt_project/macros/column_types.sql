{#
    One type per mart column on every target (tests/dbt_project/test_marts_both_targets.py):
    a figure a report prints (件 or 万元) is decimal(18, 2), exact on both
    targets, and a ratio is double precision (DuckDB divides decimals into a
    double, Postgres into a numeric). Counts of rows use count(), bigint on
    both (DuckDB's sum of integers is HUGEINT).
#}
{% macro as_figure(expression) -%}
    cast({{ expression }} as decimal(18, 2))
{%- endmacro %}

{% macro as_ratio(expression) -%}
    cast({{ expression }} as double precision)
{%- endmacro %}
