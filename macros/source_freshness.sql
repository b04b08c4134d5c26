{#-
    loaded_at_query of a raw table's source freshness (models/staging/sis/_sis__sources.yml,
    rendered by python/k12ews/dbt_sources.py): the last date with data in the table, as
    a timestamp, shifted so that `dbt source freshness` judges it against the as-of date.

    dbt compares what this returns with the current time. With var('as_of_date') unset
    (a district's live warehouse) the last date is returned as it is, so its age is
    counted to today; with the var set (a warehouse built as it stood on an earlier
    date, or a synthetic district generated up to a date) it is moved forward by the
    days between the as-of date and today, so its age is counted to the as-of date.

    date_expression: SQL of the table's date (a column, or the first day of the row's
    school year for yearly tables: see source_school_year_start).
-#}
{% macro source_last_data_at(date_expression) -%}
    {%- set as_of = var('as_of_date', none) -%}
    {%- set last_date = 'max(' ~ date_expression ~ ')' -%}
    {%- if as_of %}
        {%- set gap = dbt.datediff("cast('" ~ as_of ~ "' as date)", 'current_date', 'day') -%}
        {%- set last_date = dbt.dateadd('day', gap, last_date) -%}
    {%- endif %}
    select cast({{ last_date }} as {{ dbt.type_timestamp() }}) from {{ this }}
{%- endmacro %}

{#-
    The first day (1 July) of the school year named by `school_year_column` (its spring
    year): the date a yearly raw table's rows stand for in its source freshness.
-#}
{% macro source_school_year_start(school_year_column) -%}
    cast({{ dbt.concat([
        'cast(' ~ school_year_column ~ ' - 1 as ' ~ dbt.type_string() ~ ')',
        "'-07-01'"
    ]) }} as date)
{%- endmacro %}
