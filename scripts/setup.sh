#!/usr/bin/env bash
# Installs every Debian package nmt needs to build, test and run its default job.
# Idempotent: packages already present are left alone. Run as root (or with sudo).
set -euo pipefail

PKGS=(
  # toolchain
  build-essential cmake ninja-build pkg-config git ca-certificates
  # LibTorch (Debian's CPU build) and a fast BLAS for it
  libtorch-dev libopenblas0-pthread
  # headers of Gloo, the CPU backend of libtorch's distributed engine (data-parallel training)
  libgloo-dev
  # tokenizer: library for our plugin, CLI tools for inspection
  libsentencepiece-dev sentencepiece
  # config, logging, tests, arguments
  libyaml-cpp-dev libspdlog-dev catch2 libcli11-dev
  # JSON (metrics logs, training state, score --json)
  nlohmann-json3-dev
  # nmt serve: HTTP server (and the tests' and bench's client)
  libcpp-httplib-dev
  # default corpus: SWORD Bible modules and their reader
  diatheke sword-text-sparv sword-text-kjv
  # report rendering check (headless browser) and XML well-formedness
  chromium libxml2-utils
  # line editing and history in the interactive console (BSD libedit), and its tests
  libedit-dev tmux
  # checkpoint integrity: CRC-32 checks of the zip archives LibTorch writes
  libzip-dev zlib1g-dev
  # the fuzz stage of the tests: clang with libFuzzer and the sanitizer runtimes
  clang libclang-rt-dev
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PKGS[@]} packages already installed"
  exit 0
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
