"""Site-wide pages: home, language choice, dashboard."""
