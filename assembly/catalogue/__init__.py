"""The catalogue of spotlight areas and promising practices, its pages, and practice matching."""
