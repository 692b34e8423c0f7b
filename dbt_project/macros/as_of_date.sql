{#
    The date publication monitoring judges by: which report years could
    exist yet, which due dates have passed, how many days a missing report
    is overdue. Today (current_date) unless DISCLOSURE_AS_OF_DATE
    (YYYY-MM-DD) pins it: for a reproducible rebuild of a past day and for
    tests, whose expected sets must not move with the calendar.
#}
{% macro as_of_date() -%}
    {%- set pinned = env_var('DISCLOSURE_AS_OF_DATE', '') | trim -%}
    {%- if pinned == '' -%}
        current_date
    {%- elif modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', pinned) -%}
        cast('{{ pinned }}' as date)
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "DISCLOSURE_AS_OF_DATE must be a date YYYY-MM-DD, not '" ~ pinned ~ "'") }}
    {%- endif -%}
{%- endmacro %}
