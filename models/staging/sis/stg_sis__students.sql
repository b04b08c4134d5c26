-- Names and addresses stay in raw: they are not selected here, so no model below sees them.
with

source_students as (
    select * from {{ source('sis', 'students') }}
),

xwalk_sex as (
    select * from {{ ref('xwalk_sex') }}
),

xwalk_race_ethnicity as (
    select * from {{ ref('xwalk_race_ethnicity') }}
),

renamed as (
    select
        cast(student_id as {{ dbt.type_string() }}) as student_id,
        cast(birth_date as date) as birth_date,
        cast(sex as {{ dbt.type_string() }}) as sex,
        cast(race_ethnicity as {{ dbt.type_string() }}) as race_ethnicity
    from source_students
),

categorised as (
    select
        renamed.student_id,
        renamed.birth_date,
        renamed.sex,
        xwalk_sex.description as sex_description,
        renamed.race_ethnicity,
        xwalk_race_ethnicity.description as race_ethnicity_description,
        xwalk_race_ethnicity.reporting_group as race_ethnicity_reporting_group
    from renamed
    left join xwalk_sex
        on renamed.sex = xwalk_sex.sex
    left join xwalk_race_ethnicity
        on renamed.race_ethnicity = xwalk_race_ethnicity.race_ethnicity
),

final as (
    select * from categorised
)

select * from final
