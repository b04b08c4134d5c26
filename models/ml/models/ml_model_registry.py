"""The model registry: one row per trained risk model (k12ews.ml.pipeline.train_registry).

Thin by design: it reads the feature and label tables whole and hands them to the tested
package; the serialised models (skops) and their figures come back as rows.
"""

from k12ews.ml import pipeline


def model(dbt, session):
    dbt.config(materialized="table")
    settings = pipeline.Settings.from_json(dbt.config.get("ml_settings"))
    feats = dbt.ref("ml_features").df()
    labels = dbt.ref("ml_labels").df()
    student_years = dbt.ref("ews_student_year").df()
    as_of_date = str(student_years["as_of_date"].max())
    return pipeline.train_registry(feats, labels, settings, as_of_date)
