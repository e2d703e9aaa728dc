"""Share URLs."""

from __future__ import annotations


class Links:
    """Builds share URLs: a path, made absolute only from STRUCKDOWN_PUBLIC_URL."""

    def __init__(self, public_url: str | None):
        self.base = public_url or ""

    def share(self, prompt_id: str) -> str:
        return f"{self.base}/p/{prompt_id}"

    def label(self, name: str) -> str:
        return f"{self.base}/api/labels/{name}"
