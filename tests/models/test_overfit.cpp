// Each model can learn: it memorises a small synthetic reversal task and then decodes it
// exactly (greedy, through start/step) — a cheap end-to-end check of gradients and decoding.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "model_fixtures.h"
#include "reverse_task.h"

using namespace nmt;
using namespace nmt::test;

namespace {

ModelConfig overfit_config(const std::string& arch) {
  if (arch == "rnn") {
    RnnConfig r;
    r.emb_dim = 32;
    r.hidden = 64;
    r.dropout = 0.0;
    return {"rnn", r};
  }
  if (arch == "bahdanau") {
    BahdanauConfig b;
    b.emb_dim = 32;
    b.hidden = 64;
    b.attn_dim = 32;
    b.dropout = 0.0;
    return {"bahdanau", b};
  }
  TransformerConfig t;
  t.d_model = 64;
  t.heads = 4;
  t.ffn = 128;
  t.enc_layers = 2;
  t.dec_layers = 2;
  t.dropout = 0.0;
  t.max_positions = 64;
  return {"transformer", t};
}

}  // namespace

TEST_CASE("every model overfits 16 short reversal examples", "[models][overfit]") {
  // Tiny models gain nothing from a second thread, and OpenMP's spinning barriers make
  // them crawl when the machine is busy.
  torch::set_num_threads(1);
  for (const std::string arch : {"rnn", "bahdanau", "transformer"}) {
    SECTION(arch) {
      torch::manual_seed(21);
      auto data = make_reverse_task(/*count=*/16, /*min_len=*/3, /*max_len=*/6, /*symbols=*/10);
      auto model = make_model(overfit_config(arch), data.vocab, data.vocab);
      const double lr = arch == "transformer" ? 2e-3 : 1e-2;
      auto result = train_on(*model, data, lr, /*max_steps=*/400, /*target_loss=*/0.02);
      INFO(arch << ": loss " << result.loss << " after " << result.steps << " steps");
      CHECK(result.loss < 0.05);
      CHECK(exact_match(*model, data) == 16);
    }
  }
}
