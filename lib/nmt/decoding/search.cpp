// search(): option checks, eval mode, and the helpers shared by greedy and beam search.
#include "nmt/decoding/search.h"

#include <limits>

#include "nmt/data/vocab.h"
#include "nmt/decoding/search_detail.h"
#include "nmt/util/error.h"

namespace nmt {
namespace detail {

SearchInputs prepare(Seq2SeqImpl& model, const torch::Tensor& src, const torch::Tensor& src_mask,
                     const SearchOptions& opt) {
  // src: [B, S] int64, src_mask: [B, S] bool
  TORCH_CHECK(src.dim() == 2 && src.scalar_type() == torch::kLong, "search: src must be [B, S] int64, got ",
              src.sizes(), " ", src.scalar_type());
  TORCH_CHECK(src_mask.sizes() == src.sizes() && src_mask.scalar_type() == torch::kBool,
              "search: src_mask must be [B, S] bool like src, got ", src_mask.sizes(), " ",
              src_mask.scalar_type());
  SearchInputs in;
  in.enc = model.encode(src, src_mask);
  const torch::Tensor mask_cpu = src_mask.to(torch::kCPU);
  const int64_t batch = src.size(0);
  for (int64_t b = 0; b < batch; ++b) {
    torch::Tensor pos = mask_cpu[b].nonzero().squeeze(1);
    const auto real = static_cast<double>(pos.size(0));
    int64_t max_len = std::max<int64_t>(1, static_cast<int64_t>(opt.max_len_ratio * real) + opt.max_len_const);
    if (model.max_target_positions() > 0) max_len = std::min(max_len, model.max_target_positions());
    in.max_len.push_back(max_len);
    in.real_positions.push_back(pos);
  }
  return in;
}

torch::Tensor next_token_logprobs(const torch::Tensor& logits, const std::vector<bool>& force_eos) {
  // logits: [N, V]
  TORCH_CHECK(logits.dim() == 2 && logits.size(0) == static_cast<int64_t>(force_eos.size()),
              "search: step logits must be [N, V] with N = ", force_eos.size(), ", got ", logits.sizes());
  TORCH_CHECK(logits.size(1) > kEosId, "search: vocabulary of ", logits.size(1), " has no EOS id");
  torch::Tensor lp = torch::log_softmax(logits.to(torch::kFloat), 1);
  const float ninf = -std::numeric_limits<float>::infinity();
  lp.index_fill_(1, torch::tensor({kPadId, kBosId}, torch::kLong).to(lp.device()), ninf);
  bool any = false;
  for (bool f : force_eos) any = any || f;
  if (any) {
    std::vector<uint8_t> rows(force_eos.begin(), force_eos.end());
    torch::Tensor row_mask = torch::tensor(rows, torch::kUInt8).to(torch::kBool).to(lp.device());
    torch::Tensor not_eos = torch::ones({lp.size(1)}, torch::dtype(torch::kBool).device(lp.device()));
    not_eos[kEosId] = false;
    lp = lp.masked_fill(row_mask.unsqueeze(1) & not_eos.unsqueeze(0), ninf);
  }
  return lp;
}

torch::Tensor real_attention(const torch::Tensor& hist, const torch::Tensor& real_positions) {
  // hist: [T, S] → [T, S_real]
  return hist.to(torch::kCPU).index_select(1, real_positions).contiguous();
}

}  // namespace detail

std::vector<std::vector<Hypothesis>> search(Seq2SeqImpl& model, const torch::Tensor& src,
                                            const torch::Tensor& src_mask, const SearchOptions& opt) {
  validate_decoding_options(opt);
  if (src.size(0) == 0) return {};

  // Eval mode for the search, restored afterwards (the trainer validates mid-training).
  const bool was_training = model.is_training();
  model.eval();
  struct Restore {
    Seq2SeqImpl& m;
    bool training;
    ~Restore() { m.train(training); }
  } restore{model, was_training};
  torch::NoGradGuard no_grad;

  const detail::SearchInputs in = detail::prepare(model, src, src_mask, opt);
  return opt.beam_size == 1 ? detail::greedy_search(model, in, opt) : detail::beam_search(model, in, opt);
}

}  // namespace nmt
