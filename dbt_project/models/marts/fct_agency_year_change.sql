-- Year over year, per agency and year of the agency-year grid
-- (agg_agency_year): each figure of the primary report, the same figure of
-- the previous year and the change. The previous year is report_year - 1
-- exactly, so the change is null when either year has no report or no
-- figure (never a change against a missing year). A change of a rate is in
-- rate points (0.05 = 5 percentage points).
{%- set denied_codes = [] %}
{%- for code in vocabulary_codes(ref('code_labels'), 'application_row') if code.startswith('denied.') %}
    {%- do denied_codes.append(code) %}
{%- endfor %}
{%- set proactive_measures = ['new_made', 'new_published', 'issued', 'repealed', 'in_force'] %}
{#- the compared figures, in column order #}
{%- set compared = ['applications_received', 'applications_granted', 'grant_rate'] %}
{%- for code in denied_codes %}{% do compared.append(code.replace('.', '__')) %}{% endfor %}
{%- do compared.extend(['appeals_total', 'appeals_corrected', 'appeal_correction_rate']) %}
{%- for measure in proactive_measures %}{% do compared.append('proactive_' ~ measure) %}{% endfor %}

with

agency_years as (

    select * from {{ ref('agg_agency_year') }}

),

applications_wide as (

    select * from {{ ref('int_applications_wide') }}

),

disclosures as (

    select * from {{ ref('fct_disclosures') }}

),

code_labels as (

    select * from {{ ref('code_labels') }}

),

-- the denial reasons' total column
denied as (

    select
        {%- for code in denied_codes %}
            {{ as_figure('applications_wide.' ~ code_column(code)) }} as {{ code_column(code) }},
        {%- endfor %}
        applications_wide.report_id
    from applications_wide
    where applications_wide.applicant = 'total'

),

-- proactive disclosure counts summed over the categories that state them
proactive as (

    select
        {%- for measure in proactive_measures %}
            {{ as_figure("sum(case when disclosures.measure = '" ~ measure ~ "' then disclosures.value end)") }}
                as proactive_{{ measure }},
        {%- endfor %}
        disclosures.report_id
    from disclosures
    group by disclosures.report_id

),

figures as (

    select
        agency_years.agency_id,
        agency_years.agency_name,
        agency_years.report_year,
        agency_years.report_id,
        agency_years.applications_received,
        agency_years.applications_granted,
        agency_years.grant_rate,
        {%- for code in denied_codes %}
            denied.{{ code_column(code) }},
        {%- endfor %}
        {%- for measure in proactive_measures %}
            proactive.proactive_{{ measure }},
        {%- endfor %}
        agency_years.appeals_total,
        agency_years.appeals_corrected,
        agency_years.appeal_correction_rate
    from agency_years
    left join denied
        on agency_years.report_id = denied.report_id
    left join proactive
        on agency_years.report_id = proactive.report_id

),

final as (

    select

        ---------- ids, then each figure, the previous year's and the change
        figures.agency_id,
        figures.agency_name,
        figures.report_year,
        figures.report_id,
        previous.report_id as previous_report_id
        {%- for column in compared -%}
            ,
            figures.{{ column }},
            previous.{{ column }} as {{ column }}_previous,
            {%- set change = 'figures.' ~ column ~ ' - previous.' ~ column %}
            {{ as_ratio(change) if column.endswith('_rate') else as_figure(change) }} as {{ column }}_change
        {%- endfor %}

    from figures
    left join figures as previous
        on figures.agency_id = previous.agency_id
        and figures.report_year - 1 = previous.report_year

)

select * from final
