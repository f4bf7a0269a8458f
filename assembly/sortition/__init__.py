"""Civic lottery: stratified panel selection and replacements.

`selection` wraps the sortition-algorithms package (pure, no web or database code; its
inputs, solver process and replacements are modules of their own), and `commands` holds the
`assembly sortition` command-line group. Small-group tables are in :mod:`assembly.tables`.
"""
