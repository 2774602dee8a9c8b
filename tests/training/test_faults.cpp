// Faults that must lose nothing: a full disk or a file size limit during a checkpoint, a save
// cut off between its files, damaged checkpoint/tokenizer/config/metrics files, and a
// read-only model directory. Each one is a clear error naming the file, and what was saved
// before stays loadable and resumable.
#include <catch2/catch.hpp>

#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>

#include "nmt/training/checkpoint.h"
#include "nmt/training/metrics_log.h"
#include "nmt/training/model_dir.h"
#include "nmt/training/trainer.h"
#include "nmt/util/error.h"
#include "nmt/util/file_io.h"
#include "training/toy.h"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using nmt_test::TempDir;

namespace {

std::string slurp(const fs::path& p) { return nmt::read_file(p.string()); }
void spit(const fs::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes; }

// The toy run of these tests: save every 2 steps, no validation before the end.
std::vector<std::string> toy_sets(int64_t max_steps, std::vector<std::string> more = {}) {
  std::vector<std::string> s = {"train.max_steps=" + std::to_string(max_steps), "train.save_every=2",
                                "train.validate_every=1000", "train.log_every=1"};
  s.insert(s.end(), more.begin(), more.end());
  return s;
}

nmt::TrainResult train(const std::string& data, const std::string& out, int64_t max_steps, bool resume,
                       std::vector<std::string> more = {}) {
  nmt::TrainOptions opt;
  opt.resume = resume;
  return nmt::train_model(nmt_test::toy_config(data, out, "transformer", toy_sets(max_steps, std::move(more))), opt);
}

// The bytes of every file of a directory, by name.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) files[e.path().filename().string()] = slurp(e.path());
  return files;
}

bool has_temp_files(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp.") != std::string::npos) return true;
  return false;
}

// What is checked after a failed save: the checkpoint of the previous save is there unchanged.
// (config.yaml is rewritten on purpose when a run resumes with other --set values.)
void check_checkpoint_unchanged(const std::map<std::string, std::string>& before, const fs::path& dir) {
  for (const char* f : {"last.pt", "train_state.pt", "train_state.json", "best.pt", "vocab.txt"}) {
    INFO(f);
    REQUIRE(before.count(f));
    CHECK(slurp(dir / f) == before.at(f));
  }
  CHECK_FALSE(has_temp_files(dir));
}

// RLIMIT_FSIZE for this process (writes past it fail with EFBIG; SIGXFSZ is ignored).
struct FileSizeLimit {
  rlimit old{};
  struct sigaction old_xfsz {};
  explicit FileSizeLimit(rlim_t bytes) {
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
    struct sigaction ign {};
    ign.sa_handler = SIG_IGN;
    ::sigaction(SIGXFSZ, &ign, &old_xfsz);
    rlimit lim = old;
    lim.rlim_cur = bytes;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &lim) == 0);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &old);
    ::sigaction(SIGXFSZ, &old_xfsz, nullptr);
  }
};

// A tmpfs of `bytes` mounted on `dir` (root only); mounted() is false where that is not allowed.
struct Tmpfs {
  fs::path dir;
  bool ok = false;
  Tmpfs(const fs::path& d, size_t bytes, bool read_only = false) : dir(d) {
    fs::create_directories(dir);
    const std::string opts = "size=" + std::to_string(bytes) + ",mode=0755";
    ok = ::mount("tmpfs", dir.c_str(), "tmpfs", read_only ? MS_RDONLY : 0, opts.c_str()) == 0;
  }
  bool remount_read_only() {
    return ::mount("tmpfs", dir.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, nullptr) == 0;
  }
  ~Tmpfs() {
    if (ok) ::umount2(dir.c_str(), MNT_DETACH);
  }
};

// The message of the E that f() throws (any other exception fails the test).
template <typename E, typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  FAIL("no exception thrown");
  return "";
}

void copy_dir(const fs::path& from, const fs::path& to) {
  fs::create_directories(to);
  fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
}

}  // namespace

TEST_CASE("a checkpoint write past the file size limit stops training, the previous save resumes",
          "[training][faults]") {
  torch::set_num_threads(2);
  TempDir dir("fsize");
  const std::string data = nmt_test::write_toy_data(dir, 200);
  const fs::path out = dir.path / "model";
  train(data, out.string(), 4, false);
  const auto before = snapshot(out);
  const rlim_t limit = before.at("last.pt").size() / 2;  // metrics lines and logs still fit

  std::string message;
  {
    FileSizeLimit lim(limit);
    try {
      train(data, out.string(), 8, true);
    } catch (const nmt::IoError& e) {
      message = e.what();
    }
  }
  INFO(message);
  CHECK_THAT(message, Contains("last.pt") && Contains("File too large"));
  CHECK_THAT(message, Contains("training stopped at step 6") && Contains("step 4 are intact"));
  check_checkpoint_unchanged(before, out);

  // The intact pair resumes: 4 more steps from step 4.
  const auto r = train(data, out.string(), 8, true);
  CHECK(r.steps == 8);
  CHECK(r.steps_this_run == 4);
}

TEST_CASE("a full disk (tmpfs) during a checkpoint stops training, the previous save resumes", "[training][faults]") {
  torch::set_num_threads(2);
  TempDir dir("enospc");
  const std::string data = nmt_test::write_toy_data(dir, 200);
  const fs::path first = dir.path / "first";
  train(data, first.string(), 4, false);
  size_t used = 0;
  for (const auto& e : fs::directory_iterator(first)) used += fs::file_size(e.path()) + 4096;
  // Room for what is there and the metrics appends, not for another last.pt.
  Tmpfs disk(dir.path / "disk", used + fs::file_size(first / "last.pt") / 2);
  if (!disk.ok) {
    WARN("cannot mount a tmpfs here (needs root); the file size limit test covers a failed write");
    return;
  }
  const fs::path out = disk.dir / "model";
  copy_dir(first, out);
  const auto before = snapshot(out);
  std::string message;
  try {
    train(data, out.string(), 8, true);
  } catch (const nmt::IoError& e) {
    message = e.what();
  }
  INFO(message);
  CHECK_THAT(message, Contains("No space left on device"));
  CHECK_THAT(message, Contains("last.pt") || Contains("train_state.pt"));
  check_checkpoint_unchanged(before, out);
  // The pair on the full disk loads; copied to a disk with room, it resumes.
  const fs::path moved = dir.path / "moved";
  copy_dir(out, moved);
  const auto r = train(data, moved.string(), 8, true);
  CHECK(r.steps == 8);
  CHECK(r.steps_this_run == 4);
}

TEST_CASE("last.pt and train_state.pt from different saves are refused on resume", "[training][faults]") {
  torch::set_num_threads(2);
  TempDir dir("mixed");
  const std::string data = nmt_test::write_toy_data(dir, 200);
  const fs::path out = dir.path / "model";
  train(data, out.string(), 4, false);
  const std::string old_last = slurp(out / "last.pt");
  train(data, out.string(), 6, true);
  spit(out / "last.pt", old_last);  // as if a save was cut off between the two renames
  CHECK_THAT(error_of<nmt::IoError>([&] { train(data, out.string(), 8, true); }),
             Contains("train_state.pt") && Contains("last.pt") && Contains("different saves"));
}

namespace {

enum class Damage { Truncate, FlipByte, Empty, Garbage };
const char* damage_name(Damage d) {
  switch (d) {
    case Damage::Truncate: return "truncated";
    case Damage::FlipByte: return "one byte flipped";
    case Damage::Empty: return "empty";
    case Damage::Garbage: return "garbage";
  }
  return "";
}
std::string damaged(const std::string& bytes, Damage d) {
  switch (d) {
    case Damage::Truncate: return bytes.substr(0, bytes.size() / 2);
    case Damage::FlipByte: {
      std::string b = bytes;
      b[b.size() / 2] = static_cast<char>(b[b.size() / 2] ^ 0x40);
      return b;
    }
    case Damage::Empty: return "";
    case Damage::Garbage: return std::string("\x89PNG\r\n\x1a\n not a checkpoint \xff\xfe\x00\x01", 31);
  }
  return bytes;
}
const Damage kAllDamage[] = {Damage::Truncate, Damage::FlipByte, Damage::Empty, Damage::Garbage};

}  // namespace

TEST_CASE("damaged model files are errors naming the file, never a different model", "[training][faults]") {
  torch::set_num_threads(2);
  TempDir dir("damage");
  const std::string data = nmt_test::write_toy_data(dir, 200);
  const fs::path out = dir.path / "model";
  train(data, out.string(), 4, false);
  const auto good = snapshot(out);
  auto restore = [&] {
    for (const auto& [name, bytes] : good) spit(out / name, bytes);
  };
  auto expect_error = [&](const std::string& file, Damage d, const std::function<void()>& load) {
    restore();
    spit(out / file, damaged(good.at(file), d));
    INFO(file << " " << damage_name(d));
    std::string message;
    try {
      load();
    } catch (const nmt::Error& e) {
      message = e.what();
    }
    INFO(message);
    CHECK_THAT(message, Contains(file));
  };
  const auto best = [&] { nmt::load_model_dir(out.string(), torch::kCPU, "best"); };
  const auto last = [&] { nmt::load_model_dir(out.string(), torch::kCPU, "last"); };
  const auto resume = [&] { train(data, out.string(), 6, true); };
  for (Damage d : kAllDamage) {
    expect_error("best.pt", d, best);
    expect_error("last.pt", d, last);
    expect_error("train_state.pt", d, resume);
    expect_error("vocab.txt", d, best);  // the weights record the tokenizer's CRC-32
    // A changed byte in config.yaml can be a legitimate hand edit (decode.beam_size); a
    // broken one is an error naming the file.
    if (d != Damage::FlipByte) expect_error("config.yaml", d, best);
  }
  expect_error("last.pt", Damage::FlipByte, resume);
  expect_error("vocab.txt", Damage::FlipByte, resume);

  // metrics.jsonl is a log: damaged lines are skipped with a warning, and resume drops them.
  restore();
  const size_t good_records = nmt::read_metrics_log((out / "metrics.jsonl").string()).size();
  REQUIRE(good_records >= 4);
  const std::string& log = good.at("metrics.jsonl");
  const size_t second_line = log.find('\n') + 1;
  spit(out / "metrics.jsonl", log.substr(0, second_line + 10) + "\x01\xff garbage\n" + log.substr(second_line + 10));
  const auto recs = nmt::read_metrics_log((out / "metrics.jsonl").string());
  CHECK(recs.size() == good_records - 1);  // the torn second record (both of its halves) is skipped
  for (const auto& rec : recs) CHECK(rec.at("type").is_string());
  const auto r = train(data, out.string(), 6, true);
  CHECK(r.steps == 6);
  for (const auto& rec : nmt::read_metrics_log((out / "metrics.jsonl").string())) CHECK(rec.at("step").is_number());
}

TEST_CASE("a read-only model directory: training fails at once naming the file, loading works", "[training][faults]") {
  torch::set_num_threads(2);
  TempDir dir("readonly");
  const std::string data = nmt_test::write_toy_data(dir, 200);
  const fs::path first = dir.path / "first";
  train(data, first.string(), 4, false);
  const fs::path ro = dir.path / "ro";
  std::unique_ptr<Tmpfs> mount;
  if (::geteuid() == 0) {  // root writes through permissions: use a read-only file system
    mount = std::make_unique<Tmpfs>(ro, 64 << 20);
    if (!mount->ok) {
      WARN("running as root without permission to mount: cannot make a read-only directory");
      return;
    }
    copy_dir(first, ro / "model");
    REQUIRE(mount->remount_read_only());
  } else {
    copy_dir(first, ro / "model");
    fs::permissions(ro / "model", fs::perms::owner_read | fs::perms::owner_exec);
    fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
  }
  const fs::path out = ro / "model";
  const auto before = snapshot(out);
  auto lm = nmt::load_model_dir(out.string(), torch::kCPU, "best");  // translating needs no writes
  CHECK(lm.model->parameter_count() > 0);
  CHECK_THAT(error_of<nmt::IoError>([&] { train(data, out.string(), 8, true); }),
             Contains(out.string() + "/config.yaml") &&
                 (Contains("Read-only file system") || Contains("Permission denied")));
  CHECK_THAT(error_of<nmt::IoError>([&] { train(data, (ro / "new").string(), 8, false); }),
             Contains((ro / "new").string()));
  CHECK(snapshot(out) == before);
  if (::geteuid() != 0) {
    fs::permissions(ro, fs::perms::owner_all);
    fs::permissions(ro / "model", fs::perms::owner_all);
  }
}

TEST_CASE("a damaged spm.model is an error naming it, before SentencePiece reads it", "[training][faults][spm]") {
  torch::set_num_threads(2);
  TempDir dir("spmdamage");
  const std::string data = nmt_test::write_toy_data(dir, 200);
  const fs::path out = dir.path / "model";
  train(data, out.string(), 2, false, {"tokenizer.type=sentencepiece", "tokenizer.vocab_size=24"});
  REQUIRE(fs::exists(out / "spm.model"));
  const std::string good = slurp(out / "spm.model");
  for (Damage d : kAllDamage) {
    spit(out / "spm.model", damaged(good, d));
    INFO(damage_name(d));
    CHECK_THAT(error_of<nmt::IoError>([&] { nmt::load_model_dir(out.string(), torch::kCPU, "best"); }),
               Contains(out.string() + "/spm.model") && Contains("damaged or comes from another run"));
  }
  spit(out / "spm.model", good);
  CHECK_NOTHROW(nmt::load_model_dir(out.string(), torch::kCPU, "best"));
}
