"""The bundle's cost per document stays flat (issue 18): pikepdf's page list builds the list of every page of its PDF
for each index, length or append, so one such call per document or per page of the growing bundle made a bundle
of N pages cost N². Counted with a spy on the page list: the same number of calls for 3 documents as for 12."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from bench import bundle, corpus
from reports.bundle import assemble, split_pages

#: The page list's operations that go through the list of every page (iterating it does not).
SPIED = ("__getitem__", "append", "extend", "insert")


def _bundle_and_split(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, documents: int) -> tuple[Counter[str], int]:
    """Assemble and split a bundle of ``documents`` small PDFs; the page-list calls made, and the bundle's pages."""
    work = tmp_path / str(documents)
    prepped = bundle.prepare_corpus(corpus.generate_small(work / "corpus", documents), work / "prepared")
    data, parts = bundle.synthetic_data(prepped)
    report = bundle.synthetic_report(data, work / "laporan.pdf")
    calls: Counter[str] = Counter()
    page_list = pikepdf._core.PageList
    for name in SPIED:
        original = getattr(page_list, name)

        def spy(self: Any, *args: Any, _name: str = name, _original: Any = original) -> Any:
            calls[_name] += 1
            return _original(self, *args)

        monkeypatch.setattr(page_list, name, spy)
    layout = assemble(report, data, parts, [], work / "bundel.pdf")
    split_pages(work / "bundel.pdf", layout.indicator_pages, work / "per-indikator")
    monkeypatch.undo()
    assert layout.pages == report.pages + sum(p.pages for p in prepped)
    with pikepdf.open(work / "bundel.pdf") as pdf:
        assert len(pdf.pages) == layout.pages
    assert len(list((work / "per-indikator").iterdir())) == len(layout.indicator_pages)
    return calls, layout.pages


def test_page_list_calls_do_not_grow_with_the_documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    few, few_pages = _bundle_and_split(tmp_path, monkeypatch, 3)
    many, many_pages = _bundle_and_split(tmp_path, monkeypatch, 12)
    assert many_pages >= few_pages + 9 * corpus.SMALL_PAGES[0]
    assert many == few
