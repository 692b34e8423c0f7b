{#
    Every non-null value of the column is a code of `kind` in the
    `code_labels` seed: the one vocabulary of extractors/codes.py, so SQL
    cannot drift from Python.
#}
{% test accepted_codes(model, column_name, kind) %}

with vocabulary as (
    select code
    from {{ ref('code_labels') }}
    where kind = '{{ kind }}'
),

validation as (
    select {{ column_name }} as code_value
    from {{ model }}
    where {{ column_name }} is not null
)

select validation.code_value
from validation
left join vocabulary
    on validation.code_value = vocabulary.code
where vocabulary.code is null

{% endtest %}
