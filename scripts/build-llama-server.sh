#!/usr/bin/env bash
# Build llama.cpp's llama-server (parallel slots, continuous batching) into .venv/bin.
#
# No wheel provides it: llama-cpp-python's wheels carry only the shared libraries its
# Python bindings load (and its own server, python -m llama_cpp.server, answers one request
# at a time); a binary packaged elsewhere would match neither its llama.cpp nor the no-AMX
# build. So the server is compiled here, from the llama.cpp source that the installed
# llama-cpp-python vendors (its sdist's vendor/llama.cpp): the same llama.cpp as the
# llamacpp engine.
#
# Idempotent: skips when .venv/bin/llama-server --version already reports the pinned build
# (its commit string ends in "+llama-cpp-python-<version>"). FORCE=1 rebuilds anyway.
#
# Environment:
#   VENV                   the virtualenv (default: <repo>/.venv)
#   LLAMA_SERVER_CFLAGS    C/C++ flags (default: the Makefile's no-AMX flags)
#   LLAMA_SERVER_BUILD_DIR where the sdist is unpacked and built (default: under the user cache)
#   FORCE=1                rebuild even when the pinned build is installed
set -euo pipefail

say() { echo "llama-server: $*"; }
die() { echo "llama-server: error: $*" >&2; exit 1; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${VENV:-$repo/.venv}
python=$venv/bin/python
dest=$venv/bin/llama-server
# Some virtual machines list AMX among the CPU's features and then fault on its first
# instruction; the Makefile builds llama-cpp-python without it, and so does this.
cflags=${LLAMA_SERVER_CFLAGS:--mno-amx-tile -mno-amx-int8 -mno-amx-bf16}

[ -x "$python" ] || die "no virtualenv at $venv (run 'make venv' or 'make setup' first)"
version=$("$python" -c 'import importlib.metadata as m; print(m.version("llama_cpp_python"))' 2>/dev/null) \
  || die "llama-cpp-python is not installed in $venv (run 'make venv' first); the server is pinned to its version"
tag="llama-cpp-python-$version"

if [ -z "${FORCE:-}" ] && [ -x "$dest" ] && "$dest" --version 2>&1 | grep -qF "+$tag)"; then
  say "present, pinned to $tag ($dest)"
  exit 0
fi

for tool in cmake c++ cc; do
  command -v "$tool" >/dev/null || die "'$tool' not found; install cmake and a C/C++ compiler (Debian: apt-get install cmake build-essential)"
done

build_root=${LLAMA_SERVER_BUILD_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/reasoner-build/llama-server-$version}
mkdir -p "$build_root" || die "cannot create the build directory $build_root"
say "building from the llama.cpp vendored by $tag in $build_root"
start=$(date +%s)

# 1. The sdist: pip's ordinary client, so pip's index settings (mirrors, proxies) apply.
sdist=$(ls "$build_root"/llama_cpp_python-"$version".tar.gz 2>/dev/null || true)
if [ -z "$sdist" ]; then
  "$python" -m pip download --quiet --no-deps --no-binary :all: "llama-cpp-python==$version" -d "$build_root" \
    || die "could not download the llama-cpp-python $version sdist from the package index"
  sdist=$(ls "$build_root"/llama_cpp_python-"$version".tar.gz 2>/dev/null) \
    || die "pip download left no llama_cpp_python-$version.tar.gz in $build_root"
fi

# 2. Unpack (fresh each time, so a half-unpacked tree from an interrupted run is not reused).
src_root=$build_root/src
rm -rf "$src_root"
mkdir -p "$src_root"
tar -xzf "$sdist" -C "$src_root" || die "could not unpack $sdist (delete it and rerun)"
src=$src_root/llama_cpp_python-$version/vendor/llama.cpp
[ -f "$src/CMakeLists.txt" ] && [ -d "$src/tools/server" ] \
  || die "$sdist has no vendor/llama.cpp with tools/server; cannot build llama-server from it"
commit=$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)

# 3. Configure: static (the binary alone is installed, the build tree may go), server only,
#    no network at build time (no curl/openssl, no prebuilt web UI download).
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
build=$build_root/build
rm -rf "$build"
cmake -S "$src" -B "$build" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_FLAGS="$cflags" -DCMAKE_CXX_FLAGS="$cflags" \
  -DBUILD_SHARED_LIBS=OFF \
  -DLLAMA_BUILD_COMMON=ON -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
  -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
  -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
  -DLLAMA_BUILD_COMMIT="$commit+$tag" \
  > "$build_root/configure.log" 2>&1 \
  || { tail -n 30 "$build_root/configure.log" >&2; die "cmake configure failed; full log: $build_root/configure.log"; }

# 4. Build the one target.
jobs=$(nproc 2>/dev/null || echo 2)
say "compiling llama-server with $jobs jobs (several minutes)"
cmake --build "$build" --target llama-server -j "$jobs" > "$build_root/build.log" 2>&1 \
  || { tail -n 30 "$build_root/build.log" >&2; die "compilation failed; full log: $build_root/build.log"; }

# 5. Install atomically, check it runs and reports the pin.
binary=$build/bin/llama-server
[ -x "$binary" ] || die "the build finished without $binary"
install -m 0755 "$binary" "$dest.tmp.$$"
mv -f "$dest.tmp.$$" "$dest"
reported=$("$dest" --version 2>&1) || die "$dest does not run: $reported"
grep -qF "+$tag)" <<<"$reported" || die "$dest reports '$reported', expected a build pinned to $tag"
rm -rf "$src_root" "$build"   # keep only the sdist and the logs
say "installed $dest ($(head -n 1 <<<"$reported")) in $(( $(date +%s) - start )) s"
