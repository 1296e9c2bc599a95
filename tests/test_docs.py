"""Every ```python block of README.md and docs/*.md runs as written.

The blocks of one file run in order, in one fresh Python process, as a reader
pasting them one after another into a script would run them (a later block
may use what an earlier one defined). A block with an
``if __name__ == "__main__":`` guard is meant to be saved as a script of its
own (it starts worker processes, which import it), so it runs alone. Each
run starts in an empty directory, so files the snippets write go nowhere.
"""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
_BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_MAIN_GUARD = re.compile(r"^if __name__ == [\"']__main__[\"']:", re.MULTILINE)


def python_blocks(document: Path) -> list[str]:
    """The code of every ```python block of ``document``, in order."""
    return _BLOCK.findall(document.read_text(encoding="utf-8"))


def runs() -> list[tuple[Path, str, str]]:
    """(document, run name, code): one session per document, one run per script."""
    found = []
    for document in DOCUMENTS:
        blocks = python_blocks(document)
        session = [block for block in blocks if not _MAIN_GUARD.search(block)]
        if session:
            found.append((document, "session", "\n".join(session)))
        for number, block in enumerate(blocks, start=1):
            if _MAIN_GUARD.search(block):
                found.append((document, f"script-block-{number}", block))
    return found


RUNS = runs()


def _name(document: Path) -> str:
    return str(document.relative_to(ROOT))


def test_the_documents_and_their_snippets_are_found():
    assert {"README.md", "docs/scaling.md"} <= {_name(d) for d in DOCUMENTS}
    # The README is the front door with one example; the guides hold the rest.
    assert len(python_blocks(ROOT / "README.md")) >= 1
    assert sum(len(python_blocks(document)) for document in DOCUMENTS) >= 8
    assert len(python_blocks(ROOT / "docs" / "scaling.md")) >= 5
    # Guarded blocks are scripts of their own: the Dask snippets.
    assert any(name.startswith("script-block") for _, name, _ in RUNS)


@pytest.mark.parametrize(
    "document", DOCUMENTS, ids=[_name(document) for document in DOCUMENTS]
)
def test_no_snippet_ends_on_a_value_nobody_sees(document):
    """A block's last line must not be a bare value: as a script it prints nothing."""
    for block in python_blocks(document):
        last = ast.parse(block).body[-1]
        assert not (
            isinstance(last, ast.Expr) and not isinstance(last.value, ast.Call)
        ), f"{_name(document)}: a block ends on `{ast.unparse(last)}`; print it"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("document", "code"),
    [(document, code) for document, _, code in RUNS],
    ids=[f"{_name(document)}-{name}" for document, name, _ in RUNS],
)
def test_snippets_run_as_written_and_print_what_they_show(document, code, tmp_path):
    script = tmp_path / "snippets.py"
    script.write_text(code, encoding="utf-8")
    environment = {
        **os.environ,
        "MPLBACKEND": "Agg",
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
        ),
    }
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=900,
    )
    assert result.returncode == 0, f"{_name(document)} failed:\n{result.stderr[-4000:]}"
    assert result.stdout.strip(), f"the snippets of {_name(document)} print nothing"
