// Replays the fuzzers' kept inputs without libFuzzer, through the same entry points and
// invariant checks (fuzz/fuzz_*.cpp compiled with AGR_FUZZ_REPLAY): every crash input in
// fuzz/regressions/<target>/ and every seed in fuzz/corpus/<target>/. A broken invariant aborts
// (the file being replayed is named just before); under tools/sanitize.sh, ASan and UBSan watch.
// An input that takes longer than kMaxSeconds counts as a hang (libFuzzer's -timeout is 10 s;
// the margin is for sanitizer builds).
//
//   replay_regressions FUZZ_DIR [TARGET...]     (FUZZ_DIR is the source tree's fuzz/)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "fuzz_common.h"

namespace fs = std::filesystem;

constexpr double kMaxSeconds = 60;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: replay_regressions FUZZ_DIR [TARGET...]\n");
    return 2;
  }
  using Entry = int (*)(const uint8_t*, size_t);
  const std::map<std::string, Entry> entries = {
      {"fuzz_compile", agr::fuzz::compile_one},
      {"fuzz_bytecode", agr::fuzz::bytecode_one},
      {"fuzz_history", agr::fuzz::history_one},
      {"fuzz_evaluate", agr::fuzz::evaluate_one},
      {"fuzz_differential", agr::fuzz::differential_one},
      {"fuzz_fmt", agr::fuzz::fmt_one},
  };
  std::vector<std::string> targets(argv + 2, argv + argc);
  if (targets.empty())
    for (const auto& [name, entry] : entries) targets.push_back(name);

  const fs::path root = argv[1];
  if (!fs::is_directory(root / "regressions") && !fs::is_directory(root / "corpus")) {
    std::fprintf(stderr, "replay_regressions: %s has neither regressions/ nor corpus/\n", root.c_str());
    return 2;
  }
  size_t total_regressions = 0, total_seeds = 0, slow = 0;
  for (const std::string& target : targets) {
    const auto entry = entries.find(target);
    if (entry == entries.end()) {
      std::fprintf(stderr, "replay_regressions: unknown target '%s'\n", target.c_str());
      return 2;
    }
    for (const char* kind : {"regressions", "corpus"}) {
      const fs::path dir = root / kind / target;
      if (!fs::is_directory(dir)) continue;
      std::vector<fs::path> files;
      for (const auto& f : fs::directory_iterator(dir))
        if (f.is_regular_file() && f.path().filename().string()[0] != '.') files.push_back(f.path());  // not .keep
      std::sort(files.begin(), files.end());
      for (const fs::path& path : files) {
        std::fprintf(stderr, "replay: %s %s\n", target.c_str(), path.c_str());
        std::ifstream in(path, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (!in.good() && !in.eof()) {
          std::fprintf(stderr, "replay_regressions: cannot read %s\n", path.c_str());
          return 2;
        }
        const auto start = std::chrono::steady_clock::now();
        entry->second(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (seconds > kMaxSeconds) {
          std::fprintf(stderr, "replay_regressions: %s took %.1f s: a hang\n", path.c_str(), seconds);
          ++slow;
        }
      }
      (std::string(kind) == "regressions" ? total_regressions : total_seeds) += files.size();
      std::printf("%s: %zu %s replayed\n", target.c_str(), files.size(),
                  std::string(kind) == "regressions" ? "regression inputs" : "seeds");
    }
  }
  if (slow > 0) return 1;
  std::printf("replayed %zu regression inputs and %zu seeds: no crash, no broken invariant\n", total_regressions,
              total_seeds);
  return 0;
}
