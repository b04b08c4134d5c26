-- Grain: one row per optional column per school per school year with an enrollment
-- (source_name as table.column, school_id, school_year): the share of the school-year's
-- spells, exits or students that carry a value, and whether that makes the column
-- present (var coverage_present_share), partial, absent or not applicable. Read by
-- int_school_years__data_coverage.

with

spells as (
    select * from {{ ref('int_enrollments__cleaned') }}
),

students as (
    select * from {{ ref('stg_sis__students') }}
),

characteristics as (
    select * from {{ ref('stg_sis__student_characteristics') }}
),

school_years as (
    select
        school_id,
        school_year,
        count(distinct student_id) as students,
        count(*) as spells,
        count(entry_type) as spells_with_entry_type,
        count(case when has_exited then 1 end) as exits,
        count(case when has_exited and exit_code is not null then 1 end) as exits_with_code
    from spells
    group by school_id, school_year
),

school_year_students as (
    select distinct
        school_id,
        school_year,
        student_id
    from spells
),

student_columns as (
    select
        school_year_students.school_id,
        school_year_students.school_year,
        count(distinct case when students.birth_date is not null then students.student_id end)
            as with_birth_date,
        count(distinct case when students.sex is not null then students.student_id end)
            as with_sex,
        count(distinct case
            when students.race_ethnicity is not null then students.student_id
        end) as with_race_ethnicity,
        count(distinct characteristics.student_id) as with_characteristics
    from school_year_students
    left join students
        on school_year_students.student_id = students.student_id
    left join characteristics
        on
            school_year_students.student_id = characteristics.student_id
            and school_year_students.school_year = characteristics.school_year
    group by school_year_students.school_id, school_year_students.school_year
),

-- every count of the school-year in one row: its spells, exits and students, and how
-- many of each carry a value
counts as (
    select
        school_years.*,
        student_columns.with_birth_date,
        student_columns.with_sex,
        student_columns.with_race_ethnicity,
        student_columns.with_characteristics
    from school_years
    inner join student_columns
        on
            school_years.school_id = student_columns.school_id
            and school_years.school_year = student_columns.school_year
),

-- optional columns: the share of the school-year's students (or spells, or exits)
-- that carry a value
{%- set optional_columns = [
    ('enrollments.entry_type', 'spells', 'spells_with_entry_type',
        "no entry type on the school''s enrollments this year"),
    ('enrollments.exit_code', 'exits', 'exits_with_code',
        "no exit code on the school''s exits this year"),
    ('students.birth_date', 'students', 'with_birth_date',
        "no birth dates for the school''s students"),
    ('students.sex', 'students', 'with_sex',
        "no sex recorded for the school''s students"),
    ('students.race_ethnicity', 'students', 'with_race_ethnicity',
        "no race/ethnicity recorded for the school''s students"),
    ('student_characteristics', 'students', 'with_characteristics',
        "no yearly characteristics rows for the school''s students"),
] %}
column_counts as (
    {%- for source, total, found, reason in optional_columns %}
        {%- if not loop.first %}
            union all
        {%- endif %}
        select
            school_id,
            school_year,
            '{{ source }}' as source_name,
            {{ total }} as total,
            {{ found }} as found,
            '{{ reason }}' as absent_reason
        from counts
    {%- endfor %}
),

final as (
    select
        school_id,
        school_year,
        source_name,
        cast(found as {{ dbt.type_bigint() }}) as rows_found,
        cast(found as {{ type_double() }}) / nullif(total, 0) as share_with_value,
        cast(null as date) as last_data_date,
        cast(null as date) as data_complete_through_date,
        case
            when total = 0 then 'not_applicable'
            when
                cast(found as {{ type_double() }}) / total
                >= {{ var('coverage_present_share', 0.95) }}
                then 'present'
            when found > 0 then 'partial'
            else 'absent'
        end as status,
        absent_reason
    from column_counts
)

select * from final
