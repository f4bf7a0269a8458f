"""Small-group tables: balanced plans that rotate across rounds, and the notes of each table.

`seating` is the pure planner (no web or database code); `services`, `forms` and
`controllers` are the facilitator's pages for plans, moves, the print view and table notes.
"""
