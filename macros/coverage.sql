{#- Data coverage (doc block data_coverage): the statuses a source or an indicator can
    have, worst first, and the indicator families that int_student_years__data_coverage
    pivots into columns (the indicators of seed ews_indicator_sources; the singular test
    assert_coverage_indicators_match_seed checks that the two lists agree). -#}

{% macro coverage_statuses() -%}
    {{ return(['absent', 'not_started', 'not_due', 'partial', 'present', 'not_applicable']) }}
{%- endmacro %}

{% macro coverage_indicators() -%}
    {{ return([
        'attendance', 'course_performance', 'assessments', 'behaviour', 'services',
        'family_contacts', 'activities', 'entries', 'late_entry', 'over_age', 'student_groups',
        'graduation', 'sex', 'race_ethnicity', 'social_emotional', 'climate', 'math_interims',
        'advanced_coursework', 'readiness_exam', 'cte', 'fafsa'
    ]) }}
{%- endmacro %}

{#- SQL rank of a status column (1 = worst): min() of it picks the worst status. -#}
{% macro coverage_status_rank(status) -%}
    case {{ status }}
    {%- for s in coverage_statuses() %}
        when '{{ s }}' then {{ loop.index }}
    {%- endfor %}
    end
{%- endmacro %}

{#- SQL of the status whose rank is `rank` (the inverse of coverage_status_rank). -#}
{% macro coverage_status_of_rank(rank) -%}
    case {{ rank }}
    {%- for s in coverage_statuses() %}
        when {{ loop.index }} then '{{ s }}'
    {%- endfor %}
    end
{%- endmacro %}

{#- `expression` where the indicator's status allows a value, else null: an indicator
    whose data is absent is unknown, never zero (doc block data_coverage). -#}
{% macro if_known(status, expression) -%}
    case when coalesce({{ status }}, 'absent') <> 'absent' then {{ expression }} end
{%- endmacro %}

{#- A band flag: null where the indicator's data is absent (unknown never fires a flag
    and never reads as "not flagged"), else the condition with null read as false. -#}
{% macro flag_if_known(status, condition) -%}
    case
        when coalesce({{ status }}, 'absent') = 'absent' then null
        else coalesce({{ condition }}, false)
    end
{%- endmacro %}

{#- The school year (named by its spring year) a date falls in: a school year runs from
    1 July (the raw contract's rule, k12ews.load.rules.SCHOOL_YEAR_START). -#}
{% macro school_year_of(date) -%}
    cast(
        extract(year from {{ date }})
        + case when extract(month from {{ date }}) >= 7 then 1 else 0 end
        as {{ dbt.type_int() }}
    )
{%- endmacro %}

{#- The last day of school year `year` (30 June of its spring year). -#}
{% macro school_year_last_day(year) -%}
    cast({{ dbt.concat(["cast(" ~ year ~ " as " ~ dbt.type_string() ~ ")", "'-06-30'"]) }} as date)
{%- endmacro %}

{#- `expression` where the boolean column `is_covered` says the source covers the row,
    else null (the success-metric tables, #14: a table left out, or a year or grade it
    does not cover, is unknown, never zero). -#}
{% macro if_known_bool(is_covered, expression) -%}
    case when {{ is_covered }} then {{ expression }} end
{%- endmacro %}

{#- The date of `month_day` ('MM-DD', a string) in calendar year `year` (a column or
    expression). -#}
{% macro date_in_year(year, month_day) -%}
    cast(
        {{ dbt.concat(["cast(" ~ year ~ " as " ~ dbt.type_string() ~ ")", "'-" ~ month_day ~ "'"]) }}
        as date
    )
{%- endmacro %}
