-- The distinct sentences of each part of a report, compared as letters only:
-- digits, spaces and punctuation removed (a copied report changes its year and
-- figures), sentences shorter than 8 characters and the official template's
-- boilerplate (seed report_boilerplate) left out.

with

sections as (

    select * from {{ ref('stg_sections') }}

),

boilerplate as (

    select sentence from {{ ref('report_boilerplate') }}

),

split_sentences as (

    select
        report_id,
        section_no,
        unnest(regexp_split_to_array(section_text, '[。；;！!？?\n]')) as sentence_text
    from sections

),

normalized as (

    select
        report_id,
        section_no,
        {{ letters_only('sentence_text') }} as sentence
    from split_sentences

),

final as (

    select distinct
        normalized.report_id,
        normalized.section_no,
        normalized.sentence
    from normalized
    left join boilerplate
        on normalized.sentence = boilerplate.sentence
    where length(normalized.sentence) >= 8
        and boilerplate.sentence is null

)

select * from final
