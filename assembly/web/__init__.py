"""Web plumbing shared by every domain: templates, sessions, guards, errors and headers."""
