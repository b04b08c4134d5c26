"""Access by role outside a server (docs/access.md): one staff member's scope read from
the built warehouse (:mod:`k12ews.access.scope`) and the slice of the published tables
it allows, written as files (:mod:`k12ews.access.slice`)."""
