{#-
    Generic test: no two rows of `model` share the same values of `combination_of_columns`
    (a composite key). Fails with one row per duplicated key, with how often it occurs.
    Hub-free stand-in for dbt_utils.unique_combination_of_columns; rows whose key has a
    null are compared like any other value (pair it with not_null tests on the columns).

    data_tests:
      - unique_combination_of_columns:
          arguments:
            combination_of_columns: [student_id, school_year]
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

{%- set key_columns = combination_of_columns | join(', ') %}

with

key_counts as (
    select
        {{ key_columns }},
        count(*) as row_count
    from {{ model }}
    group by {{ key_columns }}
)

select *
from key_counts
where row_count > 1

{% endtest %}
