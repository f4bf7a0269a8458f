"""Civic lottery: stratified panel selection, replacements and small-group table plans.

`selection` wraps the sortition-algorithms package (pure, no web or database code),
`tables` plans balanced, rotating small-group tables, and `commands` holds the
`assembly sortition` command-line group.
"""
