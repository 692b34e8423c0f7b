-- One row per part (一 … 六) of a report: its title, prose and pages, and,
-- when the agency has a report of the year before, how much of it repeats.

with

sections as (

    select * from {{ ref('stg_sections') }}

),

report_reuse as (

    select * from {{ ref('int_report_reuse') }}

),

final as (

    select
        sections.report_id,
        sections.section_no,
        sections.section_number,
        sections.title,
        sections.section_text,
        sections.first_page,
        sections.last_page,
        cast(length(sections.section_text) as bigint) as n_chars,
        report_reuse.n_sentences,
        report_reuse.n_reused_sentences,
        case
            when report_reuse.n_sentences > 0
            then cast(1.0 * report_reuse.n_reused_sentences / report_reuse.n_sentences as double precision)
        end as reuse_ratio
    from sections
    left join report_reuse
        on sections.report_id = report_reuse.report_id
        and sections.section_no = report_reuse.section_no

)

select * from final
