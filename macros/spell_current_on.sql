{#-
    True when a dated spell (an assignment, a caseload, an enrollment) covers a date:
    it began on or before the date and has not ended before it. An open spell (end
    null) is current. Both ends are inclusive, the way SIS exports record a last day.
-#}
{% macro spell_current_on(begin_column, end_column, on_date) -%}
    (
        {{ begin_column }} <= {{ on_date }}
        and ({{ end_column }} is null or {{ end_column }} >= {{ on_date }})
    )
{%- endmacro %}
