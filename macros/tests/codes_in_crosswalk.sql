{#-
    Generic test: every code in `column_name` has a row in its crosswalk seed, so that
    staging can give it a meaning. Fails with one row per unknown code and how many
    rows carry it. Nulls are not checked (use not_null for required columns).

    Fix a failure by adding the code to the crosswalk seed (seeds/xwalk_*.csv) with its
    meaning, or by mapping the SIS export to a code the crosswalk already has.

    Drift: a new school year may bring codes the crosswalks do not know. Staging would
    give them null meanings, so the test never passes them silently: it logs one line
    per unknown code naming the code, the table and column, how many rows carry it and
    the seed to edit, and fails with the severity of var('unknown_code_severity')
    (error by default; `warn` lets a loaded district's build go on and report them).

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

{%- set unknown_codes_sql -%}
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
{%- endset -%}

{%- if execute and flags.WHICH in ('test', 'build') -%}
    {%- set found = run_query(unknown_codes_sql ~ ' order by code limit 20') -%}
    {%- set severity = config.get('severity', 'error') | lower -%}
    {%- for row in found.rows -%}
        {%- set message = 'unknown code ' ~ (row[0] | tojson) ~ ' in ' ~ model.schema ~ '.' ~ model.identifier
            ~ '.' ~ column_name ~ ' (' ~ row[1] ~ ' rows): add it and its meaning to seeds/'
            ~ to.identifier ~ '.csv, then dbt seed; until then its meaning is null'
            ~ ' in staging and the marts' -%}
        {%- if severity == 'warn' -%}
            {%- do exceptions.warn(message) -%}
        {%- else -%}
            {%- do log('ERROR: ' ~ message, info=true) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}

{{ unknown_codes_sql }}

{% endtest %}
