// The threaded batch runner (runtime/batch_run.cpp) under ThreadSanitizer: this program and
// batch_run.cpp are built with -fsanitize=thread (tests/CMakeLists.txt), so a data race among the
// workers that cut, work and write blocks fails the test (TSan exits with status 66), where the
// [batch] unit tests would only see it if it happened to corrupt the output. Runs with 2, 3 and 4
// threads over blocks of a few lines arriving 13 bytes at a time: thousands of hand-overs; with a
// writer that fails part-way and a reader that fails part-way.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "batch_run.h"

namespace {

int failures = 0;

void expect(bool ok, const char* what, unsigned threads) {
  if (ok) return;
  std::fprintf(stderr, "batch_run_tsan: %s (%u threads)\n", what, threads);
  ++failures;
}

// One run of `threads` workers over `input`; write_fails_at/read_fails_at: the block number at
// which writing fails, the read call at which reading fails (0: never).
void run(const std::string& input, unsigned threads, int write_fails_at, int read_fails_at) {
  size_t pos = 0;
  int reads = 0;
  const agr::ReadInput read = [&](char* buffer, size_t capacity) -> ptrdiff_t {
    if (read_fails_at && ++reads == read_fails_at) {
      errno = EIO;
      return -1;
    }
    const size_t n = std::min<size_t>({capacity, 13, input.size() - pos});
    std::memcpy(buffer, input.data() + pos, n);
    pos += n;
    return static_cast<ptrdiff_t>(n);
  };
  std::vector<std::string> worked(agr::block_slots(threads));
  agr::BlockRun blocks;
  blocks.threads = threads;
  blocks.block_bytes = 20;
  blocks.make_worker = [&]() -> agr::BlockWorker {
    return [&](const agr::LineBlock& block) {
      std::string& out = worked[block.slot];
      out.clear();
      block.each_line([&](agr::PaddedLine line, uint64_t number) {
        if (line.text != std::to_string(number)) out += "(misnumbered)";
        out += std::string(line.text) + "\n";
      });
    };
  };
  std::string written;
  int block_count = 0;
  blocks.write = [&](const agr::LineBlock& block, std::string* problem) {
    if (write_fails_at && ++block_count == write_fails_at) {
      *problem = "writing: full";
      return false;
    }
    written += worked[block.slot];
    return true;
  };
  std::string error;
  const bool ok = agr::run_blocks(read, blocks, &error);
  // What was written is always the input's beginning, in order, correctly numbered.
  expect(input.compare(0, written.size(), written) == 0, "the output is not the input's beginning", threads);
  if (write_fails_at) {
    expect(!ok && error == "writing: full", "a failed write is not reported", threads);
  } else if (read_fails_at) {
    expect(!ok && error == std::string("reading: ") + std::strerror(EIO), "a failed read is not reported", threads);
  } else {
    expect(ok && written == input, "the output is not the input", threads);
  }
}

}  // namespace

int main() {
  std::string input;
  for (int i = 1; i <= 20000; ++i) input += std::to_string(i) + "\n";
  for (unsigned threads : {2u, 3u, 4u}) {
    run(input, threads, 0, 0);
    run(input, threads, 500, 0);
    run(input, threads, 0, 3000);
  }
  if (failures) return 1;
  std::puts("batch_run_tsan: ok");
  return 0;
}
