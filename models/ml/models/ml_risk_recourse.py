"""What would move each current score down a tier this year, exact on the additive model
(k12ews.ml.risk.recourse.recourse_current); the days and terms left from ml_rest_of_year, the
changes allowed from seed ml_feature_directions."""

from k12ews.ml.risk import recourse
from k12ews.ml.risk.directions import Directions


def model(dbt, session):
    dbt.config(materialized="table")
    reg = dbt.ref("ml_model_registry").df()
    feats = dbt.ref("ml_features").df()
    decision_points = dbt.ref("ml_decision_points").df()
    rest_of_year = dbt.ref("ml_rest_of_year").df()
    directions = Directions.from_frame(dbt.ref("ml_feature_directions").df())
    return recourse.recourse_current(reg, feats, decision_points, rest_of_year, directions.levers)
