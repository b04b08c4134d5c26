"""Risk-model helpers imported by the dbt Python models (models/ml/*.py)."""
