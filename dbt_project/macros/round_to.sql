{#
    round(<double>, digits) returning a double on every target. Postgres has
    round(numeric, int) only; DuckDB rounds doubles directly (casting to its
    default numeric, decimal(18,3), would round twice).
#}
{% macro round_to(expression, digits) -%}
    {{ return(adapter.dispatch('round_to', 'disclosure')(expression, digits)) }}
{%- endmacro %}

{% macro default__round_to(expression, digits) -%}
    cast(round(cast({{ expression }} as numeric), {{ digits }}) as double precision)
{%- endmacro %}

{% macro duckdb__round_to(expression, digits) -%}
    round({{ expression }}, {{ digits }})
{%- endmacro %}
