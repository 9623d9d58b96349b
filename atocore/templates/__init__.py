"""Package data: jinja2 templates shipped inside the wheel."""
