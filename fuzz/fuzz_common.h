// Shared by the libFuzzer targets (fuzz/fuzz_*.cpp) and by the plain replay of their regression
// inputs (tests/bad_input/replay_regressions.cpp), which calls the same entry points without
// libFuzzer. Every entry point returns 0 and reports a broken invariant through fail(), which
// aborts, so that libFuzzer (or CTest) records the input as a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agr/agr.h"

namespace agr::fuzz {

// The entry points, one per target: any bytes in, never a crash, a hang or a broken invariant.
int compile_one(const uint8_t* data, size_t size);    // fuzz_compile.cpp: bytes as .agr source
int bytecode_one(const uint8_t* data, size_t size);   // fuzz_bytecode.cpp: bytes as an .agrc file
int history_one(const uint8_t* data, size_t size);    // fuzz_history.cpp: bytes as a JSON line
int evaluate_one(const uint8_t* data, size_t size);   // fuzz_evaluate.cpp: bytes drive a history generator
int differential_one(const uint8_t* data, size_t size);  // fuzz_differential.cpp: VM against the reference
int fmt_one(const uint8_t* data, size_t size);        // fuzz_fmt.cpp: bytes as an .agr source for agr fmt

struct Bundled {
  std::string name;  // file name without .agr
  std::string path;  // the .agr file
  std::shared_ptr<const Agreement> agreement;
};

// Every agreements/*.agr of the source tree, then every examples/agreements/*.agr (their paths
// are baked in at build time), compiled once on first use, each folder in file-name order. Aborts
// when one does not compile: the fuzzers need them all.
const std::vector<Bundled>& bundled_agreements();

// The directory of the bundled agreements (AGR_FUZZ_AGREEMENTS_DIR).
std::string agreements_dir();

// A broken invariant: prints what and where, then aborts.
[[noreturn]] void fail(const char* target, const std::string& what, std::string_view input = {});

// "" when `out` is exactly one line (a single '\n', at its end) holding one JSON object that
// simdjson accepts (UTF-8 included); else what is wrong.
std::string check_json_line(std::string_view out);

// A history as one line of the io-contract's input (no newline).
std::string to_json_line(const HistoryInput& history);

class ByteSource;

// Values for the facts `program` declares, as the fuzzer's bytes choose: every required fact and
// some optional ones, of the declared type (dates near `around` and near the ages rules test,
// codes from the agreement's code lists and beside them). With `mistakes`, now and then a value of
// the wrong type, a required fact left out, or a fact the agreement does not declare.
std::vector<FactInput> generate_facts(ByteSource& in, const Program& program, Day around, bool mistakes);

// A cursor over the fuzzer's bytes for the structured target: every read succeeds (zeros once
// the bytes run out), so any input maps to some valid history.
class ByteSource {
 public:
  ByteSource(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool empty() const { return pos_ >= size_; }
  uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  // Uniform enough in [0, n) for n >= 1.
  uint32_t below(uint32_t n) {
    uint32_t v = byte();
    if (n > 256) v = v << 8 | byte();
    return n == 0 ? 0 : v % n;
  }
  bool coin(uint32_t one_in) { return below(one_in) == 0; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace agr::fuzz
