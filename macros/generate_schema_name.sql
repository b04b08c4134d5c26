{#-
    Use a model's custom schema name as-is (`+schema: stg` builds in schema `stg`),
    instead of dbt's default `<target schema>_<custom schema>`. Models without a
    custom schema build in the target schema. Same override as edu_wh: the schema
    names (raw, stg, seeds, ...) are part of the warehouse's interface.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
