{#-
    Seeds declare their column types once, in DuckDB's names (varchar, integer, double,
    boolean, date: seeds/*.yml `column_types`). Config in yml cannot call macros, so the
    seed DDL translates them per adapter instead: seed_column_type() gives an adapter's
    spelling, and the postgres__/spark__ overrides of dbt's create_csv_table (and of
    dbt-spark's load_csv_rows, which casts every value to the column type) pass the
    translated types on to the adapter's own macro. DuckDB uses dbt-duckdb's macros as
    they are.
-#}
{% macro seed_column_type(type_name) -%}
    {{ return(adapter.dispatch('seed_column_type', 'k12ews')(type_name)) }}
{%- endmacro %}

{% macro default__seed_column_type(type_name) -%}
    {{ return(type_name) }}
{%- endmacro %}

{% macro postgres__seed_column_type(type_name) -%}
    {%- set spelling = {'double': 'double precision'} -%}
    {{ return(spelling.get(type_name | lower, type_name)) }}
{%- endmacro %}

{% macro spark__seed_column_type(type_name) -%}
    {#- Spark's varchar needs a length; string is its unbounded text type. -#}
    {%- set spelling = {'varchar': 'string', 'text': 'string', 'integer': 'int'} -%}
    {{ return(spelling.get(type_name | lower, type_name)) }}
{%- endmacro %}

{#- The seed node with its column_types translated by seed_column_type(). -#}
{% macro seed_node_with_adapter_types(model) -%}
    {%- set column_types = {} -%}
    {%- for column_name, type_name in model['config'].get('column_types', {}).items() -%}
        {%- do column_types.update({column_name: k12ews.seed_column_type(type_name)}) -%}
    {%- endfor -%}
    {%- set config = {} -%}
    {%- do config.update(model['config']) -%}
    {%- do config.update({'column_types': column_types}) -%}
    {%- set node = {} -%}
    {%- do node.update(model) -%}
    {%- do node.update({'config': config}) -%}
    {{ return(node) }}
{%- endmacro %}

{% macro postgres__create_csv_table(model, agate_table) -%}
    {{ return(dbt.default__create_csv_table(k12ews.seed_node_with_adapter_types(model), agate_table)) }}
{%- endmacro %}

{% macro spark__create_csv_table(model, agate_table) -%}
    {{ return(dbt.spark__create_csv_table(k12ews.seed_node_with_adapter_types(model), agate_table)) }}
{%- endmacro %}

{#-
    dbt-spark's load_csv_rows, with each text value escaped. Its session connection puts a
    binding between single quotes without escaping it, so a seed value holding a quote
    (a district's "parent's request", Ed-Fi's "the school's code of conduct") broke the
    insert. Spark reads a backslash escape inside a quoted literal: \\ and \' are escaped
    here; numbers, dates and empty cells go through as dbt-spark passes them.
-#}
{% macro spark__load_csv_rows(model, agate_table) -%}
    {%- set node = k12ews.seed_node_with_adapter_types(model) -%}
    {%- set batch_size = get_batch_size() -%}
    {%- set column_override = node['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(batch_size) -%}
        {%- set bindings = [] -%}
        {%- for row in chunk -%}
            {%- for value in row -%}
                {%- if value is string -%}
                    {%- do bindings.append(value | replace('\\', '\\\\') | replace("'", "\\'")) -%}
                {%- else -%}
                    {%- do bindings.append(value) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for col_name in agate_table.column_names -%}
                    {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                    {%- set type = column_override.get(col_name, inferred_type) -%}
                    cast({{ get_binding_char() }} as {{ type }})
                    {%- if not loop.last %},{% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, bindings=bindings, abridge_sql_log=True) -%}
        {%- if loop.index0 == 0 -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{%- endmacro %}
