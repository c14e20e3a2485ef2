"""docs/python.md runs as written: each ```python block, in order, in a
fresh namespace and an empty working directory."""

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "python.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
NEEDS = {"datatrove": "datatrove", "datasets": "datasets", "pandas": "pandas", "numpy": "numpy"}


def test_the_page_has_examples():
    assert len(BLOCKS) >= 6


@pytest.mark.parametrize("n", range(len(BLOCKS)))
def test_example_runs_as_written(n, tmp_path, monkeypatch):
    code = BLOCKS[n]
    for module in NEEDS:
        if re.search(rf"^(from|import) {module}\b", code, re.M):
            pytest.importorskip(module)
    monkeypatch.chdir(tmp_path)
    exec(compile(code, f"{DOC.name} block {n + 1}", "exec"), {"__name__": "__docs__"})
