"""Topics of an assembly: their set-up, phases and schedule, and the pages used in the room."""
