-- Grain: one row per school (school_id). The district's schools with their level,
-- grade band, grade span and city, for BI tools to label and filter the facts.
with

schools as (
    select * from {{ ref('stg_sis__schools') }}
),

grade_levels as (
    select * from {{ ref('xwalk_grade_levels') }}
),

final as (
    select
        schools.school_id,
        schools.school_name,
        schools.school_level,
        schools.grade_band,
        schools.low_grade_level,
        schools.high_grade_level,
        {{ dbt.concat([
            'low_grade.grade_level_label',
            "'-'",
            'high_grade.grade_level_label'
        ]) }} as grade_span,
        schools.city
    from schools
    left join grade_levels as low_grade
        on schools.low_grade_level = low_grade.grade_level
    left join grade_levels as high_grade
        on schools.high_grade_level = high_grade.grade_level
)

select * from final
