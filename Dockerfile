# nmt on Debian 12: builds the binary and runs its tests.
#   docker build -t nmt .
#   docker run --rm -it nmt nmt --help
#
# CUDA: Debian's libtorch-dev is CPU-only. For a CUDA image, start from an NVIDIA CUDA
# runtime base of the same Debian/Ubuntu family, unpack an official cxx11-ABI LibTorch into
# third_party/libtorch (see third_party/README.md) before `docker build`, and the build
# below picks it up automatically; run with `docker run --gpus all ...`.
FROM debian:bookworm

ENV DEBIAN_FRONTEND=noninteractive
WORKDIR /src/nmt
COPY scripts/setup.sh scripts/setup.sh
RUN ./scripts/setup.sh && rm -rf /var/lib/apt/lists/*

COPY . .
RUN ./scripts/test.sh && cmake --install build --prefix /usr/local && ldconfig

CMD ["nmt", "--help"]
