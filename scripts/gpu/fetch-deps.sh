#!/usr/bin/env bash
# Run HERE (the Debian host, which has apt) before using the lent GPU machine: downloads the
# Debian packages nmt builds against into .gpu-deps/ (git-ignored, see .gitignore), which the
# device call then carries (`carry: [".gpu-deps"]`) and unpacks under /tmp/deps.
# The GPU machine has no apt and no network; LibTorch (CUDA, 2.x) and NCCL come from its
# Python torch and nvidia-nccl packages.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .gpu-deps
cd .gpu-deps
PKGS=(
  libyaml-cpp-dev libyaml-cpp0.7          # config
  libspdlog-dev libspdlog1.10 libfmt-dev libfmt9  # logging
  libsentencepiece-dev libsentencepiece0  # tokenizer plugin
  catch2 libcli11-dev nlohmann-json3-dev  # tests, CLI, JSON (header-only)
  libgloo-dev                             # Gloo headers for c10d's ProcessGroupGloo (CPU backend)
)
apt-get download "${PKGS[@]}"
ls -la
du -sh .
