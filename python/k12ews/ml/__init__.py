"""The tested code behind the dbt Python models of ``models/ml`` and ``models/marts/actions``.

One subpackage per folder of ``models/ml`` that the models read, each importing only
downwards (plan -> risk, timing -> risk; effects and risk import neither):

- ``risk``: the risk models (``models/ml/models``): features, splits, training and
  the registry, scoring, explanations and recourse, evaluation.
- ``timing``: when to act (``models/ml/timing``): trajectories, lead time, what changed
  between scoring runs.
- ``effects``: what starting a service did, by grade and quarter (``models/ml/effects``).
- ``plan``: what to do first (``models/marts/actions/ews_intervention_plan``) and whom to
  target (``ml_targeting_comparison``), with the usual-care model both use.

Shared by several of them, at this level:

- ``vocabulary``: the outcomes, grade bands and decision points, and their words;
- ``odds``: the logistic function;
- ``typed``: typed output tables (the same columns and SQL types with or without rows);
- ``schemas`` (with ``schemas_when_to_act``): every output table's schema, declared once;
- ``bench``: the benchmark of all the steps above on a built warehouse.

Importers name the module they use (``from k12ews.ml.risk import scoring``); the
``__init__`` files re-export nothing.
"""
