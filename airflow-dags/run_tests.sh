#!/usr/bin/env bash
# Byte-compile the DAG files and run the stdlib unit tests (no Airflow needed).
# Usage, from anywhere: airflow-dags/run_tests.sh
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

# Compile to a throwaway dir so no __pycache__ lands in the DAGs folder copy.
pycache="$(mktemp -d)"
trap 'rm -rf "$pycache"' EXIT

echo "== py_compile airflow-dags/**/*.py"
find airflow-dags -name '*.py' -print0 | sort -z | xargs -0 -t env PYTHONPYCACHEPREFIX="$pycache" python3 -m py_compile

echo "== unittest"
PYTHONPYCACHEPREFIX="$pycache" python3 -m unittest discover -s airflow-dags/tests -t airflow-dags -v
