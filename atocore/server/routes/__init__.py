"""Route groups, one module per service area; each exposes ``router``."""
