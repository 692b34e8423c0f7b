-- Per report with a previous-year report and per part: its sentences
-- (int_report_sentences) and how many of them appear anywhere in the previous
-- year's report.

with

pairs as (

    select * from {{ ref('int_report_pairs') }}

),

sentences as (

    select * from {{ ref('int_report_sentences') }}

),

previous_sentences as (

    select distinct report_id, sentence
    from sentences

),

final as (

    select
        sentences.report_id,
        pairs.previous_report_id,
        sentences.section_no,
        count(*) as n_sentences,
        count(previous_sentences.sentence) as n_reused_sentences
    from sentences
    inner join pairs
        on sentences.report_id = pairs.report_id
    left join previous_sentences
        on pairs.previous_report_id = previous_sentences.report_id
        and sentences.sentence = previous_sentences.sentence
    group by sentences.report_id, pairs.previous_report_id, sentences.section_no

)

select * from final
