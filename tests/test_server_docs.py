"""/docs works offline: every asset the page names is served by the app itself."""

from __future__ import annotations

import re


def test_docs_page_references_no_external_host(api):
    page = api.get("/docs")
    assert page.status_code == 200
    assert "SwaggerUIBundle" in page.text
    assert re.findall(r"(?:https?:)?//[\w.-]+", page.text) == []
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(assets) >= 3  # script, stylesheet, icon
    for url in [*assets, "/openapi.json"]:
        assert url.startswith("/"), url
        assert api.get(url).status_code == 200, url


def test_the_swagger_bundle_is_served_locally(api):
    script = api.get("/docs/assets/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert len(script.content) > 100_000
