{#
    The CJK characters and Latin letters of a text (digits, spaces and
    punctuation removed): how prose is compared. Portable (DuckDB and Postgres).
#}
{% macro letters_only(expression) -%}
    regexp_replace({{ expression }}, '[^一-龥A-Za-z]', '', 'g')
{%- endmacro %}
