"""Ed-Fi in and out: an Ed-Fi extract loaded into the raw contract, and a warehouse's
raw tables written as Ed-Fi resources (docs/edfi.md).

- :mod:`k12ews.edfi.load` (``k12ews load --edfi DIR``): read an extract (ODS/API
  resources as JSON or NDJSON, or interchange XML; :mod:`~k12ews.edfi.source`,
  :mod:`~k12ews.edfi.xml_source`), map it to contract files (:mod:`~k12ews.edfi.reader`,
  :mod:`~k12ews.edfi.mapping`), and load them with every check of
  :func:`k12ews.load.load_folder`, problems reported at the Ed-Fi record;
- :mod:`k12ews.edfi.codes`: descriptors resolved against the crosswalk seeds;
- :mod:`k12ews.edfi.export` (``k12ews export --format edfi-json DIR``): the test bed.

``standard/ds_descriptors.csv`` holds the Data Standard's default descriptor values the
seeds are checked against (its README names the source, version and licence).
"""
