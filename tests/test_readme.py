"""The Python code in README.md runs exactly as written."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _python_blocks():
    """Yield ``(first_line, source)`` for each ```python block, in order."""
    text = README.read_text(encoding="utf-8")
    for match in PYTHON_BLOCK.finditer(text):
        yield text.count("\n", 0, match.start(1)) + 1, match.group(1)


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = list(_python_blocks())
    assert blocks, "README.md has no ```python block"
    namespace = {"__name__": "__readme__"}
    for first_line, source in blocks:
        # Padding to the block's line makes tracebacks point into README.md.
        code = compile("\n" * (first_line - 1) + source, str(README), "exec")
        exec(code, namespace)
