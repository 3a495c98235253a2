# Sourced by scripts/*: make .venv with gtprov and its test tools, once.
# Needs only Python 3.10+ on PATH (python3, or $PYTHON).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
py=${PYTHON:-python3}
if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  echo "gtprov needs Python 3.10 or newer as '$py' (set PYTHON=...)" >&2
  exit 1
fi
stamp=.venv/.gtprov-installed
if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv ..." >&2
  "$py" -m venv .venv
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "Installing gtprov with its sandbox and test tools into .venv ..." >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
  touch "$stamp"
fi
export PATH="$root/.venv/bin:$PATH"
