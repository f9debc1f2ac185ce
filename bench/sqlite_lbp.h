// The LBP rules (shared/spec/agreements.md, LBP-1 .. LBP-15) in SQL on SQLite, the way a claims
// analyst would write them: the events in a table, the fee table and the LBP-3 pairs in tables,
// and, since an event's verdict depends on which earlier events were accepted, one pass over
// each course in evaluation order (ORDER BY date, input position) that asks one SQL query per
// event for every rule ("how many accepted 0266 in S .. S + 3 months", ...) and INSERTs the
// event into an `accepted` table when no rule is broken. Totals and due items (LBP-14) are SQL
// over `accepted` at the end of each course. Month arithmetic clamps to the end of the month in
// SQL itself (date(d, '+N months') would roll over: 2025-11-30 + 3 months -> 2026-03-02).
//
// It reads the same PreparedHistory as the runtime (only to load the tables; names, dates and
// codes go in as text) and hands back agr::CourseVerdict so that verdicts can be compared; the
// agreement is consulted only to number rules, services and due items for that output.
// Out-of-calendar dates (year 9999 arithmetic) are not handled: SQLite's date() gives NULL.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "evaluate.h"

struct sqlite3;
struct sqlite3_stmt;

namespace agr::bench {

class SqliteLbp {
 public:
  // An in-memory database with the LBP tables; null with *error when `program` is not LBP's.
  static std::unique_ptr<SqliteLbp> create(const Program& program, std::string* error);
  ~SqliteLbp();

  // Replaces the loaded courses: course k is histories[k], evaluated as of as_of[k] (none: its
  // latest event date). Not part of the timed evaluation.
  bool load(const std::vector<const PreparedHistory*>& histories, const std::vector<std::optional<Day>>& as_of,
            std::string* error);

  // Evaluates every loaded course from scratch (the `accepted` table is emptied first);
  // (*verdicts)[k] is course k's verdict.
  bool evaluate_all(std::vector<CourseVerdict>* verdicts, std::string* error);

  size_t courses() const { return courses_.size(); }

 private:
  SqliteLbp() = default;
  bool exec(const char* sql, std::string* error);
  bool prepare(const std::string& sql, sqlite3_stmt** out, std::string* error);
  bool evaluate_course(uint32_t course, CourseVerdict* out, std::string* error);

  const Program* program_ = nullptr;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_course_ = nullptr;
  sqlite3_stmt* insert_event_ = nullptr;
  sqlite3_stmt* events_ = nullptr;    // one course's events in evaluation order
  sqlite3_stmt* judge_ = nullptr;     // every rule for one event
  sqlite3_stmt* accept_ = nullptr;    // INSERT INTO accepted
  sqlite3_stmt* totals_ = nullptr;
  sqlite3_stmt* due_ = nullptr;
  std::vector<uint32_t> rule_index_;      // the judge query's rule columns -> program rule index
  std::vector<uint32_t> courses_;         // events per loaded course
  std::vector<uint32_t> broken_;          // reused: per event, bit i = program rule i broken
  uint32_t due_0267_ = 0, due_0268_ = 0;
};

}  // namespace agr::bench
