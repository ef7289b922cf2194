#!/usr/bin/env bash
# Creates/refreshes ./.venv for the real-parts tests (MLflow 3.9 server + the LangGraph app).
# Idempotent and cached: pip runs only when test/harness/requirements.txt changed since the last successful
# install (its sha256 is stamped into .venv), so `npm test` costs ~nothing on a warm machine.
# Needs python3 (>= 3.10) with the venv module and PyPI access on the first run.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv_dir="${TOKENMETER_VENV:-$repo_root/.venv}"
requirements="$repo_root/test/harness/requirements.txt"
stamp="$venv_dir/.tokenmeter-requirements.sha256"

export MLFLOW_DISABLE_TELEMETRY=true DO_NOT_TRACK=true
export PIP_DISABLE_PIP_VERSION_CHECK=1

python_bin="${PYTHON:-python3}"
if [[ ! -x "$venv_dir/bin/python" ]]; then
  echo "[setup-python-env] creating $venv_dir with $("$python_bin" --version 2>&1)" >&2
  "$python_bin" -m venv "$venv_dir"
fi

# Hash the requirements plus the interpreter version: a venv rebuilt on another Python must reinstall.
wanted="$( { cat "$requirements"; "$venv_dir/bin/python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
  echo "[setup-python-env] $venv_dir up to date" >&2
  exit 0
fi

echo "[setup-python-env] installing $requirements into $venv_dir" >&2
started=$SECONDS
"$venv_dir/bin/python" -m pip install --quiet -r "$requirements"
"$venv_dir/bin/python" -m pip check >&2
# Fail here, not in a test, if the pieces the harness needs do not import together.
"$venv_dir/bin/python" -c '
import mlflow, langgraph, langchain_core, langchain
import opentelemetry.exporter.otlp.proto.http.trace_exporter
import opentelemetry.exporter.otlp.proto.grpc.trace_exporter
print("[setup-python-env] mlflow", mlflow.__version__, "langchain-core", langchain_core.__version__)
' >&2
echo "$wanted" > "$stamp"
echo "[setup-python-env] done in $((SECONDS - started)) s" >&2
