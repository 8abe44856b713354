"""The text catalog: every key has sv and en with the same placeholders, no key is defined
twice (within a file or across files), and every literal key the notebooks use exists."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest
import yaml

from audit_lib.report.texts import LANGUAGES, TextError, catalog, placeholders, text

ROOT = Path(__file__).resolve().parents[1]
FOLDER = resources.files("audit_lib.report") / "texts"
FILES = sorted(e.name for e in FOLDER.iterdir() if e.name.endswith(".yaml"))


class _DuplicateKeyLoader(yaml.SafeLoader):
    """safe_load silently keeps the last of two equal keys; this one refuses."""


def _no_duplicates(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise TextError(f"key {key!r} defined twice (line {key_node.start_mark.line + 1})")
        seen.add(key)
    return loader.construct_mapping(node, deep)


_DuplicateKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


def load_strict(name: str) -> dict:
    return yaml.load((FOLDER / name).read_text(encoding="utf-8"), Loader=_DuplicateKeyLoader) or {}


def test_duplicate_detection_works():
    with pytest.raises(TextError, match="defined twice"):
        yaml.load("a:\n  sv: x\n  en: y\na:\n  sv: z\n  en: w\n", Loader=_DuplicateKeyLoader)


@pytest.mark.parametrize("name", FILES)
def test_no_key_twice_in_a_file_and_both_languages(name):
    data = load_strict(name)
    for key, entry in data.items():
        assert isinstance(entry, dict), f"{name}: {key} is not a mapping of languages"
        assert set(entry) == set(LANGUAGES), f"{name}: {key} has languages {sorted(entry)}"
        for lang in LANGUAGES:
            assert isinstance(entry[lang], str) and entry[lang].strip(), f"{name}: {key}.{lang} is empty"
        assert placeholders(entry["sv"]) == placeholders(entry["en"]), (
            f"{name}: {key} placeholders differ: sv {sorted(placeholders(entry['sv']))}, "
            f"en {sorted(placeholders(entry['en']))}"
        )


def test_no_key_in_two_files():
    owner: dict[str, str] = {}
    clashes = []
    for name in FILES:
        for key in load_strict(name):
            if key in owner:
                clashes.append(f"{key} ({owner[key]} and {name})")
            owner[key] = name
    assert not clashes, "keys defined in more than one file: " + ", ".join(clashes)
    assert len(catalog()) == len(owner)


def test_notebook_keys_are_prefixed_by_their_file():
    """Keys of a notebook's file that look like another notebook's are a sign of a copy."""
    notebooks = {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}
    for name in FILES:
        stem = name[:-5]
        for key in load_strict(name):
            prefix = key.split(".")[0]
            assert prefix not in notebooks or prefix == stem, f"{name}: key {key} belongs to {prefix}.yaml"


LITERAL_KEY = re.compile(r"""\bt\(\s*["']([A-Za-z0-9_.]+)["']\s*[,)]""")  # a whole literal key, not a prefix


@pytest.mark.parametrize("nb", sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb")))
def test_literal_keys_in_notebooks_exist(nb):
    cells = json.loads((ROOT / "notebooks" / nb).read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    found = set(LITERAL_KEY.findall(code))
    missing = sorted(k for k in found if k not in catalog())
    assert not missing, f"{nb} uses texts that do not exist: {missing}"


PAGES = sorted((ROOT / "src" / "audit_lib" / "report" / "pages").glob("*.py"))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_literal_keys_in_page_modules_exist(page):
    """The words a page shows come from the catalog: every literal key its module names exists."""
    found = set(LITERAL_KEY.findall(page.read_text(encoding="utf-8")))
    if page.stem in ("q5_indicators", "q6_learning", "summary"):
        assert len(found) > 10  # the pattern does find keys
    missing = sorted(k for k in found if k not in catalog())
    assert not missing, f"{page.name} uses texts that do not exist: {missing}"


def test_texts_format_with_their_placeholders():
    for key, entry in catalog().items():  # noqa: B007 (key is used once texts format through text(key, ...))
        for lang in LANGUAGES:
            values = {p: "X" for p in placeholders(entry[lang])}
            text(key, lang, **values)  # no stray braces (a plural choice {n:one|other} is allowed)
