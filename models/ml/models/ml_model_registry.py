"""The model registry: one row per trained risk model (k12ews.ml.risk.training.train_registry).

Thin by design: it reads the feature and label tables whole and hands them to the tested
package, with the agreed direction of each indicator (seed ml_feature_directions) that
training respects; the serialised models (skops) and their figures come back as rows.
"""

from k12ews.ml.risk import training
from k12ews.ml.risk.directions import Directions
from k12ews.ml.risk.settings import Settings


def model(dbt, session):
    dbt.config(materialized="table")
    settings = Settings.from_json(dbt.config.get("ml_settings"))
    feats = dbt.ref("ml_features").df()
    labels = dbt.ref("ml_labels").df()
    student_years = dbt.ref("ews_student_year").df()
    directions = Directions.from_frame(dbt.ref("ml_feature_directions").df())
    as_of_date = str(student_years["as_of_date"].max())
    return training.train_registry(feats, labels, settings, as_of_date, directions)
