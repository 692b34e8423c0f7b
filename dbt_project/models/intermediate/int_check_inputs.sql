-- Both sides of every identity (docs/ARCHITECTURE.md "The identity inputs");
-- GX asserts expected = observed. One row per report, check and subject
-- (report.on_time: per agency-year report_key, found or not). Both sides are
-- doubles and null when an input cell is absent (GX then records
-- not_evaluable); a missing cell is never read as 0. `note` says what the
-- result rests on where the sides alone do not: why a row cannot be evaluated,
-- which table figure the text matched, which rows a template lacks.
-- A table (GX reads it between the intermediate and the marts builds),
-- incremental on the report (macros/incremental_reports.sql): a run
-- recomputes the reports loaded since its watermark and the reports whose
-- cross-report inputs they are part of (the other versions of their
-- agency-year and the reports of the year after: year.carry,
-- report.reused_text), and every report.on_time row (the calendar moves
-- them). built_at is when dbt last wrote a row: GX validates the rows built
-- since its last run (expectations/run_checks.py). A report.on_time row
-- whose sides and note are the held ones, and whose agency-year's first
-- report was not loaded since, keeps the held built_at: a day that moves no
-- publication status gives GX nothing to validate and the marts nothing to
-- rebuild (its stored result stands, as a report's does until its input
-- changes); a due date passing or a report found gives a new row.
-- depends_on: {{ ref('int_agency_year_reports') }}
{{ config(**report_incremental('current_checked_reports')) }}

{%- set application_templates = sql_list(var('application_templates')) %}
{%- set non_result_rows = sql_list(var('non_result_rows')) %}
{%- set amount_measures = sql_list(var('amount_measures')) %}
{%- set signed_measures = sql_list(var('signed_measures')) %}
{%- set legacy_amount_rows = sql_list(var('legacy_amount_rows')) %}
{#- report.reused_text: the share of reused sentences above which the check fails (docs/RUNBOOK.md) #}
{%- set reused_text_threshold = 0.5 %}
{#- and the comparable sentences a report needs before its share means anything #}
{%- set reused_text_min_sentences = 10 %}

with

{{ check_inputs_scope() }}

reports as (

    select * from {{ ref('stg_reports') }}
    {{- affected_reports_only() }}

),

cells as (

    select * from {{ ref('stg_cells') }}
    {{- affected_reports_only() }}

),

narrative_facts as (

    select * from {{ ref('stg_narrative_facts') }}
    {{- affected_reports_only() }}

),

parse_issues as (

    select * from {{ ref('stg_parse_issues') }}
    {{- affected_reports_only() }}

),

code_labels as (

    select * from {{ ref('code_labels') }}

),

template_shape as (

    select * from {{ ref('template_shape') }}

),

report_pairs as (

    select * from {{ ref('int_report_pairs') }}
    {{- affected_reports_only() }}

),

applications_wide as (

    select * from {{ ref('int_applications_wide') }}
    {{- affected_reports_only(with_previous_year=true) }}

),

sections as (

    select * from {{ ref('stg_sections') }}
    {{- affected_reports_only() }}

),

narrative_fact_cells as (

    select * from {{ ref('narrative_fact_cells') }}

),

report_reuse as (

    select * from {{ ref('int_report_reuse') }}
    {{- affected_reports_only() }}

),

publication as (

    select * from {{ ref('int_publication') }}

),

---------- vocabulary

applicants as (

    select code as applicant
    from code_labels
    where kind = 'applicant'

),

proceedings as (

    select code as proceeding
    from code_labels
    where kind = 'proceeding'

),

-- reports whose template carries the application and appeal tables
table_reports as (

    select report_id, template
    from reports
    where template in {{ application_templates }}

),

application_cells as (

    select report_id, row_code, column_code as applicant, value
    from cells
    where table_name = 'applications'

),

-- every (report, application row of its template, applicant), null where absent
application_grid as (

    select
        table_reports.report_id,
        template_shape.row_code,
        applicants.applicant,
        application_cells.value
    from table_reports
    inner join template_shape
        on table_reports.template = template_shape.template
        and template_shape.table_name = 'applications'
    cross join applicants
    left join application_cells
        on table_reports.report_id = application_cells.report_id
        and template_shape.row_code = application_cells.row_code
        and applicants.applicant = application_cells.applicant

),

---------- app.balance: new_received + carried_over = results_total + carried_forward

balance_values as (

    select
        table_reports.report_id,
        applicants.applicant,
        max(case when application_cells.row_code = 'new_received' then application_cells.value end)
            as new_received,
        max(case when application_cells.row_code = 'carried_over' then application_cells.value end)
            as carried_over,
        max(case when application_cells.row_code = 'results_total' then application_cells.value end)
            as results_total,
        max(case when application_cells.row_code = 'carried_forward' then application_cells.value end)
            as carried_forward
    from table_reports
    cross join applicants
    left join application_cells
        on table_reports.report_id = application_cells.report_id
        and applicants.applicant = application_cells.applicant
    group by table_reports.report_id, applicants.applicant

),

app_balance as (

    select
        report_id,
        'app.balance' as check_id,
        applicant as subject,
        new_received + carried_over as expected,
        results_total + carried_forward as observed
    from balance_values

),

---------- app.results_sum: sum of the template's result leaves = results_total
-- (a gov2021 table printing （六）其他处理 as gov2019's one row, other.other, has gov2019's leaves: the
-- parser records it as issue row.other_as_one_row; its 2021-only rows, codes.GOV2021_ONLY_ROWS, are no leaves)

other_as_one_row_reports as (

    select distinct report_id
    from parse_issues
    where issue = 'row.other_as_one_row'

),

results_grid as (

    select application_grid.*
    from application_grid
    left join other_as_one_row_reports
        on application_grid.report_id = other_as_one_row_reports.report_id
    where
        other_as_one_row_reports.report_id is null
        or application_grid.row_code not in ('other.no_correction', 'other.unpaid_fee')

),

app_results_sum as (

    select
        report_id,
        'app.results_sum' as check_id,
        applicant as subject,
        case
            when count(case when row_code not in {{ non_result_rows }} then 1 end)
                = count(case when row_code not in {{ non_result_rows }} then value end)
            then sum(case when row_code not in {{ non_result_rows }} then value end)
        end as expected,
        max(case when row_code = 'results_total' then value end) as observed
    from results_grid
    group by report_id, applicant

),

---------- app.row_total: sum of the six applicant columns = total column

app_row_total as (

    select
        report_id,
        'app.row_total' as check_id,
        row_code as subject,
        case
            when count(case when applicant <> 'total' then 1 end)
                = count(case when applicant <> 'total' then value end)
            then sum(case when applicant <> 'total' then value end)
        end as expected,
        max(case when applicant = 'total' then value end) as observed
    from application_grid
    group by report_id, row_code

),

---------- appeal.sum: upheld + corrected + other + pending = total

appeal_values as (

    select
        table_reports.report_id,
        proceedings.proceeding,
        max(case when cells.column_code = 'upheld' then cells.value end) as upheld,
        max(case when cells.column_code = 'corrected' then cells.value end) as corrected,
        max(case when cells.column_code = 'other' then cells.value end) as other,
        max(case when cells.column_code = 'pending' then cells.value end) as pending,
        max(case when cells.column_code = 'total' then cells.value end) as total
    from table_reports
    cross join proceedings
    left join cells
        on table_reports.report_id = cells.report_id
        and cells.table_name = 'appeals'
        and proceedings.proceeding = cells.row_code
    group by table_reports.report_id, proceedings.proceeding

),

appeal_sum as (

    select
        report_id,
        'appeal.sum' as check_id,
        proceeding as subject,
        upheld + corrected + other + pending as expected,
        total as observed
    from appeal_values

),

---------- legacy.sum: a total of the pre-2019 统计表 = the sum of its parts (var legacy_sums, each
-- total first); null when a part is null (the parser emits every legacy row, null when absent);
-- a table stating neither the total nor a part gives no row

legacy_cells as (

    select
        report_id,
        row_code,
        value,
        case
            {%- for sum_rows in var('legacy_sums') %}
                when row_code in {{ sql_list(sum_rows[1:]) }} then '{{ sum_rows[0] }}'
            {%- endfor %}
        end as total_code
    from cells
    where table_name = 'legacy'

),

legacy_parts as (

    select
        report_id,
        total_code,
        count(*) as n_parts,
        count(value) as n_parts_stated,
        sum(value) as parts_sum
    from legacy_cells
    where total_code is not null
    group by report_id, total_code

),

legacy_sum as (

    select
        legacy_parts.report_id,
        'legacy.sum' as check_id,
        legacy_parts.total_code as subject,
        case when legacy_parts.n_parts_stated = legacy_parts.n_parts then legacy_parts.parts_sum end as expected,
        totals.value as observed
    from legacy_parts
    left join legacy_cells as totals
        on legacy_parts.report_id = totals.report_id
        and legacy_parts.total_code = totals.row_code
    where legacy_parts.n_parts_stated > 0 or totals.value is not null

),

---------- narrative.applications: applications received in the text = table new_received x total
-- (reports with a table template whose text states the figure). A text may count the
-- carried-over applications too (收到申请75件 against 新收 74 + 上年结转 1): that passes, and
-- the note says which figure matched; it fails only when neither matches.

narrative_figures as (

    select
        narrative_facts.report_id,
        narrative_facts.value as stated,
        max(case when application_cells.row_code = 'new_received' then application_cells.value end)
            as new_received,
        max(case when application_cells.row_code = 'carried_over' then application_cells.value end)
            as carried_over
    from narrative_facts
    inner join table_reports
        on narrative_facts.report_id = table_reports.report_id
    left join application_cells
        on narrative_facts.report_id = application_cells.report_id
        and application_cells.row_code in ('new_received', 'carried_over')
        and application_cells.applicant = 'total'
    where narrative_facts.fact = 'applications_received'
        and narrative_facts.seq = 1
    group by narrative_facts.report_id, narrative_facts.value

),

narrative_applications as (

    select
        report_id,
        'narrative.applications' as check_id,
        'new_received.total' as subject,
        stated as expected,
        case
            when stated <> new_received and stated = new_received + carried_over
            then new_received + carried_over
            else new_received
        end as observed,
        case
            when stated is null then 'the figure in the text has no number'
            when new_received is null then 'table 新收 总计 (new_received.total) absent'
            when stated = new_received then 'text counts 新收 (new_received)'
            when stated = new_received + carried_over
            then 'text counts 新收 + 上年结转 (new_received + carried_over)'
            else 'text matches neither 新收 (new_received) nor 新收 + 上年结转 (new_received + carried_over)'
        end as note
    from narrative_figures

),

---------- narrative.proactive: a stated total = the sum of its stated parts
-- (reports that state both a total and at least one part)

proactive_totals as (

    select report_id, value
    from narrative_facts
    where fact = 'proactive_published_total'
        and seq = 1

),

proactive_parts as (

    select
        report_id,
        case when count(*) = count(value) then sum(value) end as parts_sum
    from narrative_facts
    where fact = 'proactive_published_part'
    group by report_id

),

narrative_proactive as (

    select
        proactive_totals.report_id,
        'narrative.proactive' as check_id,
        'proactive_published_total' as subject,
        proactive_parts.parts_sum as expected,
        proactive_totals.value as observed,
        case when proactive_parts.parts_sum is null then 'a stated part has no figure' end as note
    from proactive_totals
    inner join proactive_parts
        on proactive_totals.report_id = proactive_parts.report_id

),

---------- narrative.carry / narrative.granted / narrative.appeals: a figure the text states = its table cells
-- (seed narrative_fact_cells: litigation_total is the sum of two cells; the first statement, seq 1)

stated_cell_values as (

    select
        narrative_facts.report_id,
        narrative_fact_cells.check_id,
        narrative_fact_cells.subject,
        narrative_facts.value as stated,
        count(*) as n_cells,
        count(cells.value) as n_values,
        sum(cells.value) as cells_sum
    from narrative_facts
    inner join table_reports
        on narrative_facts.report_id = table_reports.report_id
    inner join narrative_fact_cells
        on narrative_facts.fact = narrative_fact_cells.fact
    left join cells
        on narrative_facts.report_id = cells.report_id
        and narrative_fact_cells.table_name = cells.table_name
        and narrative_fact_cells.row_code = cells.row_code
        and narrative_fact_cells.column_code = cells.column_code
    where narrative_facts.seq = 1
    group by
        narrative_facts.report_id,
        narrative_fact_cells.check_id,
        narrative_fact_cells.subject,
        narrative_facts.value

),

narrative_stated as (

    select
        report_id,
        check_id,
        subject,
        stated as expected,
        case when n_cells = n_values then cells_sum end as observed
    from stated_cell_values

),

---------- report.section_missing / report.section_empty: parts 五 and 六 of the template reports

required_sections as (

    select
        table_reports.report_id,
        required.section_no,
        required.section_number,
        sections.section_text
    from table_reports
    cross join (values (5, '五'), (6, '六')) as required (section_no, section_number)
    left join sections
        on table_reports.report_id = sections.report_id
        and required.section_no = sections.section_no

),

section_missing as (

    select
        report_id,
        'report.section_missing' as check_id,
        section_number as subject,
        1 as expected,
        case when section_text is null then 0 else 1 end as observed
    from required_sections

),

section_empty as (

    select
        report_id,
        'report.section_empty' as check_id,
        section_number as subject,
        1 as expected,
        case when {{ letters_only('section_text') }} = '' then 0 else 1 end as observed
    from required_sections
    where section_text is not null

),

---------- report.fee_explained: fees charged (本年收费金额 > 0) and part 六 speaks of them

fee_reports as (

    select report_id
    from cells
    where table_name = 'proactive'
        and column_code = 'fee_amount'
    group by report_id
    having sum(value) > 0

),

fee_explained as (

    select
        fee_reports.report_id,
        'report.fee_explained' as check_id,
        required_sections.section_number as subject,
        1 as expected,
        case
            when required_sections.section_text like '%收费%'
                or required_sections.section_text like '%费用%'
                or required_sections.section_text like '%收取%'
                or required_sections.section_text like '%缴费%'
                or required_sections.section_text like '%缴纳%'
                or required_sections.section_text like '%处理费%'
            then 1
            else 0
        end as observed
    from fee_reports
    inner join required_sections
        on fee_reports.report_id = required_sections.report_id
        and required_sections.section_no = 6

),

---------- report.reused_text: share of sentences repeated from last year's report <= threshold
-- (expected = the share capped at the threshold, so a failure shows threshold against share;
-- null when the report has too few comparable sentences)

reuse_totals as (

    select
        report_id,
        sum(n_sentences) as n_sentences,
        sum(n_reused_sentences) as n_reused_sentences
    from report_reuse
    group by report_id

),

reused_text as (

    select
        report_id,
        'report.reused_text' as check_id,
        'sentences' as subject,
        case
            when n_sentences >= {{ reused_text_min_sentences }}
            then least(1.0 * n_reused_sentences / n_sentences, {{ reused_text_threshold }})
        end as expected,
        case
            when n_sentences >= {{ reused_text_min_sentences }}
            then 1.0 * n_reused_sentences / n_sentences
        end as observed
    from reuse_totals

),

---------- values.valid: counts are non-negative integers, amounts non-negative
-- (every non-null cell except the signed measures; amounts in 万元 rounded to 0.01: the
-- proactive amount measures and the legacy 统计表's 万元 rows)

classified_cells as (

    select
        report_id,
        table_name || ':' || row_code || ':' || column_code as subject,
        value,
        (table_name = 'proactive' and column_code in {{ amount_measures }})
        or (table_name = 'legacy' and row_code in {{ legacy_amount_rows }}) as is_amount
    from cells
    where value is not null
        and not (table_name = 'proactive' and column_code in {{ signed_measures }})

),

values_valid as (

    select
        report_id,
        'values.valid' as check_id,
        subject,
        case
            when is_amount then greatest({{ round_to('value', 2) }}, 0)
            else greatest(round(value), 0)
        end as expected,
        case
            when is_amount then {{ round_to('value', 2) }}
            else value
        end as observed
    from classified_cells

),

---------- template.complete: cells the report's own template form holds = non-null cells present
-- (per table; the form is the template_shape of the report's detected template, so a row
-- another form has never counts; present cells of a row are capped at its expected_cells;
-- the note lists the rows short of cells)

present_cells as (

    select
        report_id,
        table_name,
        row_code,
        count(value) as n_present
    from cells
    group by report_id, table_name, row_code

),

shape_rows as (

    select
        table_reports.report_id,
        template_shape.table_name,
        template_shape.row_code,
        template_shape.expected_cells,
        case
            when present_cells.n_present is null then 0
            when present_cells.n_present > template_shape.expected_cells then template_shape.expected_cells
            else present_cells.n_present
        end as n_present
    from table_reports
    inner join template_shape
        on table_reports.template = template_shape.template
    left join present_cells
        on table_reports.report_id = present_cells.report_id
        and template_shape.table_name = present_cells.table_name
        and template_shape.row_code = present_cells.row_code

),

template_complete as (

    select
        report_id,
        'template.complete' as check_id,
        table_name as subject,
        sum(expected_cells) as expected,
        sum(n_present) as observed,
        'rows short of cells: ' || string_agg(
            case when n_present < expected_cells then row_code end, ', ' order by row_code
        ) as note
    from shape_rows
    group by report_id, table_name

),

-- reports whose template was not detected: nothing to compare with, and the row says so
template_unknown as (

    select
        report_id,
        'template.complete' as check_id,
        'template' as subject,
        cast(null as double precision) as expected,
        cast(null as double precision) as observed,
        'template not detected: no form to compare with' as note
    from reports
    where template is null

),

---------- year.carry: last year's carried_forward = this year's carried_over, same agency
-- (every report of a year with the table templates against the primary report of the year before)

carry_pairs as (

    select
        report_id,
        previous_report_id as last_year_report_id
    from report_pairs
    where template in {{ application_templates }}
        and previous_template in {{ application_templates }}

),

year_carry as (

    select
        carry_pairs.report_id,
        'year.carry' as check_id,
        applicants.applicant as subject,
        last_year.carried_forward as expected,
        this_year.carried_over as observed
    from carry_pairs
    cross join applicants
    left join applications_wide as last_year
        on carry_pairs.last_year_report_id = last_year.report_id
        and applicants.applicant = last_year.applicant
    left join applications_wide as this_year
        on carry_pairs.report_id = this_year.report_id
        and applicants.applicant = this_year.applicant

),

---------- report.on_time: reports published by the due date = 1, per expected agency-year
-- (keyed on int_publication.report_key; not_yet_due and unverified -> observed null: not evaluable.
-- Every expected agency-year gets a row in every run; an unchanged one keeps its held built_at, below.)

report_on_time as (

    select
        report_key as report_id,
        report_id as first_report_id,
        'report.on_time' as check_id,
        'due:' || cast(due_date as varchar) as subject,
        1 as expected,
        case publication_status
            when 'on_time' then 1
            when 'late' then 0
            when 'missing_overdue' then 0
        end as observed,
        case
            when publication_status not in ('on_time', 'late', 'missing_overdue')
            then 'publication ' || publication_status
        end as note
    from publication

),

{{ unchanged_on_time('report_on_time') }}

---------- all identities

unioned as (

    select report_id, check_id, subject, expected, observed, cast(null as varchar) as note from app_balance
    union all
    select report_id, check_id, subject, expected, observed, cast(null as varchar) as note from app_results_sum
    union all
    select report_id, check_id, subject, expected, observed, cast(null as varchar) as note from app_row_total
    union all
    select report_id, check_id, subject, expected, observed, cast(null as varchar) as note from appeal_sum
    union all
    select report_id, check_id, subject, expected, observed, cast(null as varchar) as note from legacy_sum
    union all
    select report_id, check_id, subject, expected, observed, note from narrative_applications
    union all
    select report_id, check_id, subject, expected, observed, note from narrative_proactive
    union all
    select report_id, check_id, subject, expected, observed, cast(null as varchar) as note from narrative_stated
    union all
    select report_id, check_id, subject, expected, observed, cast(null as varchar) as note from section_missing
    union all
    select report_id, check_id, subject, expected, observed, cast(null as varchar) as note from section_empty
    union all
    select report_id, check_id, subject, expected, observed, cast(null as varchar) as note from fee_explained
    union all
    select report_id, check_id, subject, expected, observed, cast(null as varchar) as note from reused_text
    union all
    select report_id, check_id, subject, expected, observed, cast(null as varchar) as note from values_valid
    union all
    select report_id, check_id, subject, expected, observed, note from template_complete
    union all
    select report_id, check_id, subject, expected, observed, note from template_unknown
    union all
    select report_id, check_id, subject, expected, observed, cast(null as varchar) as note from year_carry
    union all
    select report_id, check_id, subject, expected, observed, note from report_on_time

),

final as (

    select
        cast(unioned.report_id as varchar) as report_id,
        cast(unioned.check_id as varchar) as check_id,
        cast(unioned.subject as varchar) as subject,
        cast(unioned.expected as double precision) as expected,
        cast(unioned.observed as double precision) as observed,
        cast(unioned.note as varchar) as note,
        -- the report's generation (null for report.on_time): the model's watermark
        reports.loaded_at,
        {{ held_built_at_or(run_started()) }} as built_at
    from unioned
    left join reports
        on unioned.report_id = reports.report_id
    {{- unchanged_on_time_join('unioned') }}

)

select * from final
