// The LBP rules (shared/spec/agreements.md, LBP-1 .. LBP-15) as set-based SQL on SQLite, the way
// a claims analyst would write them: every course at once, a handful of statements, each rule a
// term over the events table. The course start S and end F (the first accepted initial and 0267)
// and the dates measured from them are one row per course (GROUP BY); an event comes after S
// when S is an earlier day or an initial was accepted earlier the same day, which a join of each
// event with the events earlier on its day says (that join also judges LBP-1 and LBP-3); the
// limits are window functions over the events of one kind, count(*) OVER (PARTITION BY course,
// kind ORDER BY date, seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) ("a third
// education", "a seventh 0266 within S .. S + 3 months"), and lag() over the initials gives the
// latest initial's clinic (LBP-2); what each 0267 had before it (LBP-7, the warnings) is a join
// with the course's earlier events. The tables it reads are sqlite_corpus.h's.
//
// What one pass cannot express: the rules count *accepted* earlier events, and a rejected event
// does not use up a limit, open a window or start a course. A pass that counts every earlier
// governed event is exact up to and including a course's first rejection (before it, "earlier"
// and "earlier accepted" are the same events), and no further. So evaluation runs in passes:
// each pass judges the courses still open with the rejections found so far left out of every
// count, and takes from each course the first event it finds broken, which is then a true
// rejection with its true list of broken rules. A course whose pass finds nothing broken is
// settled: its remaining events are accepted, its warnings, totals and due items are that pass's.
// Every course settles after (its number of rejections + 1) passes, so a course whose initial is
// rejected (and every course service after it, LBP-4) costs one pass per event; the later passes
// judge only the courses with a rejection, with the same statements. Also quadratic where agr is
// not: the same-day join in the events of a day, what came before each 0267 in their number.
//
// With a limit on the passes (max_passes), a course that is not settled is exact only up to and
// including the last rejection found; Coverage says which verdicts are exact.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sqlite_corpus.h"

namespace agr::bench {

class SqliteSetLbp : public SqliteCorpus {
 public:
  // Which verdicts of the latest evaluation are exact.
  struct Coverage {
    // Per course: 1 when settled (every event, the warnings, totals and due items are exact).
    std::vector<uint8_t> settled;
    // Per course, per event: 1 when the event's verdict (status, fee, rules, warnings) is exact.
    std::vector<std::vector<uint8_t>> events;
  };

  // An in-memory database with the LBP tables; null with *error when `program` is not LBP's.
  static std::unique_ptr<SqliteSetLbp> create(const Program& program, std::string* error);
  ~SqliteSetLbp() override;

  // Evaluates every loaded course from scratch, in passes until every course is settled or
  // `max_passes` (0: no limit) have run; (*verdicts)[k] is course k's verdict. With `coverage`,
  // says which verdicts are exact (without a limit: all).
  bool evaluate_all(std::vector<CourseVerdict>* verdicts, std::string* error, unsigned max_passes = 0,
                    Coverage* coverage = nullptr);

  // The number of courses each pass of the latest evaluation judged (the first: all of them).
  const std::vector<uint64_t>& pass_courses() const { return pass_courses_; }

 private:
  SqliteSetLbp() = default;
  bool read_verdicts(std::vector<CourseVerdict>* verdicts, Coverage* coverage, std::string* error);

  sqlite3_stmt* unflag_ = nullptr;     // forgets the pending courses' findings of the pass before
  sqlite3_stmt* state_ = nullptr;      // S, F, S + 3 months, ..., totals of the pending courses
  sqlite3_stmt* judge_ = nullptr;      // every rule for every event of the pending courses
  sqlite3_stmt* reject_ = nullptr;     // each pending course's first broken event: a rejection
  sqlite3_stmt* settle_ = nullptr;     // courses without a new rejection leave `pending`
  sqlite3_stmt* verdicts_ = nullptr;   // every event's verdict
  sqlite3_stmt* totals_ = nullptr;     // every course's totals
  sqlite3_stmt* due_ = nullptr;        // every course's due items
  std::vector<uint64_t> pass_courses_;
  std::vector<std::vector<uint32_t>> broken_;  // reused: per course, per event, bit i = kRuleIds[i]
};

}  // namespace agr::bench
