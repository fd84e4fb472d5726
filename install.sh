#!/bin/sh
# Install uv-shim: a private Python environment, the `uv`/`uvx` launchers, completions and
# the PATH block in your shell profiles. Running it again changes nothing.
#
#   ./install.sh [--prefix DIR] [--real-uv PATH] [--shell bash|zsh|fish|all]
#                [--no-modify-path] [--python PYTHON]
#   ./install.sh --system [--real-uv PATH]     # images and dev containers: /opt/uv-shim
#   ./install.sh --uninstall [--prefix DIR | --system]
#
# DIR defaults to $UV_SHIM_HOME, else ~/.local/share/uv-shim. The real uv is the one given,
# else the first uv on PATH that is not the shim; with no uv at all, uv is installed from
# the package registry into the shim's own environment. --shell defaults to your login
# shell. --system links uv, uvx and uv-shim into a PATH directory ahead of the real uv,
# writes /etc/profile.d/uv-shim.sh and fish's system conf.d; the team config is read from
# /etc/uv-shim/config.toml.
set -eu
umask 022  # whatever the caller's umask: the shim's code and links are writable by their owner only

here=$(cd "$(dirname "$0")" && pwd)
prefix=""
real_uv=""
python=${PYTHON:-python3}
modify_path=1
shell_choice=""
system=0
uninstall=0
root=""

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }
die() { printf 'install.sh: error: %s\n' "$1" >&2; exit 1; }
say() { [ -z "$1" ] || printf '%s\n' "$1"; }

while [ $# -gt 0 ]; do
  case $1 in
    --prefix) [ $# -ge 2 ] || die "--prefix needs a directory"; prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#*=}; shift ;;
    --real-uv) [ $# -ge 2 ] || die "--real-uv needs a path"; real_uv=$2; shift 2 ;;
    --real-uv=*) real_uv=${1#*=}; shift ;;
    --python) [ $# -ge 2 ] || die "--python needs an interpreter"; python=$2; shift 2 ;;
    --shell) [ $# -ge 2 ] || die "--shell needs bash, zsh, fish or all"; shell_choice=$2; shift 2 ;;
    --shell=*) shell_choice=${1#*=}; shift ;;
    --no-modify-path) modify_path=0; shift ;;
    --system) system=1; shift ;;
    --root) [ $# -ge 2 ] || die "--root needs a directory"; root=$2; shift 2 ;;  # /etc lives under it (tests)
    --uninstall) uninstall=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

case $shell_choice in ""|bash|zsh|fish|all) ;; *) die "--shell must be bash, zsh, fish or all" ;; esac
if [ -z "$prefix" ]; then
  if [ "$system" = 1 ]; then prefix=$root/opt/uv-shim
  else prefix=${UV_SHIM_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/uv-shim}
  fi
fi
venv=$prefix/venv
shim=$venv/bin/uv-shim

if [ "$uninstall" = 1 ]; then
  [ -d "$prefix" ] || { printf 'nothing to uninstall: %s does not exist\n' "$prefix"; exit 0; }
  if [ -x "$shim" ]; then
    "$shim" shell uninstall --prefix "$prefix" | grep -v '^nothing to remove$' || true
  else
    printf 'install.sh: warning: %s is missing; shell profile blocks were not removed\n' "$shim" >&2
  fi
  # Only what uv-shim made: launchers that carry its marker, its own files, its venv; a
  # directory is removed only when nothing else is left in it (--prefix may be ~/.local).
  for item in bin/uv bin/uvx bin/uv-shim; do
    if [ -f "$prefix/$item" ] && grep -q -e 'uv-shim launcher' -e 'uv-shim management command' "$prefix/$item" 2>/dev/null; then
      rm -f "${prefix:?}/$item" && printf 'removed %s\n' "$prefix/$item"
    fi
  done
  for item in real-uv source-cksum completions/uv-shim.bash completions/_uv-shim completions/uv-shim.fish; do
    if [ -f "$prefix/$item" ]; then rm -f "${prefix:?}/$item" && printf 'removed %s\n' "$prefix/$item"; fi
  done
  if [ -x "$shim" ] && [ -f "$venv/pyvenv.cfg" ]; then
    rm -rf "${venv:?}" && printf 'removed %s\n' "$venv"
  fi
  for item in completions bin; do
    rmdir "$prefix/$item" 2>/dev/null && printf 'removed %s\n' "$prefix/$item"
  done
  rmdir "$prefix" 2>/dev/null && printf 'removed %s\n' "$prefix"
  exit 0
fi

command -v "$python" >/dev/null 2>&1 || die "$python not found: uv-shim needs Python 3.9 or newer"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 9))' || die "$python is older than 3.9"
if [ -n "$real_uv" ]; then
  if [ ! -x "$real_uv" ] || [ -d "$real_uv" ]; then die "--real-uv $real_uv is not an executable file"; fi
  if grep -q 'uv-shim launcher' "$real_uv" 2>/dev/null; then die "--real-uv $real_uv is the shim itself"; fi
fi

for item in uv uvx uv-shim; do  # never write over a program that is not uv-shim's (--prefix ~/.local)
  if [ -e "$prefix/bin/$item" ] && ! grep -q -e 'uv-shim launcher' -e 'uv-shim management command' "$prefix/bin/$item" 2>/dev/null; then
    die "$prefix/bin/$item is not uv-shim's (the real uv?): choose another --prefix"
  fi
done

changed=0
# The private environment: rebuilt only when the source changed.
cksum=$(cd "$here" && find shim pyproject.toml -type f \( -name '*.py' -o -name pyproject.toml \) | LC_ALL=C sort \
        | xargs cat | cksum)
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
  printf 'created %s\n' "$venv"
  changed=1
fi
if [ ! -x "$shim" ] || [ "$(cat "$prefix/source-cksum" 2>/dev/null)" != "$cksum" ]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "$here"
  printf '%s\n' "$cksum" > "$prefix/source-cksum"
  printf 'installed uv-shim into %s\n' "$venv"
  changed=1
fi

if [ -z "$real_uv" ]; then
  real_uv=$("$venv/bin/python" -I -c '
import sys
from shim import real_uv
print(real_uv.search_path([sys.argv[1]]) or "")' "$prefix/bin")
fi
if [ -z "$real_uv" ]; then
  if [ ! -x "$venv/bin/uv" ]; then
    printf 'no uv found on PATH: installing uv from the package registry into %s\n' "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check uv
    changed=1
  fi
  real_uv=$venv/bin/uv
fi

out=$("$shim" setup --prefix "$prefix" --real-uv "$real_uv") && say "$out"
[ -z "$out" ] || changed=1

mkdir -p "$prefix/completions"
for file in uv-shim.bash _uv-shim uv-shim.fish; do
  if ! cmp -s "$here/completions/$file" "$prefix/completions/$file"; then
    cp "$here/completions/$file" "$prefix/completions/$file"
    printf 'wrote %s\n' "$prefix/completions/$file"
    changed=1
  fi
done

if [ "$system" = 1 ]; then
  # A directory of PATH that comes before the real uv's, so that non-login shells find the shim too:
  # absolute, root's and writable by nobody else (every user runs what is linked there), and
  # under --root when one is given.
  real_dir=$(dirname "$real_uv")
  link_dir=""
  old_ifs=$IFS; IFS=:
  for dir in $PATH; do
    [ "$dir" = "$real_dir" ] && break
    case $dir in "$prefix"/*|"") continue ;; /*) ;; *) continue ;; esac
    if [ -n "$root" ] && [ "$root" != / ]; then case $dir in "$root"/*) ;; *) continue ;; esac; fi
    if [ ! -d "$dir" ] || [ ! -w "$dir" ]; then continue; fi
    [ -n "$(find "$dir" -prune -user 0 ! -perm -g+w ! -perm -o+w 2>/dev/null)" ] || continue
    link_dir=$dir; break
  done
  IFS=$old_ifs
  if [ -z "$link_dir" ]; then
    printf 'install.sh: warning: no root-owned PATH directory that only root can write comes before %s; only login shells (profile.d) will find the shim\n' "$real_dir" >&2
    out=$(UV_SHIM_HOME=$prefix "$shim" shell install --system --prefix "$prefix" --root "${root:-/}")
  else
    out=$(UV_SHIM_HOME=$prefix "$shim" shell install --system --prefix "$prefix" --root "${root:-/}" \
          --link-dir "$link_dir")
  fi
  say "$out"; [ -z "$out" ] || changed=1
elif [ "$modify_path" = 1 ]; then
  out=$(UV_SHIM_HOME=$prefix "$shim" shell install --prefix "$prefix" ${shell_choice:+--shell "$shell_choice"})
  say "$out"; [ -z "$out" ] || changed=1
fi

if [ "$changed" = 0 ]; then
  printf 'uv-shim is already installed in %s; nothing changed\n' "$prefix"
else
  printf 'done: %s/bin/uv runs %s\n' "$prefix" "$real_uv"
  if [ "$modify_path" = 1 ] && [ "$system" = 0 ]; then
    printf 'open a new shell so that uv is the shim (%s/bin/uv-shim doctor checks it)\n' "$prefix"
  fi
fi
