# Data-parallel training (lib/nmt/dist) runs on LibTorch's own distributed engine, c10d.
# Which backends this LibTorch serves is found by compiling and linking a small probe:
#  - Gloo (CPU): c10d's ProcessGroupGloo.hpp includes Gloo's headers, which LibTorch does
#    not ship. On Debian they come from libgloo-dev (the Gloo Debian's libtorch is built
#    with; scripts/setup.sh installs it); elsewhere pass -DNMT_GLOO_INCLUDE_DIR=<dir>.
#  - NCCL (CUDA): a CUDA LibTorch built with NCCL, and nccl.h (e.g. the nvidia-nccl pip
#    package's include directory: -DNMT_NCCL_INCLUDE_DIR=<dir>).
# A backend whose probe fails is left out with a message; `nmt train` then says which is
# missing when asked for it. Delete NMT_HAVE_GLOO / NMT_HAVE_NCCL from CMakeCache.txt to
# probe again after installing something.
include(CheckCXXSourceCompiles)

find_path(NMT_GLOO_INCLUDE_DIR gloo/algorithm.h)
find_path(NMT_NCCL_INCLUDE_DIR nccl.h HINTS ENV NCCL_ROOT ENV NCCL_HOME PATH_SUFFIXES include)

function(nmt_probe_c10d result define include_dir code)
  if(NOT include_dir)
    set(${result} OFF PARENT_SCOPE)
    return()
  endif()
  set(CMAKE_REQUIRED_INCLUDES ${TORCH_INCLUDE_DIRS} ${include_dir})
  set(CMAKE_REQUIRED_DEFINITIONS -D${define})
  set(CMAKE_REQUIRED_FLAGS "${TORCH_CXX_FLAGS}")
  set(CMAKE_REQUIRED_LIBRARIES ${TORCH_LIBRARIES})
  set(CMAKE_REQUIRED_QUIET ON)
  message(STATUS "nmt: probing c10d ${define} (compiles and links against LibTorch)")
  check_cxx_source_compiles("${code}" ${result})
  set(${result} ${${result}} PARENT_SCOPE)
endfunction()

nmt_probe_c10d(NMT_HAVE_GLOO USE_C10D_GLOO "${NMT_GLOO_INCLUDE_DIR}" [=[
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
int main() {
  auto o = c10d::ProcessGroupGloo::Options::create(std::chrono::milliseconds(1000));
  o->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  c10d::TCPStoreOptions so;
  return so.port == 0 ? 1 : 0;
}]=])

nmt_probe_c10d(NMT_HAVE_NCCL USE_C10D_NCCL "${NMT_NCCL_INCLUDE_DIR}" [=[
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
int main() {
  auto o = c10d::ProcessGroupNCCL::Options::create();
  o->timeout = std::chrono::milliseconds(1000);
  return 0;
}]=])

if(NMT_HAVE_GLOO)
  target_compile_definitions(nmt_dist PRIVATE NMT_HAVE_GLOO)
  target_include_directories(nmt_dist PRIVATE ${NMT_GLOO_INCLUDE_DIR})
endif()
if(NMT_HAVE_NCCL)
  target_compile_definitions(nmt_dist PRIVATE NMT_HAVE_NCCL)
  target_include_directories(nmt_dist PRIVATE ${NMT_NCCL_INCLUDE_DIR})
endif()
message(STATUS "nmt: data-parallel backends: gloo ${NMT_HAVE_GLOO} (headers: ${NMT_GLOO_INCLUDE_DIR}), "
               "nccl ${NMT_HAVE_NCCL} (nccl.h: ${NMT_NCCL_INCLUDE_DIR})")
