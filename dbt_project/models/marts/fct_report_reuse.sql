-- One row per report that has a report of the same agency for the year before:
-- the share of its comparable sentences (boilerplate excluded) found in that
-- report, and the part that repeats most.

with

report_reuse as (

    select * from {{ ref('int_report_reuse') }}

),

sections as (

    select * from {{ ref('stg_sections') }}

),

totals as (

    select
        report_id,
        previous_report_id,
        cast(sum(n_sentences) as bigint) as n_sentences,
        cast(sum(n_reused_sentences) as bigint) as n_reused_sentences
    from report_reuse
    group by report_id, previous_report_id

),

ranked_sections as (

    select
        report_id,
        section_no,
        cast(1.0 * n_reused_sentences / n_sentences as double precision) as section_reuse_ratio,
        row_number() over (
            partition by report_id
            order by n_reused_sentences desc, section_no asc
        ) as reuse_rank
    from report_reuse
    where n_reused_sentences > 0

),

final as (

    select
        totals.report_id,
        totals.previous_report_id,
        totals.n_sentences,
        totals.n_reused_sentences,
        cast(1.0 * totals.n_reused_sentences / totals.n_sentences as double precision) as reuse_ratio,
        ranked_sections.section_no as most_reused_section_no,
        sections.title as most_reused_section_title,
        ranked_sections.section_reuse_ratio as most_reused_section_ratio
    from totals
    left join ranked_sections
        on totals.report_id = ranked_sections.report_id
        and ranked_sections.reuse_rank = 1
    left join sections
        on ranked_sections.report_id = sections.report_id
        and ranked_sections.section_no = sections.section_no

)

select * from final
