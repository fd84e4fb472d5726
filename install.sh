#!/bin/sh
# Install uv-shim for this user: a private Python environment and the `uv` launcher.
#
#   ./install.sh [--prefix DIR] [--real-uv PATH] [--no-modify-path] [--python PYTHON]
#
# DIR defaults to $UV_SHIM_HOME, else ~/.local/share/uv-shim. The real uv is the one
# given, else the first uv on PATH that is not the shim; with no uv anywhere, uv is
# installed from the package registry into the shim's own environment.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
prefix=${UV_SHIM_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/uv-shim}
real_uv=""
python=${PYTHON:-python3}
modify_path=1

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; }
die() { printf 'install.sh: error: %s\n' "$1" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case $1 in
    --prefix) [ $# -ge 2 ] || die "--prefix needs a directory"; prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#*=}; shift ;;
    --real-uv) [ $# -ge 2 ] || die "--real-uv needs a path"; real_uv=$2; shift 2 ;;
    --real-uv=*) real_uv=${1#*=}; shift ;;
    --python) [ $# -ge 2 ] || die "--python needs an interpreter"; python=$2; shift 2 ;;
    --no-modify-path) modify_path=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

command -v "$python" >/dev/null 2>&1 || die "$python not found: uv-shim needs Python 3.9 or newer"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 9))' || die "$python is older than 3.9"

if [ -n "$real_uv" ]; then
  [ -x "$real_uv" ] || die "--real-uv $real_uv is not an executable file"
  if grep -q 'uv-shim launcher' "$real_uv" 2>/dev/null; then die "--real-uv $real_uv is the shim itself"; fi
fi

venv=$prefix/venv
if [ ! -x "$venv/bin/python" ]; then
  printf 'creating %s\n' "$venv"
  "$python" -m venv "$venv"
fi
printf 'installing uv-shim into %s\n' "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "$here"

if [ -z "$real_uv" ]; then
  # The first uv on PATH that is not a shim launcher, outside our own bin directory.
  real_uv=$(PATH=$PATH "$venv/bin/python" -I -c '
import sys
from shim import real_uv
print(real_uv.search_path([sys.argv[1]]) or "")' "$prefix/bin")
fi
if [ -z "$real_uv" ]; then
  printf 'no uv found on PATH: installing uv from the package registry into %s\n' "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check uv
  real_uv=$venv/bin/uv
fi

"$venv/bin/uv-shim" setup --prefix "$prefix" --real-uv "$real_uv"

case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *)
    if [ "$modify_path" = 1 ]; then
      printf '\nadd uv-shim to PATH, ahead of the real uv, in your shell profile:\n  export PATH="%s:$PATH"\n' "$prefix/bin"
    fi ;;
esac
printf 'done: %s/bin/uv now runs %s\n' "$prefix" "$real_uv"
