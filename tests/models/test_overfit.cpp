// Each model can learn: it memorises a small synthetic reversal task and then decodes it
// exactly (greedy, through start/step) — a cheap end-to-end check of gradients and decoding.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "model_fixtures.h"
#include "common/reverse_task.h"

using namespace nmt;
using namespace nmt::test;

TEST_CASE("every model overfits 16 short reversal examples", "[models][overfit]") {
  // Tiny models gain nothing from a second thread, and OpenMP's spinning barriers make
  // them crawl when the machine is busy.
  torch::set_num_threads(1);
  for (const Arch arch : {Arch::RNN, Arch::Bahdanau, Arch::Transformer}) {
    SECTION(enum_name(arch)) {
      torch::manual_seed(21);
      auto data = make_reverse_task(/*count=*/16, /*min_len=*/3, /*max_len=*/6, /*symbols=*/10);
      auto model = make_model(learner(arch, /*width=*/64), data.vocab, data.vocab);
      const double lr = arch == Arch::Transformer ? 2e-3 : 1e-2;
      auto result = train_on(*model, data, lr, /*max_steps=*/400, /*target_loss=*/0.02);
      INFO(enum_name(arch) << ": loss " << result.loss << " after " << result.steps << " steps");
      CHECK(result.loss < 0.05);
      CHECK(exact_match(*model, data) == 16);
    }
  }
}
