// Batch-invariance with the real architectures (the mock cannot leak padding by construction):
// a sentence searched alone or inside a padded batch of other lengths gives the same output.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "mock_model.h"
#include "models/model_fixtures.h"
#include "nmt/decoding/search.h"
#include "nmt/models/factory.h"
#include "nmt/models/quantize.h"

namespace {

const std::vector<std::vector<int64_t>> kSents{
    {4, 5, 6}, {7, 8, 9, 10, 11, 12, 13, 4, 5}, {6}, {11, 10, 9, 8, 7}, {15, 16, 17, 18, 19, 20, 21, 22, 23, 24}};

}  // namespace

TEST_CASE("every architecture decodes a sentence alone and inside a padded batch identically",
          "[search][batch]") {
  for (const auto& nc : nmt::test::all_tiny_models()) {
    for (int64_t beam : {int64_t{1}, int64_t{4}}) {
      for (bool int8 : {false, true}) {
        DYNAMIC_SECTION(nc.name << " beam " << beam << (int8 ? " int8" : " fp32")) {
          torch::manual_seed(11);
          nmt::Seq2Seq model = nmt::make_model(nc.cfg, 30, 30);
          if (int8) nmt::quantize_int8(*model);  // int8 activations are quantized per row
          model->eval();
          nmt::SearchOptions so;
          so.beam_size = beam;
          so.max_len_ratio = 1.0;
          so.max_len_const = 6;
          auto [src, mask] = nmt_test::make_batch(kSents);
          auto batched = nmt::search(*model, src, mask, so);
          REQUIRE(batched.size() == kSents.size());
          for (size_t i = 0; i < kSents.size(); ++i) {
            auto [s1, m1] = nmt_test::make_batch({kSents[i]});
            auto alone = nmt::search(*model, s1, m1, so);
            INFO("sentence " << i);
            REQUIRE(alone.size() == 1);
            CHECK(alone[0][0].tokens == batched[i][0].tokens);
            CHECK(alone[0][0].score == Approx(batched[i][0].score).margin(1e-4));
          }
        }
      }
    }
  }
}
