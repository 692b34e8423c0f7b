{#
    Every row satisfies a boolean SQL `expression` (an arithmetic rule
    declared as data, e.g. `difference = observed - expected`). With
    `column_name` set, the expression is applied to that column
    (`expression: ">= 0"`). Rows where the expression is null pass: missing
    values are the identity checks' business (not_evaluable), not an error.
#}
{% test expression_is_true(model, expression, column_name=none) %}

with validation as (
    select *
    from {{ model }}
)

select *
from validation
{% if column_name is none %}
where not ({{ expression }})
{% else %}
where not ({{ column_name }} {{ expression }})
{% endif %}

{% endtest %}
