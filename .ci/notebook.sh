#!/usr/bin/env bash
# Executes the notebooks top to bottom on the evcxr Rust kernel and fails
# (non-zero exit) if any cell errors. evcxr reports only compile errors as
# cell errors; a panic or an error returned through `?` just prints to
# stderr and the cell "succeeds". So a cell that writes anything to stderr
# also counts as failed: the notebooks must run clean.
#
# Usage: .ci/notebook.sh [NOTEBOOK.ipynb ...]   (default: notebooks/escape.ipynb)
#
# The notebooks in the repository are never rewritten: each executed copy
# goes to target/notebooks/ (git-ignored) for inspection.
#
# evcxr compiles in EVCXR_TMPDIR (default target/evcxr), so a second run, or
# a CI cache of target/, skips recompiling perturbo's dependencies. The first
# run on a 2-core machine compiles them at opt-level 2 inside the first cell,
# hence the generous per-cell timeout (CELL_TIMEOUT seconds, default 1800).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
if [ "$#" -gt 0 ]; then
    notebooks=("$@")
else
    notebooks=(notebooks/escape.ipynb)
fi
export PATH="$HOME/.cargo/bin:$PATH"
export EVCXR_TMPDIR="${EVCXR_TMPDIR:-$repo/target/evcxr}"
mkdir -p "$EVCXR_TMPDIR" target/notebooks

# 1. Jupyter's execution tooling.
if ! python3 -c 'import jupyter_client, nbclient, nbformat, ipykernel' 2>/dev/null; then
    echo "installing Jupyter execution tooling with pip"
    python3 -m pip install --quiet jupyter_client nbclient nbformat ipykernel
fi

# 2. The evcxr Jupyter kernel (a long compile: about 15 minutes on 2 cores).
if ! command -v evcxr_jupyter >/dev/null 2>&1; then
    echo "installing evcxr_jupyter with cargo"
    cargo install evcxr_jupyter --locked
fi

# 3. Register (or refresh) the `rust` kernel spec.
evcxr_jupyter --install >/dev/null

# 4. Execute each notebook in its own folder, as a researcher would.
python3 - "${CELL_TIMEOUT:-1800}" "${notebooks[@]}" <<'PY'
import os
import sys
import time

import nbformat
from nbclient import NotebookClient


def stderr_of(cell):
    """Text the cell wrote to stderr (evcxr's channel for panics and `?` errors)."""
    return "".join(
        o.get("text", "")
        for o in cell.get("outputs", [])
        if o.get("output_type") == "stream" and o.get("name") == "stderr"
    )


timeout = int(sys.argv[1])
failed = False
for path in sys.argv[2:]:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name="rust",
        timeout=timeout,
        startup_timeout=120,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}},
    )
    start = time.monotonic()
    problems = []
    try:
        client.execute()
    except Exception as err:  # a cell error, a timeout, a dead kernel
        problems.append(f"{type(err).__name__}: {err}")
    elapsed = time.monotonic() - start
    for index, cell in enumerate(nb.cells):
        text = stderr_of(cell) if cell.cell_type == "code" else ""
        if text.strip():
            problems.insert(0, f"cell {index} wrote to stderr:\n{text}")
    out = os.path.join("target", "notebooks", os.path.basename(path))
    nbformat.write(nb, out)
    for problem in problems:
        print(problem, file=sys.stderr)
    status = "FAILED" if problems else "ok"
    failed = failed or bool(problems)
    print(f"{path}: {status} in {elapsed:.0f} s (executed copy: {out})")
sys.exit(1 if failed else 0)
PY
