// The LBP corpus in an in-memory SQLite database, shared by the two SQL baselines: the one that
// asks a query per event (sqlite_lbp.h) and the set-based one (sqlite_set_lbp.h). The fee table
// and the LBP-3 pairs are tables; the courses and their events are loaded once, before anything
// is timed, as an analyst's extract would be: dates as text (YYYY-MM-DD), codes as text, the
// event's clinic (its own, else the history's) and its flags as columns.
//
// It reads the same PreparedHistory as the runtime, only to fill the tables, and the verdicts go
// back as agr::CourseVerdict so that they can be compared with the VM's. The agreement is
// consulted only to number rules, services and due items for that output; the rules themselves
// are SQL. Out-of-calendar dates (year 9999 arithmetic) are not handled: SQLite's date() gives
// NULL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "evaluate.h"

struct sqlite3;
struct sqlite3_stmt;

namespace agr::bench {

// The rejecting rules, then the two warnings, in the order of the agreement file: the order in
// which both SQL baselines return them (bit i of a `broken` column is kRuleIds[i]).
inline constexpr const char* kRuleIds[] = {"LBP-1", "LBP-2", "LBP-3",  "LBP-4",  "LBP-5",  "LBP-6",  "LBP-7",
                                           "LBP-8", "LBP-9", "LBP-10", "LBP-11", "LBP-15", "LBP-12", "LBP-13"};
inline constexpr int kRejections = 12;  // the first 12 reject, the last 2 warn

// D + N months with the day clamped to the end of the target month, as an SQL expression over
// the date expression `d` (NULL stays NULL): the same day N months on, counted from the 1st so
// that nothing rolls over, or else the last day of the target month, whichever is earlier.
// (date(d, '+N months') alone rolls over: 2025-11-30 + 3 months -> 2026-03-02.)
std::string add_months_sql(const std::string& d, int n);

// LBP-14, the due items, from `relation`: one row per course with S, F (the dates of the first
// accepted initial and 0267; NULL when none), F3, F9 (F + 3 and + 9 months), R, R12 (the referral
// and R + 12 months), n0268 (accepted 0268) and evaluated (the evaluation date). Its rows are
// `columns` (say "course, ", or nothing) then code, earliest, target, latest, overdue.
std::string due_items_sql(const std::string& relation, const std::string& columns);

class SqliteCorpus {
 public:
  virtual ~SqliteCorpus();
  SqliteCorpus(const SqliteCorpus&) = delete;
  SqliteCorpus& operator=(const SqliteCorpus&) = delete;

  // Replaces the loaded courses: course k is histories[k], evaluated as of as_of[k] (none: its
  // latest event date). Not part of the timed evaluation.
  bool load(const std::vector<const PreparedHistory*>& histories, const std::vector<std::optional<Day>>& as_of,
            std::string* error);

  size_t courses() const { return courses_.size(); }

 protected:
  SqliteCorpus() = default;
  // Opens the database with the shared tables and then `schema` (the baseline's own tables);
  // false with *error when `program` is not LBP's.
  bool open(const Program& program, const char* schema, std::string* error);
  bool exec(const char* sql, std::string* error);
  bool exec(const std::string& sql, std::string* error) { return exec(sql.c_str(), error); }
  bool prepare(const std::string& sql, sqlite3_stmt** out, std::string* error);
  bool sql_error(std::string* error);  // *error = SQLite's message; returns false

  // Empties *out for course `course` (its loaded number of events, every one not governed).
  void clear(uint32_t course, CourseVerdict* out) const;
  // Lists each rejected event's violations, from broken[event] (bit i = kRuleIds[i]).
  void set_violations(const std::vector<uint32_t>& broken, CourseVerdict* out) const;
  // Appends the due item of one row of a due query: (code, earliest, target, latest, overdue)
  // from column `first` on; keeps out->due in the agreement's order.
  void add_due(sqlite3_stmt* row, int first, CourseVerdict* out) const;
  // The warning of kRuleIds[kRejections + w] at `event`.
  WarningVerdict warning(int w, uint32_t event) const { return {rule_index_[kRejections + w], event}; }

  const Program* program_ = nullptr;
  sqlite3* db_ = nullptr;
  std::vector<uint32_t> courses_;  // events per loaded course

 private:
  sqlite3_stmt* insert_course_ = nullptr;
  sqlite3_stmt* insert_event_ = nullptr;
  std::vector<uint32_t> rule_index_;  // kRuleIds -> program rule index
  uint32_t due_0267_ = 0, due_0268_ = 0;
};

}  // namespace agr::bench
