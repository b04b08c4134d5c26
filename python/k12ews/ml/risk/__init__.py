"""The risk models (``models/ml/models``), one job per module.

Learning the models:

- ``features``: which ``ml_features`` columns each model uses, and how they become numbers;
- ``settings``: the dbt vars, feature sets, default tiers and model ids every step shares;
- ``splits``: out-of-time splits (learn, choose and calibrate, test);
- ``directions``: the direction the field agrees on for each feature (seed);
- ``additive``, ``monotone``: the glass-box candidates (binned additive; direction-held);
- ``train``: one model trained, chosen and calibrated from its split;
- ``constraint_cost``: what the direction constraints cost on the same test cohort;
- ``training``: the registry, one row per band x outcome x decision point;
- ``registry``: fitted models serialised safely (skops) and loaded back.

Using them:

- ``scoring``: the current year's scores;
- ``reference``, ``reference_words``: the typical student of a grade, and in words;
- ``explain``: exact additive explanations against that student;
- ``sentences``: each factor in a counsellor's words;
- ``explanations``: every score's factors, with sentences;
- ``recourse_levers``, ``recourse_search``, ``recourse``: the smallest changes still
  possible this year that move a score down a tier.

Judging them:

- ``metrics``: accuracy figures of scores and flags;
- ``evaluate``: out-of-time evaluation beside the named baseline flags, tier meanings;
- ``model_evaluation``: the registry's figures as tables;
- ``out_of_time``: every model's test cohort, student by student.
"""
