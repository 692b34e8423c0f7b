{#
    Small helpers over the vocabulary (seeds and vars of dbt_project.yml).
#}

{#
    The codes of `kind` in the code_labels seed, read at run time so that a
    code added in extractors/codes.py (and regenerated into the seed) becomes
    a column without touching SQL. The calling model must import
    ref('code_labels') itself so that dbt orders the seed first. Returns []
    while dbt parses.
#}
{% macro vocabulary_codes(code_labels, kind) %}
    {% if not execute %}
        {{ return([]) }}
    {% endif %}
    {% set relation = load_relation(code_labels) %}
    {% if relation is none %}
        {{ exceptions.raise_compiler_error(
            "seed code_labels is missing in the warehouse: run `dbt build` (or `dbt seed`) first") }}
    {% endif %}
    {% set query %}
        select code from {{ relation }} where kind = '{{ kind }}'
    {% endset %}
    {{ return(run_query(query).columns[0].values() | list) }}
{% endmacro %}

{# A code as a column name: `denied.state_secret` -> `denied__state_secret`. #}
{% macro code_column(code) -%}
    {{ code | replace('.', '__') }}
{%- endmacro %}

{# `('a', 'b')` from a list of strings, for `in` filters over a var. #}
{% macro sql_list(values) -%}
    ({% for value in values %}'{{ value }}'{{ ", " if not loop.last }}{% endfor %})
{%- endmacro %}

{# The stable agency id: first 12 hex digits of md5 of the agency name. #}
{% macro agency_id(agency_name) -%}
    substr(md5({{ agency_name }}), 1, 12)
{%- endmacro %}
