"""What to do first (``models/marts/actions/ews_intervention_plan``) and whom to target
(``models/ml/effects/ml_targeting_comparison``), from the scores, explanations and
intervention effects:

- ``usual_care``: how likely a school is to start a service anyway, without the plan;
- ``plan``: per school, the students to reach first within its capacity, and the service;
- ``plan_words``: the plan's reasons in K-12 words;
- ``targeting``: students or whole schools and grades, with the same capacity.
"""
