"""atocore: a local-first personal context engine for LLM work."""

__version__ = "0.1.0"
