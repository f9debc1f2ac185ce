// Batch runs (agr::run_json_lines): whatever the number of threads, the block size and the way
// input arrives, the output is byte for byte that of evaluate_json_line line by line, in input
// order with its line numbers; read and write failures are reported, never silent. And the
// runner beneath it (runtime/batch_run.h, which agr diff shares): workers, slots and order.
#include <catch2/catch.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <condition_variable>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>
#include <thread>

#include "agr/agr.h"
#include "batch_run.h"
#include "bundled.h"
#include "read_pieces.h"

namespace {

std::shared_ptr<const agr::AgreementSet> lbp_set() {
  static auto set = agr::AgreementSet::of(agr::testing::bundled_agreement("lbp"));
  return set;
}

// Every kind of line: tests/bad_input/mixed.jsonl (good and bad lines, blank lines, a CRLF line,
// the last line without a newline), three times over, each copy with its own ids.
std::string mixed_input() {
  std::ifstream in(std::string(AGR_SOURCE_DIR) + "/tests/bad_input/mixed.jsonl", std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(!text.empty());
  return text + "\n" + text + "\n\n" + text;
}

// The reference: evaluate_json_line on each line, numbered from 1.
std::string line_by_line(const std::string& input, agr::RunSummary* summary) {
  agr::Evaluator evaluator(lbp_set());
  std::string out;
  *summary = {};
  size_t pos = 0;
  while (pos < input.size()) {
    size_t nl = input.find('\n', pos);
    if (nl == std::string::npos) nl = input.size();
    summary->error_lines += !evaluator.evaluate_json_line(std::string_view(input).substr(pos, nl - pos), ++summary->lines,
                                                          std::nullopt, &out);
    pos = nl + 1;
  }
  return out;
}

// Runs over `input`, handed out `piece` bytes at a time, its lines numbered from `first_line`.
bool run(const std::string& input, unsigned jobs, size_t block, size_t piece, std::string* out,
         agr::RunSummary* summary, std::string* error, uint64_t first_line = 1) {
  const agr::ReadInput read = agr::testing::read_in_pieces(input, piece);
  const agr::WriteOutput write = [&](std::string_view bytes) {
    out->append(bytes);
    return true;
  };
  agr::RunOptions options;
  options.jobs = jobs;
  options.block_bytes = block;
  options.first_line = first_line;
  return agr::run_json_lines(lbp_set(), read, write, options, summary, error);
}

}  // namespace

TEST_CASE("a batch run writes what evaluate_json_line writes, in order, for any jobs and block size", "[batch]") {
  const std::string input = mixed_input();
  agr::RunSummary expected_summary;
  const std::string expected = line_by_line(input, &expected_summary);
  REQUIRE(expected_summary.error_lines > 0);
  for (unsigned jobs : {1u, 2u, 3u, 8u})
    for (size_t block : {size_t(1), size_t(100), size_t(4096), size_t(1) << 20})
      for (size_t piece : {size_t(1), size_t(333), size_t(1) << 20}) {
        INFO("jobs " << jobs << ", block " << block << ", pieces of " << piece);
        std::string out, error;
        agr::RunSummary summary;
        REQUIRE(run(input, jobs, block, piece, &out, &summary, &error));
        CHECK(out == expected);
        CHECK(summary.lines == expected_summary.lines);
        CHECK(summary.error_lines == expected_summary.error_lines);
      }
}

TEST_CASE("a batch run of nothing writes nothing; a last line without a newline counts", "[batch]") {
  std::string out, error;
  agr::RunSummary summary;
  REQUIRE(run("", 2, 100, 100, &out, &summary, &error));
  CHECK(out.empty());
  CHECK(summary.lines == 0);
  REQUIRE(run("\n", 1, 100, 100, &out, &summary, &error));
  CHECK(summary.lines == 1);
  CHECK(out == R"({"id":null,"error":{"line":1,"message":"blank line: expected a history object"}})" "\n");
}

TEST_CASE("a batch run numbers its lines from first_line: a part of a longer input", "[batch]") {
  const std::string input = mixed_input();
  agr::RunSummary expected_summary;
  const std::string whole = line_by_line(input + "\n" + input, &expected_summary);
  const std::string first = line_by_line(input + "\n", &expected_summary);
  for (unsigned jobs : {1u, 2u}) {
    INFO("jobs " << jobs);
    std::string out, error;
    agr::RunSummary summary;
    // the lines of `first` came before
    REQUIRE(run(input, jobs, 100, 1 << 20, &out, &summary, &error, expected_summary.lines + 1));
    CHECK(first + out == whole);
  }
}

TEST_CASE("a line over the limit is refused on its own line number and the next line keeps its number", "[batch]") {
  const std::string good = R"({"id":"g","referral_date":"2025-09-01","events":[]})";
  const std::string input = good + "\n" + "x" + std::string(17 * 1024 * 1024, ' ') + "\n" + good + "\n";
  for (unsigned jobs : {1u, 2u}) {
    std::string out, error;
    agr::RunSummary summary;
    REQUIRE(run(input, jobs, 1 << 20, 1 << 20, &out, &summary, &error));
    CHECK(summary.lines == 3);
    CHECK(summary.error_lines == 1);
    CHECK(out.find(R"({"id":null,"error":{"line":2,"message":"the line is longer than the limit)") != std::string::npos);
    CHECK(out.find(R"({"id":"g","agreement":"lbp")") == 0);
    CHECK(out.rfind(R"({"id":"g","agreement":"lbp")") > out.find("\"line\":2"));
  }
}

TEST_CASE("a read failure or a write failure fails the run with the reason", "[batch]") {
  const std::string good = R"({"id":"g","referral_date":"2025-09-01","events":[]})" "\n";
  for (unsigned jobs : {1u, 2u}) {
    INFO("jobs " << jobs);
    int calls = 0;
    std::string out, error;
    const agr::ReadInput failing_read = [&](char* buffer, size_t) -> ptrdiff_t {
      if (calls++ == 0) {
        std::memcpy(buffer, good.data(), good.size());
        return static_cast<ptrdiff_t>(good.size());
      }
      errno = EIO;
      return -1;
    };
    const agr::WriteOutput keep = [&](std::string_view bytes) {
      out.append(bytes);
      return true;
    };
    agr::RunOptions options;
    options.jobs = jobs;
    agr::RunSummary summary;
    CHECK_FALSE(agr::run_json_lines(lbp_set(), failing_read, keep, options, &summary, &error));
    CHECK(error == std::string("reading: ") + std::strerror(EIO));
    CHECK(summary.lines == 1);  // what was read before the failure is still evaluated and written
    CHECK(out.find(R"({"id":"g")") == 0);

    // Many small blocks: the workers must not quit while the reader still hands blocks out.
    size_t given = 0;
    options.block_bytes = 16;
    const agr::ReadInput read = [&](char* buffer, size_t) -> ptrdiff_t {
      if (given++ == 300) return 0;
      std::memcpy(buffer, good.data(), good.size());
      return static_cast<ptrdiff_t>(good.size());
    };
    const agr::WriteOutput full = [](std::string_view) {
      errno = ENOSPC;
      return false;
    };
    error.clear();
    CHECK_FALSE(agr::run_json_lines(lbp_set(), read, full, options, &summary, &error));
    CHECK(error == std::string("writing: ") + std::strerror(ENOSPC));
  }
}

TEST_CASE("a co-process fed one line at a time gets each answer before it sends the next line", "[batch]") {
  const std::string good = R"({"id":"g","referral_date":"2025-09-01","events":[]})" "\n";
  for (unsigned jobs : {1u, 2u}) {
    INFO("jobs " << jobs);
    std::mutex mutex;
    std::condition_variable answered;
    size_t answers = 0, sent = 0;
    bool stalled = false;
    const agr::ReadInput read = [&](char* buffer, size_t) -> ptrdiff_t {
      std::unique_lock lock(mutex);
      // A request/response client waits for the answer to its last line before it sends another.
      if (!answered.wait_for(lock, std::chrono::seconds(10), [&] { return answers == sent; })) stalled = true;
      if (stalled || sent == 5) return 0;
      ++sent;
      std::memcpy(buffer, good.data(), good.size());
      return static_cast<ptrdiff_t>(good.size());
    };
    const agr::WriteOutput write = [&](std::string_view bytes) {
      std::lock_guard lock(mutex);
      answers += static_cast<size_t>(std::count(bytes.begin(), bytes.end(), '\n'));
      answered.notify_all();
      return true;
    };
    agr::RunOptions options;
    options.jobs = jobs;
    agr::RunSummary summary;
    std::string error;
    REQUIRE(agr::run_json_lines(lbp_set(), read, write, options, &summary, &error));
    CHECK_FALSE(stalled);
    CHECK(answers == 5);
  }
}

TEST_CASE("run_blocks: a worker per thread, each block in a slot of its own, written in input order", "[batch]") {
  // ... and no thread but the workers: each writes what is done (a reader or writer thread of its
  // own would take a core from the workers, 7,637 context switches on 200,000 courses).
  std::string input;
  for (int i = 1; i <= 2000; ++i) input += std::to_string(i) + "\n";
  for (unsigned jobs : {1u, 2u, 3u}) {
    INFO("jobs " << jobs);
    const unsigned threads = agr::worker_threads(jobs);
    CHECK(threads == jobs);
    const size_t slots = agr::block_slots(threads);
    std::vector<std::string> worked(slots);  // per slot: the block's lines, checked against their numbers
    std::mutex mutex;
    std::set<std::thread::id> worker_threads;
    const agr::ReadInput read = agr::testing::read_in_pieces(input, 7);
    agr::BlockRun run;
    run.threads = threads;
    run.block_bytes = 10;  // a few lines a block: hundreds of blocks
    run.make_worker = [&]() -> agr::BlockWorker {
      {
        std::lock_guard lock(mutex);
        worker_threads.insert(std::this_thread::get_id());
      }
      return [&](const agr::LineBlock& block) {
        REQUIRE(block.slot < slots);
        std::string& out = worked[block.slot];
        out.clear();
        block.each_line([&](agr::PaddedLine line, uint64_t number) {
          if (line.text != std::to_string(number)) out += "line " + std::to_string(number) + " is not its number; ";
          out += std::string(line.text) + "\n";
        });
      };
    };
    std::string written;
    uint64_t blocks = 0, next_line = 1;
    std::set<std::thread::id> writer_threads;
    run.write = [&](const agr::LineBlock& block, std::string*) {
      writer_threads.insert(std::this_thread::get_id());
      CHECK(block.first_line == next_line);
      next_line += static_cast<uint64_t>(std::count(block.lines.begin(), block.lines.end(), '\n'));
      written += worked[block.slot];
      ++blocks;
      return true;
    };
    std::string error;
    REQUIRE(agr::run_blocks(read, run, &error));
    CHECK(written == input);
    CHECK(blocks > 100);
    CHECK(worker_threads.size() == threads);
    for (const std::thread::id& id : writer_threads) CHECK(worker_threads.count(id) == 1);
    CHECK((threads == 1) == (worker_threads.count(std::this_thread::get_id()) == 1));
  }
}
