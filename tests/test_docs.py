"""The documentation site: every page in docs/ is reachable from the nav."""

from pathlib import Path

import yaml

ROOT = Path(__file__).parent.parent


def nav_pages(entries: list) -> list[str]:
    """The page files a MkDocs ``nav`` lists, sections flattened, in order."""
    pages = []
    for entry in entries:
        target = next(iter(entry.values())) if isinstance(entry, dict) else entry
        pages += nav_pages(target) if isinstance(target, list) else [target]
    return pages


def test_every_page_is_in_the_nav_once():
    """A page missing from the nav would be built but unreachable from the menu."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    listed = nav_pages(config["nav"])
    pages = sorted(p.name for p in (ROOT / "docs").glob("*.md"))
    assert sorted(set(listed)) == sorted(listed), "a page is listed twice"
    assert sorted(listed) == pages, (
        f"mkdocs.yml nav: add {sorted(set(pages) - set(listed))}, "
        f"remove {sorted(set(listed) - set(pages))}"
    )
    assert listed[0] == "index.md"
