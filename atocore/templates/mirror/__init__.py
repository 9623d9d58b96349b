"""Human Mirror page templates (``*.md.j2``); see docs/architecture/human-mirror.md."""
