{#-
    Generic test: every code in `column_name` has a row in its crosswalk seed, so that
    staging can give it a meaning. Fails with one row per unknown code and how many
    rows carry it. Nulls are not checked (use not_null for required columns).

    Fix a failure by adding the code to the crosswalk seed (seeds/xwalk_*.csv) with its
    meaning, or by mapping the SIS export to a code the crosswalk already has.

    Codes are compared as text, so an integer code (grade level 0-12) matches a
    crosswalk read either as integers or as text.

    columns:
      - name: entry_type
        data_tests:
          - codes_in_crosswalk:
              arguments:
                to: ref('xwalk_entry_types')
                field: code
-#}
{% test codes_in_crosswalk(model, column_name, to, field) %}

with

coded_rows as (
    select cast({{ column_name }} as {{ dbt.type_string() }}) as code
    from {{ model }}
    where {{ column_name }} is not null
),

crosswalk as (
    select cast({{ field }} as {{ dbt.type_string() }}) as code
    from {{ to }}
),

unknown_codes as (
    select
        coded_rows.code,
        count(*) as row_count
    from coded_rows
    left join crosswalk
        on coded_rows.code = crosswalk.code
    where crosswalk.code is null
    group by coded_rows.code
)

select *
from unknown_codes

{% endtest %}
