"""When to act (``models/ml/timing``), on the risk models of ``k12ews.ml.risk``:

- ``trajectories``: each student's score at every decision point of every year;
- ``lead_time``: how early, and how precisely, eventual non-graduates are identified;
- ``run_changes``: what changed between the two latest scoring runs kept in the history.
"""
