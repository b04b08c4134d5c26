"""Ed-Fi resources to the raw contract's tables, one module per family of tables.

Each ``map_*`` function reads records of the extract (:class:`Mapping.extract`) and adds
contract rows, each with the record it came from (:class:`k12ews.edfi.tables.Tables`).
Descriptors are written as the crosswalk seeds know them (:mod:`k12ews.edfi.codes`);
the loader then checks the rows like any export's.
"""
