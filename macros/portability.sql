{#-
    Engine differences the SQL layer needs, each behind adapter dispatch, so that no
    model branches on target.type (docs/scale_out.md lists them). The default__ variant
    is DuckDB's; an adapter gets its own variant only where it differs.
-#}

{#-
    A double as text the way DuckDB and Spark print it: shortest round-trip digits
    with at least one decimal (3.0, 0.5, 2.33). PostgreSQL prints 3.0 as '3', so it
    gets the '.0' added back.
-#}
{% macro double_as_text(expression) -%}
    {{ return(adapter.dispatch('double_as_text', 'k12ews')(expression)) }}
{%- endmacro %}

{% macro default__double_as_text(expression) -%}
    cast({{ expression }} as {{ dbt.type_string() }})
{%- endmacro %}

{% macro postgres__double_as_text(expression) -%}
    case
        when cast({{ expression }} as double precision) = trunc(cast({{ expression }} as double precision))
            then cast(cast({{ expression }} as bigint) as text) || '.0'
        else cast(cast({{ expression }} as double precision) as text)
    end
{%- endmacro %}

{#-
    round(x, places) with halves rounded away from zero (2.5 -> 3, 2.345 -> 2.35 as
    the double's decimal digits show), the rule of DuckDB's and Spark's round().
    PostgreSQL has round(numeric, int) only, so the value goes through numeric and
    comes back a double.
-#}
{% macro round_half_away(expression, places) -%}
    {{ return(adapter.dispatch('round_half_away', 'k12ews')(expression, places)) }}
{%- endmacro %}

{% macro default__round_half_away(expression, places) -%}
    round({{ expression }}, {{ places }})
{%- endmacro %}

{% macro postgres__round_half_away(expression, places) -%}
    cast(round(cast({{ expression }} as numeric), {{ places }}) as double precision)
{%- endmacro %}

{#-
    Statistics for a table just built, so the next model's query plan knows its size.
    PostgreSQL does not analyse a table created by `create table as` until autovacuum
    gets to it; without statistics it misjudges joins of the intermediate tables badly
    enough to turn a 2-second query into a quarter of an hour (default district). DuckDB
    and Spark need nothing here (an empty hook runs no statement). Used as a post-hook
    of every model and seed (dbt_project.yml); views are skipped.
-#}
{% macro analyze_relation() -%}
    {{ return(adapter.dispatch('analyze_relation', 'k12ews')()) }}
{%- endmacro %}

{% macro default__analyze_relation() -%}
{%- endmacro %}

{% macro postgres__analyze_relation() -%}
    {%- if model.resource_type == 'seed' or model.config.materialized in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
