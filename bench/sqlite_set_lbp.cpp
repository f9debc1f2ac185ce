// LBP-1 .. LBP-15 as set-based SQL, in passes. See sqlite_set_lbp.h; the spec is
// shared/spec/agreements.md.
#include "sqlite_set_lbp.h"

#include <sqlite3.h>

#include <string>

namespace agr::bench {
namespace {

const char* const kSchema = R"sql(
-- The courses the next pass judges: every course at first, then those where a pass found a
-- rejection.
CREATE TABLE pending (course INTEGER PRIMARY KEY);
-- The rejections found so far. Every other governed event counts as accepted for the events
-- after it.
CREATE TABLE rejected (
  course INTEGER, seq INTEGER,
  date TEXT,
  broken INTEGER NOT NULL,       -- bit i: the i-th rule of the judge's list
  pass INTEGER NOT NULL,         -- the pass that found it
  PRIMARY KEY (course, seq)
) WITHOUT ROWID;
-- Per course, as of the latest pass that judged it: the first accepted initial (S) and 0267 (F)
-- and the dates measured from them and from the referral; the accepted 0268; the fees; the
-- evaluation date.
CREATE TABLE state (
  course INTEGER PRIMARY KEY,
  S TEXT, F TEXT, S3 TEXT, F3 TEXT, F9 TEXT, R TEXT, R12 TEXT,
  n0268 INTEGER, total INTEGER, subsidy INTEGER, patient INTEGER,
  evaluated TEXT
);
-- The latest pass's findings per course: the events it judges broken (the first of them is a
-- rejection) and the warnings of the events it accepts.
CREATE TABLE flagged (
  course INTEGER, seq INTEGER, date TEXT,
  broken INTEGER, warn12 INTEGER, warn13 INTEGER,
  PRIMARY KEY (course, seq)
) WITHOUT ROWID;

-- The events of the pending courses; `counted`: governed and not (yet) found rejected, so taken
-- as accepted by the rules of the events after it. (CROSS JOIN: SQLite then reads `pending`
-- first, so that a pass over a few courses reads only their events.)
CREATE VIEW live AS
SELECT e.course, e.seq, e.date, e.code, e.clinic, e.video, e.other_problem,
       s.supplement, s.initial, s.education, s.training, s.course_service, s.by_video,
       s.fee_total, s.fee_subsidy, s.fee_patient,
       s.code IS NOT NULL AND r.seq IS NULL AS counted
FROM pending p
CROSS JOIN event e ON e.course = p.course
LEFT JOIN service s ON s.code = e.code
LEFT JOIN rejected r ON r.course = e.course AND r.seq = e.seq;
)sql";

// A pass, first: the course state of every pending course.
std::string state_sql() {
  return R"sql(
INSERT OR REPLACE INTO state
WITH a AS (
  SELECT course,
         min(date) FILTER (WHERE counted AND initial) AS S,
         min(date) FILTER (WHERE counted AND code = '0267') AS F,
         count(*) FILTER (WHERE counted AND code = '0268') AS n0268,
         coalesce(sum(fee_total) FILTER (WHERE counted), 0) AS total,
         coalesce(sum(fee_subsidy) FILTER (WHERE counted), 0) AS subsidy,
         coalesce(sum(fee_patient) FILTER (WHERE counted), 0) AS patient,
         max(date) AS last
  FROM live GROUP BY course)
SELECT a.course, a.S, a.F, )sql" +
         add_months_sql("a.S", 3) + ", " + add_months_sql("a.F", 3) + ", " + add_months_sql("a.F", 9) +
         ", c.referral, " + add_months_sql("c.referral", 12) + R"sql(,
       a.n0268, a.total, a.subsidy, a.patient, coalesce(c.as_of, a.last)
FROM a JOIN course c ON c.course = a.course
)sql";
}

// Then every rule for every counted event of the pending courses, counting only counted events
// before it; the rows that break a rule or get a warning go into `flagged`.
const char* const kJudge = R"sql(
INSERT INTO flagged
WITH
-- Each consultation against the consultations counted earlier on its day. LBP-3: a pair not in
-- `allowed` is refused; beside a 0262 counted that day, the day's 0110 counts as that 0262 (an
-- alias: it never lets a code stand beside itself, so not for a second 0110). LBP-1 needs the
-- day's 0110; an initial or a 0267 earlier the same day starts or ends the course before it.
day AS (
  SELECT x.course, x.seq,
         max(p.a IS NULL AND NOT (y.code = '0110' AND x.code <> '0110' AND q.a IS NOT NULL)) AS refused,
         max(p.a IS NULL AND y.code = '0110' AND x.code <> '0110' AND q.a IS NOT NULL) AS beside_0110,
         max(y.code = '0262') AS with_0262,
         max(y.code = '0110') AS with_0110,
         max(y.initial) AS with_initial,
         max(y.code = '0267') AS with_0267
  FROM live x
  JOIN live y ON y.course = x.course AND y.date = x.date AND y.seq < x.seq
  LEFT JOIN allowed p ON p.a = x.code AND p.b = y.code
  LEFT JOIN allowed q ON q.a = x.code AND q.b = '0262'
  WHERE x.counted AND x.supplement = 0 AND y.counted AND y.supplement = 0
  GROUP BY x.course, x.seq),
-- The limits: how many of its kind were counted before an initial (and the latest one's clinic,
-- LBP-2), an education (LBP-5), a 0266 within S .. S + 3 months (LBP-6), a 0268 (LBP-8).
ranked AS (
  SELECT course, seq,
         count(*) OVER kind AS before,
         lag(clinic) OVER kind AS previous_clinic
  FROM (SELECT l.course, l.seq, l.date, l.clinic,
               CASE WHEN l.initial THEN 'initial' WHEN l.education THEN 'education' ELSE l.code END AS kind
        FROM live l JOIN state st ON st.course = l.course
        WHERE l.counted AND (l.initial OR l.education OR l.code = '0268'
                             OR (l.code = '0266' AND l.date BETWEEN st.S AND st.S3)))
  WINDOW kind AS (PARTITION BY course, kind ORDER BY date, seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)),
-- What each 0267 had before it (LBP-7, LBP-12, LBP-13).
final AS (
  SELECT x.course, x.seq,
         count(*) FILTER (WHERE y.initial) AS initials,
         count(*) FILTER (WHERE y.education) AS education,
         count(*) FILTER (WHERE y.training) AS training,
         count(*) FILTER (WHERE y.code = '0264') AS n0264,
         count(*) FILTER (WHERE y.code = '0267') AS n0267,
         count(*) FILTER (WHERE y.code = '0269') AS n0269
  FROM live x
  JOIN live y ON y.course = x.course AND (y.date, y.seq) < (x.date, x.seq)
  WHERE x.counted AND x.code = '0267' AND y.counted
  GROUP BY x.course, x.seq),
-- Each counted event with the course as it stood before it: started once an initial was counted
-- on an earlier day or earlier the same day (S is the first one's date), ended likewise by a 0267.
e AS (
  SELECT l.course, l.seq, l.date, l.code, l.video, l.other_problem, l.course_service, l.initial, l.education,
         l.by_video, st.S, st.F, st.S3, st.F3, st.R12,
         coalesce(st.S < l.date OR (st.S = l.date AND d.with_initial), 0) AS started,
         coalesce(st.F < l.date OR (st.F = l.date AND d.with_0267), 0) AS ended,
         coalesce(d.refused OR (d.beside_0110 AND NOT d.with_0262), 0) AS refused,
         coalesce(d.with_0110, 0) AS with_0110,
         coalesce(r.before, 0) AS before, r.previous_clinic, l.clinic
  FROM live l
  JOIN state st ON st.course = l.course
  LEFT JOIN day d ON d.course = l.course AND d.seq = l.seq
  LEFT JOIN ranked r ON r.course = l.course AND r.seq = l.seq
  WHERE l.counted),
-- The rules, bit i for the i-th of LBP-1 .. LBP-11, LBP-15 (in SQLite, << and | bind alike and from
-- the left: each term in brackets; and no term may be NULL, which would make `broken` NULL).
v AS (
  SELECT e.course, e.seq, e.date,
    -- LBP-1: 0262 only on a day that already has an accepted 0110
      (e.code = '0262' AND NOT with_0110)
    -- LBP-2: a further initial only at another clinic than the latest accepted initial's
    | ((e.initial AND coalesce(previous_clinic = e.clinic, 0)) << 1)
    -- LBP-3: a consultation the day already has and it may not stand beside
    | (refused << 2)
    -- LBP-4: course services but the initial need an accepted initial before them
    | ((e.course_service AND NOT e.initial AND NOT started) << 3)
    -- LBP-5: education (0263 + 0265) at most twice
    | ((e.education AND before >= 2) << 4)
    -- LBP-6: 0266 only within S .. S + 3 months, at most 6 there (not judged without a course)
    | ((e.code = '0266' AND started AND (e.date < S OR e.date > S3 OR before >= 6)) << 5)
    -- LBP-7: 0267 once, after an initial, an education and a training
    | ((e.code = '0267' AND (coalesce(f.n0267, 0) > 0 OR coalesce(f.initials, 0) = 0
                             OR coalesce(f.education, 0) = 0 OR coalesce(f.training, 0) = 0)) << 6)
    -- LBP-8: 0268 after F, from F + 3 months, until R + 12 months, at most twice
    | ((e.code = '0268' AND (NOT ended OR e.date < F3 OR coalesce(e.date > R12, 0) OR before >= 2)) << 7)
    -- LBP-9: 0111 / 8050 not while the course is active (S .. F, or S .. S + 3 months before F)
    | ((e.code IN ('0111', '8050') AND e.other_problem = 0 AND started
        AND e.date BETWEEN S AND CASE WHEN ended THEN F ELSE S3 END) << 8)
    -- LBP-10: after F, course services other than 0268 are rejected
    | ((e.course_service AND e.code <> '0268' AND ended AND e.date > F) << 9)
    -- LBP-11: only 0263, 0264, 0265, 0266 and 0268 by video
    | ((e.video AND NOT e.by_video) << 10)
    -- LBP-15: course services from 2025-09-01
    | ((e.course_service AND e.date < '2025-09-01') << 11)
      AS broken,
    -- LBP-12 (warning): with group training, 12-16 sessions before the 0267
    e.code = '0267' AND f.n0264 >= 1 AND (f.n0264 < 12 OR f.n0264 > 16) AS warn12,
    -- LBP-13 (warning): manual therapy outnumbers training
    e.code = '0267' AND f.n0269 > f.training AS warn13
  FROM e LEFT JOIN final f ON f.course = e.course AND f.seq = e.seq)
SELECT course, seq, date, broken, warn12, warn13 FROM v WHERE broken <> 0 OR warn12 OR warn13
)sql";

// Then the first broken event of each pending course (?1: the pass) is a rejection.
const char* const kReject = R"sql(
INSERT INTO rejected
SELECT course, seq, date, broken, ?1 FROM (
  SELECT f.course, f.seq, f.date, f.broken, row_number() OVER (PARTITION BY f.course ORDER BY f.date, f.seq) AS k
  FROM pending p JOIN flagged f ON f.course = p.course
  WHERE f.broken <> 0)
WHERE k = 1
)sql";

// And a course without a rejection in this pass (?1) is settled.
const char* const kSettle = "DELETE FROM pending WHERE course NOT IN (SELECT course FROM rejected WHERE pass = ?1)";

// The verdicts: every event; rejected when found so, else accepted when governed. A course still
// pending after the last pass (?1) is not settled, and exact up to its latest rejection only.
const char* const kVerdicts = R"sql(
SELECT e.course, e.seq, e.service, s.code IS NOT NULL, s.fee_total IS NOT NULL, r.broken,
       f.broken = 0 AND f.warn12, f.broken = 0 AND f.warn13,
       p.course IS NULL AS settled, p.course IS NULL OR (e.date, e.seq) <= (latest.date, latest.seq) AS exact
FROM event e
LEFT JOIN service s ON s.code = e.code
LEFT JOIN rejected r ON r.course = e.course AND r.seq = e.seq
LEFT JOIN flagged f ON f.course = e.course AND f.seq = e.seq
LEFT JOIN pending p ON p.course = e.course
LEFT JOIN rejected latest ON latest.course = p.course AND latest.pass = ?1
)sql";

}  // namespace

std::unique_ptr<SqliteSetLbp> SqliteSetLbp::create(const Program& p, std::string* error) {
  std::unique_ptr<SqliteSetLbp> s(new SqliteSetLbp());
  if (!s->open(p, kSchema, error) ||
      !s->prepare("DELETE FROM flagged WHERE course IN (SELECT course FROM pending)", &s->unflag_, error) ||
      !s->prepare(state_sql(), &s->state_, error) ||
      !s->prepare(kJudge, &s->judge_, error) || !s->prepare(kReject, &s->reject_, error) ||
      !s->prepare(kSettle, &s->settle_, error) || !s->prepare(kVerdicts, &s->verdicts_, error) ||
      !s->prepare("SELECT course, total, subsidy, patient FROM state", &s->totals_, error) ||
      !s->prepare(due_items_sql("state", "course, "), &s->due_, error))
    return nullptr;
  return s;
}

SqliteSetLbp::~SqliteSetLbp() {
  for (sqlite3_stmt* st : {unflag_, state_, judge_, reject_, settle_, verdicts_, totals_, due_}) sqlite3_finalize(st);
}

bool SqliteSetLbp::evaluate_all(std::vector<CourseVerdict>* verdicts, std::string* error, unsigned max_passes,
                                Coverage* coverage) {
  pass_courses_.clear();
  if (!exec("BEGIN; DELETE FROM rejected; DELETE FROM flagged; DELETE FROM state; DELETE FROM pending;"
            "INSERT INTO pending SELECT course FROM course;",
            error))
    return false;
  auto run = [&](sqlite3_stmt* st, unsigned pass) {
    if (pass) sqlite3_bind_int(st, 1, static_cast<int>(pass));
    const bool done = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_reset(st);
    return done || sql_error(error);
  };
  uint64_t pending = courses_.size();
  unsigned pass = 0;
  bool ok = true;
  while (ok && pending && (!max_passes || pass < max_passes)) {
    pass_courses_.push_back(pending);
    ++pass;
    ok = run(unflag_, 0) && run(state_, 0) && run(judge_, 0) && run(reject_, pass);
    pending = static_cast<uint64_t>(sqlite3_changes(db_));  // one rejection per course that has one
    ok = ok && run(settle_, pass);
  }
  if (ok) {
    sqlite3_bind_int(verdicts_, 1, static_cast<int>(pass));
    ok = read_verdicts(verdicts, coverage, error);
  }
  if (ok) return exec("COMMIT;", error);
  std::string ignored;
  exec("ROLLBACK;", &ignored);
  return false;
}

bool SqliteSetLbp::read_verdicts(std::vector<CourseVerdict>* verdicts, Coverage* coverage, std::string* error) {
  const size_t n = courses_.size();
  verdicts->resize(n);
  broken_.resize(n);
  for (uint32_t k = 0; k < n; ++k) {
    clear(k, &(*verdicts)[k]);
    broken_[k].assign(courses_[k], 0);
  }
  if (coverage) {
    coverage->settled.assign(n, 1);
    coverage->events.resize(n);
    for (uint32_t k = 0; k < n; ++k) coverage->events[k].assign(courses_[k], 0);
  }
  int rc;
  while ((rc = sqlite3_step(verdicts_)) == SQLITE_ROW) {
    const auto k = static_cast<uint32_t>(sqlite3_column_int64(verdicts_, 0));
    const auto seq = static_cast<uint32_t>(sqlite3_column_int64(verdicts_, 1));
    CourseVerdict& out = (*verdicts)[k];
    EventVerdict& v = out.events[seq];
    v.service = sqlite3_column_int(verdicts_, 2);
    if (coverage) {
      coverage->settled[k] = static_cast<uint8_t>(sqlite3_column_int(verdicts_, 8));
      coverage->events[k][seq] = static_cast<uint8_t>(sqlite3_column_int(verdicts_, 9));
    }
    if (!sqlite3_column_int(verdicts_, 3)) {
      v.status = EventStatus::NotGoverned;
    } else if (sqlite3_column_type(verdicts_, 5) != SQLITE_NULL) {
      v.status = EventStatus::Rejected;
      const int64_t broken = sqlite3_column_int64(verdicts_, 5);
      if (broken <= 0 || broken >= int64_t(1) << kRejections) {
        sqlite3_reset(verdicts_);
        *error = "set-based SQL: course " + std::to_string(k) + " event " + std::to_string(seq) +
                 ": broken rules " + std::to_string(broken) + " are not a set of the judge's rules";
        return false;
      }
      broken_[k][seq] = static_cast<uint32_t>(broken);
    } else {
      v.status = EventStatus::Accepted;
      v.has_fee = sqlite3_column_int(verdicts_, 4) != 0;
      if (sqlite3_column_int(verdicts_, 6)) out.warnings.push_back(warning(0, seq));
      if (sqlite3_column_int(verdicts_, 7)) out.warnings.push_back(warning(1, seq));
    }
  }
  sqlite3_reset(verdicts_);
  if (rc != SQLITE_DONE) return sql_error(error);
  for (uint32_t k = 0; k < n; ++k) set_violations(broken_[k], &(*verdicts)[k]);

  while ((rc = sqlite3_step(totals_)) == SQLITE_ROW)
    (*verdicts)[sqlite3_column_int64(totals_, 0)].totals = {
        sqlite3_column_int64(totals_, 1), sqlite3_column_int64(totals_, 2), sqlite3_column_int64(totals_, 3)};
  sqlite3_reset(totals_);
  if (rc != SQLITE_DONE) return sql_error(error);
  while ((rc = sqlite3_step(due_)) == SQLITE_ROW) add_due(due_, 1, &(*verdicts)[sqlite3_column_int64(due_, 0)]);
  sqlite3_reset(due_);
  return rc == SQLITE_DONE || sql_error(error);
}

}  // namespace agr::bench
