"""Session summaries: opinion groups and accessible charts for a closed topic."""
