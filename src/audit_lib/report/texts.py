"""Words shown to readers, from one place: ``report/texts/*.yaml``.

Each catalog file holds keys of one topic (``common.yaml``, one file per notebook); each key
maps to its Swedish and English text, with ``{name}`` placeholders filled by ``format``.
A test checks that every key has both languages and that both use the same placeholders.

A placeholder may choose a word by its number: ``{n:kombination|kombinationer}`` writes the
first form when ``n`` is 1, else the second (``{n} {n:kombination|kombinationer}`` gives
"1 kombination", "3 kombinationer"), so no text says "kombination(er)".
"""

from __future__ import annotations

import string
from functools import lru_cache
from importlib import resources
from typing import Any

from ..yamlfile import DuplicateKeyError
from ..yamlfile import loads as load_yaml

LANGUAGES = ("sv", "en")


class TextError(KeyError):
    pass


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    folder = resources.files("audit_lib.report") / "texts"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        try:
            data = load_yaml(entry.read_text(encoding="utf-8")) or {}
        except DuplicateKeyError as e:
            raise TextError(f"{entry.name}: {e}") from None
        for key, value in data.items():
            if key in merged:
                raise TextError(f"text key {key!r} is defined twice (second time in {entry.name})")
            merged[key] = value
    return merged


class _PluralFormatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        if "|" in format_spec:
            one, _, other = format_spec.partition("|")
            return one if str(value).strip() in ("1", "1.0") else other
        return str(super().format_field(value, format_spec))


_FORMATTER = _PluralFormatter()


def fill(template: str, **values: Any) -> str:
    """Fill a catalog template later (with ``{n:one|other}`` plurals), as ``Texts.__call__`` does."""
    return _FORMATTER.format(template, **values)


def placeholders(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def text(key: str, language: str, /, **values: Any) -> str:
    entry = catalog().get(key)
    if entry is None:
        raise TextError(f"no text for key {key!r} (add it to report/texts/)")
    template = entry.get(language)
    if template is None:
        raise TextError(f"text {key!r} has no {language!r} version")
    return fill(template, **values) if values else template


class Texts:
    """``t = Texts('sv'); t('q3.title')``"""

    def __init__(self, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
        self.language = language

    def __call__(self, key: str, /, **values: Any) -> str:
        return text(key, self.language, **values)

    def has(self, key: str) -> bool:
        return key in catalog()
