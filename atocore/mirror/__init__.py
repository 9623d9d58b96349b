"""Human Mirror: read-only markdown pages per project, rendered from templates.

See docs/architecture/human-mirror.md. ``renderer`` renders and writes pages,
``pages`` reads them back, ``scheduler`` debounces regeneration requests.
"""
