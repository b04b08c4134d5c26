"""``k12ews pages``: printable, self-contained HTML pages of the students a staff member
may see, and her caseload page sorted by the plan (docs/access.md). Each field shown is
a published column whose field class (seed ``access_column_classes``) the staff member
holds for that student (``core.fct_staff_student_access``, :mod:`k12ews.access.scope`).

- :mod:`k12ews.pages.fields`: what the pages show, as published columns with labels;
- :mod:`k12ews.pages.data`: those columns of the students in scope, in one read;
- :mod:`k12ews.pages.student` and :mod:`k12ews.pages.caseload`: the two pages;
- :mod:`k12ews.pages.chart`: the risk trajectory as inline SVG;
- :mod:`k12ews.pages.build`: writes the files; :mod:`k12ews.pages.bench`: times them.
"""
