// The engine of `agr diff` (docs/diff.md): what a revised agreement changes. Both versions judge
// every history; the verdicts are compared by what both versions share, never by their tables'
// indexes: event ids and service codes, rule ids, amounts and dates, since OLD and NEW may have
// different services, rules and facts. A course has changed when an event's status, rules broken
// or fee changed, a warning or a due item appeared, went or moved, or its totals changed; a line
// that is an error under one version only is a change, an error under both is not.
//
// The text report lists each changed course, then a summary by rule and by service code; jsonl
// writes one JSON object per changed course. Either way the report ends with exactly
// "compared N courses: M changed". The command line (tools/agr/diff.cpp) and the server's
// POST /v1/diff (server/api.cpp) both write their reports here, so the two give the same bytes.
//
// It streams: one course at a time, in memory bounded by the largest course (the summary holds
// one row per rule id and per service code); the cost is about that of two runs, since the
// history is parsed once more, for its event ids and codes, only when its verdicts differ.
// Comparison takes one line at a time (the server); compare_json_lines takes a whole input and
// judges it on several threads with the batch runner (runtime/batch_run.h), writing the same
// bytes in input order (the command line).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "agr/agr.h"

namespace agr::diff {

enum class Format { Text, Jsonl };

class Comparison {
 public:
  // The report is appended to *out, which the caller may drain (write out and clear) between
  // lines; it must outlive the comparison.
  Comparison(std::shared_ptr<const Agreement> old_agreement, std::shared_ptr<const Agreement> new_agreement,
             std::optional<Day> as_of, Format format, std::string* out);
  ~Comparison();
  Comparison(const Comparison&) = delete;
  Comparison& operator=(const Comparison&) = delete;

  // Judges line `line_number` (from 1, every input line counted) under both versions and appends
  // the course's report when something changed. False when the line is an error under both
  // versions: no change, for the caller to count ("2 of 8 lines were errors under both versions").
  bool add_line(std::string_view line, uint64_t line_number);

  // Appends the summary (text only, when something changed) and the closing line
  // "compared N courses: M changed", N being the last line number given.
  void finish();

  uint64_t compared() const;
  uint64_t changed() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// What compare_json_lines read and found.
struct Counts {
  uint64_t lines = 0;        // lines read
  uint64_t error_lines = 0;  // lines that were errors under both versions
  uint64_t changed = 0;      // courses that changed (the M of the closing line)
};

// The whole report for the JSON Lines read through `read`, written through `write`: byte for
// byte what a Comparison gives line by line, then finish(), whatever options.jobs. From
// `options` it takes as_of, jobs (worker threads, each judging whole blocks of lines under both
// versions; 0: one per core), block_bytes, first_line and on_written (after each block's report
// is written, with the lines read so far). Memory is bounded as for run_json_lines: blocks in
// flight, and each block's reports. False with *error ("reading: ..." or "writing: ...", the
// system's reason) when reading or writing failed; then the closing line is not written.
bool compare_json_lines(std::shared_ptr<const Agreement> old_agreement, std::shared_ptr<const Agreement> new_agreement,
                        Format format, const ReadInput& read, const WriteOutput& write, const RunOptions& options,
                        Counts* counts, std::string* error);

}  // namespace agr::diff
