// agr diff on several threads (diff::compare_json_lines): whatever the number of threads, the
// block size and the way input arrives, the report is byte for byte what a Comparison writes
// line by line (courses in input order, the summary, the closing line), and the counts the same;
// read and write failures are reported, never silent.
#include <catch2/catch.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "agr/agr.h"
#include "diff.h"
#include "driver.h"
#include "read_pieces.h"

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(std::string(AGR_SOURCE_DIR) + "/" + path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(!text.empty());
  return text;
}

std::shared_ptr<const agr::Agreement> compiled(const std::string& path) {
  agr::SourceFile file;
  std::string error;
  REQUIRE(agr::read_source_file(std::string(AGR_SOURCE_DIR) + "/" + path, &file, &error));
  agr::Diagnostics diags;
  auto agreement = agr::compile_agreement(file, diags, &error);
  INFO(diags.render(file) << error);
  REQUIRE(agreement);
  return agreement;
}

// tests/diff's histories (courses each revision changes, an error line, courses none changes)
// and tests/bad_input/mixed.jsonl (lines that are errors under every version: blank lines, a CRLF
// line, broken JSON, a last line without its newline), over and over: many courses, many blocks.
std::string corpus() {
  const std::string histories = read_text("tests/diff/histories.jsonl"), bad = read_text("tests/bad_input/mixed.jsonl");
  std::string text;
  for (int copy = 0; copy < 6; ++copy) text += histories + bad + "\n";
  return text + histories + bad;  // ends without a newline, as mixed.jsonl does
}

struct Report {
  std::string out;
  agr::diff::Counts counts;
};

// The reference: a Comparison fed line by line, numbered from `first_line`.
Report line_by_line(const std::shared_ptr<const agr::Agreement>& old_agreement,
                    const std::shared_ptr<const agr::Agreement>& new_agreement, agr::diff::Format format,
                    const std::string& input, uint64_t first_line = 1) {
  Report r;
  agr::diff::Comparison comparison(old_agreement, new_agreement, std::nullopt, format, &r.out);
  uint64_t number = first_line - 1;
  for (size_t pos = 0; pos < input.size();) {
    size_t nl = input.find('\n', pos);
    if (nl == std::string::npos) nl = input.size();
    ++r.counts.lines;
    r.counts.error_lines += !comparison.add_line(std::string_view(input).substr(pos, nl - pos), ++number);
    pos = nl + 1;
  }
  comparison.finish();
  r.counts.changed = comparison.changed();
  return r;
}

// compare_json_lines over `input` handed out `piece` bytes at a time.
bool in_blocks(const std::shared_ptr<const agr::Agreement>& old_agreement,
               const std::shared_ptr<const agr::Agreement>& new_agreement, agr::diff::Format format,
               const std::string& input, unsigned jobs, size_t block, size_t piece, Report* r, std::string* error,
               uint64_t first_line = 1) {
  const agr::ReadInput read = agr::testing::read_in_pieces(input, piece);
  const agr::WriteOutput write = [&](std::string_view bytes) {
    r->out.append(bytes);
    return true;
  };
  agr::RunOptions options;
  options.jobs = jobs;
  options.block_bytes = block;
  options.first_line = first_line;
  return agr::diff::compare_json_lines(old_agreement, new_agreement, format, read, write, options, &r->counts, error);
}

}  // namespace

TEST_CASE("agr diff on threads writes what a Comparison writes line by line, for any jobs and block size",
          "[diff][batch]") {
  const auto old_agreement = compiled("tests/diff/training.agr");
  const std::string input = corpus();
  for (const char* revision : {"limit", "rule", "removed", "flag", "window", "level"}) {
    const auto new_agreement = compiled(std::string("tests/diff/training-") + revision + ".agr");
    for (const auto format : {agr::diff::Format::Text, agr::diff::Format::Jsonl}) {
      const Report expected = line_by_line(old_agreement, new_agreement, format, input);
      REQUIRE(expected.counts.changed > 0);
      REQUIRE(expected.counts.error_lines > 0);
      for (unsigned jobs : {1u, 2u, 3u, 8u})
        for (size_t block : {size_t(64), size_t(4096), size_t(1) << 20})  // from a line a block to one block
          for (size_t piece : {size_t(7), size_t(4096)}) {
            if (piece == 7 && block != 64) continue;  // input in small pieces: once is enough
            INFO(revision << (format == agr::diff::Format::Text ? " text" : " jsonl") << ", jobs " << jobs
                          << ", block " << block << ", pieces of " << piece);
            Report r;
            std::string error;
            REQUIRE(in_blocks(old_agreement, new_agreement, format, input, jobs, block, piece, &r, &error));
            CHECK(r.out == expected.out);
            CHECK(r.counts.lines == expected.counts.lines);
            CHECK(r.counts.error_lines == expected.counts.error_lines);
            CHECK(r.counts.changed == expected.counts.changed);
          }
    }
  }
}

TEST_CASE("agr diff on threads: nothing compared, and the lines numbered from first_line", "[diff][batch]") {
  const auto old_agreement = compiled("tests/diff/training.agr");
  const auto new_agreement = compiled("tests/diff/training-limit.agr");
  for (unsigned jobs : {1u, 2u}) {
    INFO("jobs " << jobs);
    Report r;
    std::string error;
    REQUIRE(in_blocks(old_agreement, new_agreement, agr::diff::Format::Text, "", jobs, 100, 100, &r, &error));
    CHECK(r.out == "compared 0 courses: 0 changed\n");
    CHECK(r.counts.lines == 0);

    const std::string input = read_text("tests/diff/histories.jsonl");
    const Report expected = line_by_line(old_agreement, new_agreement, agr::diff::Format::Jsonl, input, 41);
    CHECK(expected.out.find("\"line\":41") != std::string::npos);
    r = {};
    REQUIRE(in_blocks(old_agreement, new_agreement, agr::diff::Format::Jsonl, input, jobs, 100, 100, &r, &error, 41));
    CHECK(r.out == expected.out);
  }
}

TEST_CASE("agr diff on threads: a read or write failure fails the comparison, without a closing line",
          "[diff][batch]") {
  const auto old_agreement = compiled("tests/diff/training.agr");
  const auto new_agreement = compiled("tests/diff/training-limit.agr");
  const std::string input = read_text("tests/diff/histories.jsonl");
  const Report whole = line_by_line(old_agreement, new_agreement, agr::diff::Format::Jsonl, input);
  for (unsigned jobs : {1u, 2u}) {
    INFO("jobs " << jobs);
    agr::RunOptions options;
    options.jobs = jobs;
    options.block_bytes = 64;
    agr::diff::Counts counts;
    std::string out, error;
    // Every line but the last, then a failure.
    const agr::ReadInput failing_read =
        agr::testing::read_in_pieces(input.substr(0, input.rfind('\n', input.size() - 2) + 1), 4096, EIO);
    const agr::WriteOutput keep = [&](std::string_view bytes) {
      out.append(bytes);
      return true;
    };
    CHECK_FALSE(agr::diff::compare_json_lines(old_agreement, new_agreement, agr::diff::Format::Jsonl, failing_read,
                                              keep, options, &counts, &error));
    CHECK(error == std::string("reading: ") + std::strerror(EIO));
    CHECK(counts.lines == whole.counts.lines - 1);  // what was read was compared and written
    CHECK(out.find("compared") == std::string::npos);
    CHECK(whole.out.rfind(out, 0) == 0);

    const agr::WriteOutput full = [](std::string_view) {
      errno = ENOSPC;
      return false;
    };
    CHECK_FALSE(agr::diff::compare_json_lines(old_agreement, new_agreement, agr::diff::Format::Text,
                                              agr::testing::read_in_pieces(input, 4096), full, options, &counts, &error));
    CHECK(error == std::string("writing: ") + std::strerror(ENOSPC));
  }
}
