#!/usr/bin/env bash
# Creates/refreshes the venvs of the real-parts tests:
#   ./.venv                the MLflow 3.9 server + the LangGraph app (test/harness/requirements.txt)
#   ./.venv-mlflow-latest  the newest MLflow 3.x server, for the >= 3.10 cost tests (requirements-mlflow-latest.txt)
#   ./.venv-mlflow-3.14    MLflow 3.14's server, the last that adds up every span's cost (requirements-mlflow-3.14.txt)
# Idempotent and cached: pip runs only when a venv's requirements file changed since its last successful
# install (its sha256 is stamped into the venv), so `npm test` costs ~nothing on a warm machine.
# Needs python3 (>= 3.10) with the venv module and PyPI access on the first run.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

export MLFLOW_DISABLE_TELEMETRY=true DO_NOT_TRACK=true
export PIP_DISABLE_PIP_VERSION_CHECK=1

python_bin="${PYTHON:-python3}"

# ensure_venv DIR REQUIREMENTS IMPORT_CHECK: creates DIR if needed, installs REQUIREMENTS when they changed, then
# runs the python snippet IMPORT_CHECK so that a broken install fails here, not in a test.
ensure_venv() {
  local venv_dir="$1" requirements="$2" import_check="$3"
  local stamp="$venv_dir/.tokenmeter-requirements.sha256"
  if [[ ! -x "$venv_dir/bin/python" ]]; then
    echo "[setup-python-env] creating $venv_dir with $("$python_bin" --version 2>&1)" >&2
    "$python_bin" -m venv "$venv_dir"
  fi

  # Hash the requirements plus the interpreter version: a venv rebuilt on another Python must reinstall.
  local wanted
  wanted="$( { cat "$requirements"; "$venv_dir/bin/python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
    echo "[setup-python-env] $venv_dir up to date" >&2
    return 0
  fi

  echo "[setup-python-env] installing $requirements into $venv_dir" >&2
  local started=$SECONDS
  "$venv_dir/bin/python" -m pip install --quiet -r "$requirements"
  "$venv_dir/bin/python" -m pip check >&2
  "$venv_dir/bin/python" -c "$import_check" >&2
  echo "$wanted" > "$stamp"
  echo "[setup-python-env] done in $((SECONDS - started)) s" >&2
}

ensure_venv "${TOKENMETER_VENV:-$repo_root/.venv}" "$repo_root/test/harness/requirements.txt" '
import mlflow, langgraph, langchain_core, langchain, openai, anthropic
import openinference.instrumentation.openai, openinference.instrumentation.anthropic, openinference.instrumentation.langchain
import opentelemetry.instrumentation.openai, opentelemetry.instrumentation.anthropic, opentelemetry.instrumentation.langchain
import opentelemetry.exporter.otlp.proto.http.trace_exporter
import opentelemetry.exporter.otlp.proto.grpc.trace_exporter
print("[setup-python-env] mlflow", mlflow.__version__, "langchain-core", langchain_core.__version__)
'

ensure_venv "${TOKENMETER_MLFLOW_LATEST_VENV:-$repo_root/.venv-mlflow-latest}" "$repo_root/test/harness/requirements-mlflow-latest.txt" '
import mlflow, anthropic
import opentelemetry.exporter.otlp.proto.http.trace_exporter
print("[setup-python-env] latest mlflow server", mlflow.__version__)
'

ensure_venv "${TOKENMETER_MLFLOW_3_14_VENV:-$repo_root/.venv-mlflow-3.14}" "$repo_root/test/harness/requirements-mlflow-3.14.txt" '
import mlflow
print("[setup-python-env] mlflow 3.14 server", mlflow.__version__)
'
