"""Running the warehouse on engines other than DuckDB (docs/scale_out.md).

One small module per job: ``contract_files`` reads a directory of contract Parquet
files (``k12ews.export``) and checks it; ``postgres_server`` runs a throwaway
PostgreSQL server; ``postgres_load`` and ``spark_load`` load the raw contract into
each engine; ``spark_session`` makes the local Spark session the loader, the ML step
and dbt's ``spark`` target share; ``spark_ml`` scores a feature table from Spark in
Arrow batches; ``dump`` and ``compare`` check a build against the DuckDB build;
``bench`` times the SQL layer on each engine. Nothing here imports dbt: dbt runs as
a command, as a user would run it.
"""
