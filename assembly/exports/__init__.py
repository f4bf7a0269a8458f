"""Research exports: pseudonymised data packages, Polis files, ballot files and the recount.

The pure modules (``privacy``, ``polis``, ``blt``, ``datapackage``, ``archive``) import neither
the web framework nor the database; ``services`` streams rows from the database into them.
"""
