#!/bin/sh
# Run the whole test suite: makes .venv with uv-shim and the test tools, then pytest.
# Real uv binaries (0.4.26, 0.7.8, 0.8.0, newest) are downloaded from the package
# registry into .cache/ on first use. Extra arguments go to pytest (e.g. -m "not slow").
set -eu
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
exec .venv/bin/python -m pytest "$@"
