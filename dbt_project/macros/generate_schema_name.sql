{#
    Schemas are exactly `staging`, `intermediate`, `marts` and `seeds` on every
    target: BI, GX (`intermediate.int_check_inputs`) and the publish step name
    them directly, so dbt's default `<target schema>_<custom>` prefix
    (`main_marts`) is dropped. Nodes without a custom schema use the target's.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
