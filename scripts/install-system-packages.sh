#!/usr/bin/env bash
# Install the Debian packages reasoner's backends (and its browser test) need, only where missing.
#   swi-prolog-core, swi-prolog-core-packages: the Prolog backend (the latter has library(time))
#   bubblewrap, libseccomp2: the sandbox (namespaces; seccomp filters through pyseccomp)
#   chromium, chromium-driver: the run viewer's browser test (headless, driven by Selenium)
set -euo pipefail
packages=(swi-prolog-core swi-prolog-core-packages bubblewrap libseccomp2 chromium chromium-driver)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present (${packages[*]})"
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "system packages: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
