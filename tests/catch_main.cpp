// The one Catch2 main shared by every test binary. Like the nmt CLI, it first makes sure the
// load-time threading/BLAS settings are right (see nmt/util/runtime_env.h).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "nmt/util/runtime_env.h"

int main(int argc, char** argv) {
  nmt::reexec_with_tuned_environment(argv);
  return Catch::Session().run(argc, argv);
}
