// JSON Lines output (io-contract.md, "Output").
#pragma once

#include <string>
#include <string_view>

#include "evaluate.h"
#include "json_buffer.h"

namespace agr {

// Appends `text` as a JSON string literal (quotes, escapes for '"', '\\' and control characters).
void append_json_string(std::string* out, std::string_view text);

// Members added inside each violation and warning object, after the rule's own, in the order of
// CourseVerdict::violations and ::warnings: `"explain":{...}` for agr run --explain.
struct VerdictNotes {
  std::vector<std::string> violations, warnings;
};

// One verdict line, newline included, from the agreement's pre-rendered fragments; with `notes`,
// each violation and warning carries its note.
void write_verdict_json(JsonBuffer& out, const Agreement& agreement, const PreparedHistory& history,
                        const CourseVerdict& verdict, const VerdictNotes* notes = nullptr);
// The same appended to a string.
void append_verdict_json(std::string* out, const Agreement& agreement, const PreparedHistory& history,
                         const CourseVerdict& verdict);

// `,"KEY":{"total":..,"subsidy":..,"patient":..}` and `"rule":..,"message":..,"source":..`.
std::string render_fee_json(const char* key, const FeeSplit& fee);
std::string render_rule_json(const Rule& rule);

// One error line: {"id": ..., "error": {"line": N, "message": "..."}}; id null when unreadable.
void append_error_json(std::string* out, const std::string* id, uint64_t line_number, std::string_view message);

}  // namespace agr
