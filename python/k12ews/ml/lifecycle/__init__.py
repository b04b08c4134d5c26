"""The risk models as a lifecycle (``models/ml/lifecycle``, docs/model_lifecycle.md), on
the models of ``k12ews.ml.risk``, one job per module:

- ``rules``: the dbt vars of the lifecycle (mode, promotion rule, drift thresholds);
- ``store``: the persistent store of every model trained; whether a build trains; the
  promoted models the rest of the project reads as ``ml_model_registry``;
- ``promotion``: a challenger against the promoted model on the newest out-of-time
  cohort, and the decision with both models' figures;
- ``reuse``: the out-of-time figures of an unchanged version, kept from the last build;
- ``model_change``: after a promotion, the old and the new model on the same records;
- ``deployed``: the scores stored at each as-of date against the outcomes that followed;
- ``drift``: each feature's and the scores' distribution now against the training cohorts;
- ``cards``: a model card for each promoted model.
"""
