{#-
    Portable name of an 8-byte floating point type, for casts in models:
    `cast(credits as {{ type_double() }})`. dbt's own type_float() gives `float`,
    which is a 4-byte REAL on DuckDB. Add an adapter's variant here when it
    spells the type differently.
-#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'k12ews')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double
{%- endmacro %}

{% macro postgres__type_double() -%}
    double precision
{%- endmacro %}

{% macro bigquery__type_double() -%}
    float64
{%- endmacro %}
