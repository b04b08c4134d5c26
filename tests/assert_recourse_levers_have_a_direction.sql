-- What: every feature seed ml_feature_directions ties to a recourse lever has an agreed
-- direction (higher_is_riskier or higher_is_safer).
-- Why it matters: ml_risk_recourse suggests a change only where the field agrees which
-- way it moves the risk; a lever on a feature without a direction (services, the grade,
-- a student characteristic) would suggest a change nobody can stand behind.
-- How to fix: empty the row's recourse_lever, or give the feature a direction with its
-- rationale and sources.
with

directions as (
    select * from {{ ref('ml_feature_directions') }}
),

final as (
    select
        feature,
        risk_direction,
        recourse_lever
    from directions
    where
        recourse_lever is not null
        and risk_direction not in ('higher_is_riskier', 'higher_is_safer')
)

select * from final
