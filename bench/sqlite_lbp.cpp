// LBP-1 .. LBP-15 in SQL, one query per event. See sqlite_lbp.h; the spec is shared/spec/agreements.md.
#include "sqlite_lbp.h"

#include <sqlite3.h>

namespace agr::bench {
namespace {

const char* const kSchema = R"sql(
CREATE TABLE accepted (
  course INTEGER, ord INTEGER,   -- ord: position in the evaluation order
  date TEXT, code TEXT, clinic TEXT,
  PRIMARY KEY (course, ord)
) WITHOUT ROWID;
CREATE INDEX accepted_by_code ON accepted (course, code, date);
CREATE INDEX accepted_by_date ON accepted (course, date);
)sql";

// Every rule for one event: ?1 course, ?2 date, ?3 code, ?4 clinic, ?5 video, ?6 other_problem,
// ?7 referral. "Accepted so far" is the `accepted` table of the course.
std::string judge_sql() {
  return R"sql(
WITH so_far AS (
  SELECT min(CASE WHEN code IN ('0261', '0262') THEN date END) AS S,   -- course start
         min(CASE WHEN code = '0267' THEN date END) AS F,              -- course end
         coalesce(sum(code IN ('0263', '0265')), 0) AS education,
         coalesce(sum(code IN ('0264', '0266')), 0) AS training,
         coalesce(sum(code = '0264'), 0) AS n0264,
         coalesce(sum(code = '0267'), 0) AS n0267,
         coalesce(sum(code = '0268'), 0) AS n0268,
         coalesce(sum(code = '0269'), 0) AS n0269
  FROM accepted WHERE course = ?1),
k AS (SELECT so_far.*, )sql" +
         add_months_sql("S", 3) + " AS S3, " + add_months_sql("F", 3) + " AS F3, " + add_months_sql("?7", 12) +
         R"sql( AS R12 FROM so_far)
SELECT
  -- LBP-1: 0262 only on a day that already has an accepted 0110
  ?3 = '0262' AND NOT EXISTS (SELECT 1 FROM accepted a WHERE a.course = ?1 AND a.date = ?2 AND a.code = '0110'),
  -- LBP-2: a further initial only at another clinic than the latest accepted initial's
  ?3 IN ('0261', '0262') AND coalesce((SELECT a.clinic FROM accepted a
                                       WHERE a.course = ?1 AND a.code IN ('0261', '0262')
                                       ORDER BY a.ord DESC LIMIT 1) = ?4, 0),
  -- LBP-3: no accepted consultation today that the event may not stand beside; beside a 0262
  -- accepted today, the day's 0110 counts as that 0262 (for the other codes: a second 0110 is refused)
  (SELECT supplement FROM service WHERE code = ?3) = 0 AND EXISTS (
    SELECT 1 FROM accepted y JOIN service ys ON ys.code = y.code
    WHERE y.course = ?1 AND y.date = ?2 AND ys.supplement = 0
      AND NOT EXISTS (SELECT 1 FROM allowed WHERE a = ?3 AND b = y.code)
      AND NOT (y.code = '0110' AND ?3 <> '0110'
               AND EXISTS (SELECT 1 FROM accepted z WHERE z.course = ?1 AND z.date = ?2 AND z.code = '0262')
               AND EXISTS (SELECT 1 FROM allowed WHERE a = ?3 AND b = '0262'))),
  -- LBP-4: course services but the initial need an accepted initial before them
  ?3 IN ('0263', '0264', '0265', '0266', '0267', '0268', '0269') AND S IS NULL,
  -- LBP-5: education (0263 + 0265) at most twice
  ?3 IN ('0263', '0265') AND education >= 2,
  -- LBP-6: 0266 only within S .. S + 3 months, at most 6 there (not judged without a course)
  ?3 = '0266' AND S IS NOT NULL AND (?2 < S OR ?2 > S3 OR
    (SELECT count(*) FROM accepted a WHERE a.course = ?1 AND a.code = '0266' AND a.date BETWEEN S AND S3) >= 6),
  -- LBP-7: 0267 once, after an initial, an education and a training
  ?3 = '0267' AND (n0267 > 0 OR S IS NULL OR education = 0 OR training = 0),
  -- LBP-8: 0268 after F, from F + 3 months, until R + 12 months, at most twice
  ?3 = '0268' AND (F IS NULL OR ?2 < F3 OR (?7 IS NOT NULL AND ?2 > R12) OR n0268 >= 2),
  -- LBP-9: 0111 / 8050 not while the course is active (S .. F, or S .. S + 3 months before F)
  ?3 IN ('0111', '8050') AND ?6 = 0 AND S IS NOT NULL AND ?2 BETWEEN S AND coalesce(F, S3),
  -- LBP-10: after F, course services other than 0268 are rejected
  ?3 IN ('0261', '0262', '0263', '0264', '0265', '0266', '0267', '0269') AND F IS NOT NULL AND ?2 > F,
  -- LBP-11: only 0263, 0264, 0265, 0266 and 0268 by video
  ?5 = 1 AND ?3 NOT IN ('0263', '0264', '0265', '0266', '0268'),
  -- LBP-15: course services from 2025-09-01
  ?3 IN ('0261', '0262', '0263', '0264', '0265', '0266', '0267', '0268', '0269') AND ?2 < '2025-09-01',
  -- LBP-12 (warning): with group training, 12-16 sessions before the 0267
  ?3 = '0267' AND n0264 >= 1 AND (n0264 < 12 OR n0264 > 16),
  -- LBP-13 (warning): manual therapy outnumbers training
  ?3 = '0267' AND n0269 > training
FROM k
)sql";
}

// LBP-14 for one course (?1), as of its evaluation date.
std::string due_sql() {
  return R"sql(
WITH st AS (
  SELECT min(CASE WHEN a.code IN ('0261', '0262') THEN a.date END) AS S,
         min(CASE WHEN a.code = '0267' THEN a.date END) AS F,
         coalesce(sum(a.code = '0268'), 0) AS n0268,
         (SELECT referral FROM course WHERE course = ?1) AS R,
         (SELECT coalesce(as_of, (SELECT max(date) FROM event WHERE course = ?1)) FROM course WHERE course = ?1) AS evaluated
  FROM accepted a WHERE a.course = ?1),
d AS (SELECT st.*, )sql" +
         add_months_sql("F", 3) + " AS F3, " + add_months_sql("F", 9) + " AS F9, " + add_months_sql("R", 12) +
         " AS R12 FROM st)\n" + due_items_sql("d", "");
}

}  // namespace

std::unique_ptr<SqliteLbp> SqliteLbp::create(const Program& p, std::string* error) {
  std::unique_ptr<SqliteLbp> s(new SqliteLbp());
  if (!s->open(p, kSchema, error) ||
      !s->prepare("SELECT e.seq, e.date, e.code, e.clinic, e.video, e.other_problem, c.referral, e.service, "
                  "       s.code IS NOT NULL, s.fee_total IS NOT NULL "
                  "FROM event e JOIN course c ON c.course = e.course LEFT JOIN service s ON s.code = e.code "
                  "WHERE e.course = ?1 ORDER BY e.date, e.seq",
                  &s->events_, error) ||
      !s->prepare(judge_sql(), &s->judge_, error) ||
      !s->prepare("INSERT INTO accepted VALUES (?1, ?2, ?3, ?4, ?5)", &s->accept_, error) ||
      !s->prepare("SELECT coalesce(sum(s.fee_total), 0), coalesce(sum(s.fee_subsidy), 0), "
                  "       coalesce(sum(s.fee_patient), 0) "
                  "FROM accepted a JOIN service s ON s.code = a.code WHERE a.course = ?1",
                  &s->totals_, error) ||
      !s->prepare(due_sql(), &s->due_, error))
    return nullptr;
  return s;
}

SqliteLbp::~SqliteLbp() {
  for (sqlite3_stmt* st : {events_, judge_, accept_, totals_, due_}) sqlite3_finalize(st);
}

bool SqliteLbp::evaluate_all(std::vector<CourseVerdict>* verdicts, std::string* error) {
  verdicts->resize(courses_.size());
  if (!exec("BEGIN; DELETE FROM accepted;", error)) return false;
  for (uint32_t k = 0; k < courses_.size(); ++k)
    if (!evaluate_course(k, &(*verdicts)[k], error)) {
      std::string ignored;
      exec("ROLLBACK;", &ignored);
      return false;
    }
  return exec("COMMIT;", error);
}

bool SqliteLbp::evaluate_course(uint32_t course, CourseVerdict* out, std::string* error) {
  const size_t n = courses_[course];
  clear(course, out);
  broken_.assign(n, 0);
  auto fail = [&] {
    sql_error(error);
    sqlite3_reset(events_);
    sqlite3_reset(judge_);
    return false;
  };

  // The course's events in evaluation order; each judged against `accepted` so far.
  sqlite3_bind_int64(events_, 1, course);
  int64_t ord = 0;
  int rc;
  while ((rc = sqlite3_step(events_)) == SQLITE_ROW) {
    const uint32_t seq = static_cast<uint32_t>(sqlite3_column_int64(events_, 0));
    EventVerdict& v = out->events[seq];
    v.service = sqlite3_column_int(events_, 7);
    if (!sqlite3_column_int(events_, 8)) {
      v.status = EventStatus::NotGoverned;
      continue;
    }
    // The cursor's row stays put while the judge and the insert run: bind its text in place.
    const char* date = reinterpret_cast<const char*>(sqlite3_column_text(events_, 1));
    const char* code = reinterpret_cast<const char*>(sqlite3_column_text(events_, 2));
    const char* clinic = reinterpret_cast<const char*>(sqlite3_column_text(events_, 3));
    sqlite3_bind_int64(judge_, 1, course);
    sqlite3_bind_text(judge_, 2, date, -1, SQLITE_STATIC);
    sqlite3_bind_text(judge_, 3, code, -1, SQLITE_STATIC);
    sqlite3_bind_text(judge_, 4, clinic, -1, SQLITE_STATIC);
    sqlite3_bind_int(judge_, 5, sqlite3_column_int(events_, 4));
    sqlite3_bind_int(judge_, 6, sqlite3_column_int(events_, 5));
    if (sqlite3_column_type(events_, 6) == SQLITE_NULL)
      sqlite3_bind_null(judge_, 7);
    else
      sqlite3_bind_text(judge_, 7, reinterpret_cast<const char*>(sqlite3_column_text(events_, 6)), -1, SQLITE_STATIC);
    if (sqlite3_step(judge_) != SQLITE_ROW) return fail();
    uint32_t broken = 0;
    for (int r = 0; r < kRejections; ++r)
      if (sqlite3_column_int(judge_, r)) broken |= uint32_t(1) << r;
    const bool w12 = sqlite3_column_int(judge_, kRejections), w13 = sqlite3_column_int(judge_, kRejections + 1);
    sqlite3_reset(judge_);
    if (broken) {
      v.status = EventStatus::Rejected;
      broken_[seq] = broken;
      continue;
    }
    v.status = EventStatus::Accepted;
    v.has_fee = sqlite3_column_int(events_, 9) != 0;
    if (w12) out->warnings.push_back(warning(0, seq));
    if (w13) out->warnings.push_back(warning(1, seq));
    sqlite3_bind_int64(accept_, 1, course);
    sqlite3_bind_int64(accept_, 2, ord++);
    sqlite3_bind_text(accept_, 3, date, -1, SQLITE_STATIC);
    sqlite3_bind_text(accept_, 4, code, -1, SQLITE_STATIC);
    sqlite3_bind_text(accept_, 5, clinic, -1, SQLITE_STATIC);
    if (sqlite3_step(accept_) != SQLITE_DONE) return fail();
    sqlite3_reset(accept_);
  }
  sqlite3_reset(events_);
  if (rc != SQLITE_DONE) return fail();
  set_violations(broken_, out);

  sqlite3_bind_int64(totals_, 1, course);
  if (sqlite3_step(totals_) != SQLITE_ROW) return fail();
  out->totals = {sqlite3_column_int64(totals_, 0), sqlite3_column_int64(totals_, 1), sqlite3_column_int64(totals_, 2)};
  sqlite3_reset(totals_);

  if (n == 0) return true;
  sqlite3_bind_int64(due_, 1, course);
  while ((rc = sqlite3_step(due_)) == SQLITE_ROW) add_due(due_, 0, out);
  sqlite3_reset(due_);
  return rc == SQLITE_DONE || fail();
}

}  // namespace agr::bench
