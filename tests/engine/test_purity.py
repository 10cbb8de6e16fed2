"""The engine is a pure core: importing it pulls in no web stack and no scikit-learn."""

import subprocess
import sys

FORBIDDEN = ("fastapi", "starlette", "uvicorn", "jinja2", "websockets", "sklearn", "safetensors")


def test_engine_imports_no_web_framework() -> None:
    code = (
        "import sys, dialboard.engine, dialboard.engine.datasets\n"
        "from dialboard.engine import load_dataset\n"
        "load_dataset('digits', seed=0)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    assert "numpy" in subprocess.run(
        [sys.executable, "-c", "import sys, dialboard.engine; print(sorted(sys.modules))"],
        capture_output=True, text=True, check=True,
    ).stdout
