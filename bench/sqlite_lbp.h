// The LBP rules (shared/spec/agreements.md, LBP-1 .. LBP-15) in SQL on SQLite, one query per
// event: since an event's verdict depends on which earlier events were accepted, each course is
// walked in evaluation order (ORDER BY date, input position), one SQL query per event asks every
// rule ("how many accepted 0266 in S .. S + 3 months", ...) of an `accepted` table, and the event
// is INSERTed there when no rule is broken. Totals and due items (LBP-14) are SQL over `accepted`
// at the end of each course. The tables it reads are sqlite_corpus.h's.
//
// This is the row-by-row way: exact on every rule, and slow (a dozen subqueries per event). The
// set-based way an analyst would write is sqlite_set_lbp.h.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sqlite_corpus.h"

namespace agr::bench {

class SqliteLbp : public SqliteCorpus {
 public:
  // An in-memory database with the LBP tables; null with *error when `program` is not LBP's.
  static std::unique_ptr<SqliteLbp> create(const Program& program, std::string* error);
  ~SqliteLbp() override;

  // Evaluates every loaded course from scratch (the `accepted` table is emptied first);
  // (*verdicts)[k] is course k's verdict.
  bool evaluate_all(std::vector<CourseVerdict>* verdicts, std::string* error);

 private:
  SqliteLbp() = default;
  bool evaluate_course(uint32_t course, CourseVerdict* out, std::string* error);

  sqlite3_stmt* events_ = nullptr;    // one course's events in evaluation order
  sqlite3_stmt* judge_ = nullptr;     // every rule for one event
  sqlite3_stmt* accept_ = nullptr;    // INSERT INTO accepted
  sqlite3_stmt* totals_ = nullptr;
  sqlite3_stmt* due_ = nullptr;
  std::vector<uint32_t> broken_;      // reused: per event, bit i = kRuleIds[i] broken
};

}  // namespace agr::bench
