"""Intervention effects by timing: what starting a service in a given grade and quarter
did to the outcome, adjusted for who the school gives services to.

The estimand (docs/interventions.md, models/ml/effects/ml_intervention_effects.yml):

- **Unit**: student x school year x service x start quarter, in the service's risk set
  (``ml_service_risk_sets``): enrolled on the quarter's first day, in the district at the
  previous decision point, not yet started on the service this year, in its population.
- **Treatment**: the student's spell of the service starts in that quarter. **Control**:
  it does not start then (it may start later): "start now vs. not now, usual care after".
- **Outcome**: the adverse outcome of ``ml_labels`` for the unit's school year, where it
  is known for the whole year (``known_outcomes``).
- **Effect (ATT)**: among students who started the service in that grade band (or grade)
  and quarter, their adverse-outcome rate minus the rate they would have had without
  starting it then (negative = fewer adverse outcomes = the service helps); also as a
  difference of log-odds.

Estimator: cross-fitted augmented inverse-probability weighting for the ATT. Students are
dealt into ``folds``; each fold's units get a propensity ``e`` (P(start now | what the
school knew)) and a control-outcome prediction ``m0`` (P(adverse | what the school knew,
not started now)) from models fitted on the other folds only. Both models are penalized
logistic regressions (``k12ews.ml.effects.logistic``, scikit-learn's objective) on a flexible
basis of the confounders (``design_matrix``: cubic B-splines of rates and GPA, indicators
of counts and test levels, flags, and one coefficient per school x school year). They
are fitted on every treated unit and a seeded sample of the controls
(``controls_per_treated`` per treated unit, at least ``min_controls_fitted``, weighted up
to stand for all controls); every unit is predicted. Controls outside the range of the
treated units' values of a rate get no weight (``outside_treated_support``: no student
like them started the service). Propensities are clipped from above at
``1 - propensity_clip`` (the ATT weights a control by ``w = e / (1 - e)``, which only
explodes as ``e`` nears 1; a low propensity needs no clip). Then, over a cell's units::

    effect = sum(T (Y - m0) - (1 - T) w (Y - m0)) / sum(T)

with its 95% interval from the influence function ``a = T (Y - m0 - effect) - (1 - T) w
(Y - m0)``, summed within each student (a student appears in several years, quarters and
services): ``se = sqrt(G / (G - 1) * sum_students(sum a)^2) / sum(T)``. The counterfactual
adverse rate of the treated is their observed rate minus the effect.

Rows per start grade are the same sums over the grade's units of the band's fit; rows
pooled over quarters are the sums over the band's fitted quarters. Beside each estimate:
the naive difference of adverse rates (treated minus the controls of the same risk set,
with the same clustered interval), the largest absolute standardized mean difference of
the confounders between the treated and the controls before and after weighting, and
the effective sample size of the weighted controls.

The modules, one job each (the dbt models import the one they use):

- ``settings``: ``EffectSettings``, what the dbt vars decide.
- ``design``: the units' outcomes and folds, the confounders and their basis
  (``design_matrix``, ``CellDesign``), and the columns the risk sets are read with.
- ``aipw``: the cross-fitted nuisance models of a cell (``fit_cell``): the control
  sample, common support, the clipped propensity and the control-outcome prediction.
- ``balance``: the balance matrix and the standardized mean differences before and
  after weighting (``BalanceStats``).
- ``estimates``: the AIPW estimate of the ATT and its clustered interval over any set
  of fitted units (``estimate``, ``Estimate``).
- ``words``: a row in K-12 words (``sentence``).
- ``units``: the risk sets as sorted arrays and the cells of units, with the design and
  balance matrices the services share.
- ``tables``: the ml_intervention_effects table (``intervention_effects``).
"""
