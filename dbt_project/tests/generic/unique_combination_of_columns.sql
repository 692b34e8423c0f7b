{#
    The combination of `combination_of_columns` is unique in the model (a
    composite key). Local stand-in for dbt_utils' test: we have no hub access.
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

{%- set columns_csv = combination_of_columns | join(', ') %}

with validation as (
    select
        {{ columns_csv }},
        count(*) as n_rows
    from {{ model }}
    group by {{ columns_csv }}
)

select *
from validation
where n_rows > 1

{% endtest %}
