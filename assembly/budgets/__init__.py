"""Participatory budgeting: project costs and the assembly's currency."""
