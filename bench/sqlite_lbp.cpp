// LBP-1 .. LBP-15 in SQL. See sqlite_lbp.h; the spec is shared/spec/agreements.md.
#include "sqlite_lbp.h"

#include <sqlite3.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "calendar.h"
#include "program.h"

namespace agr::bench {
namespace {

// D + N months with the day clamped to the end of the target month, as an SQL expression over
// the date expression `d` (NULL stays NULL): the same day N months on, counted from the 1st so
// that nothing rolls over, or else the last day of the target month, whichever is earlier.
std::string add_months_sql(const std::string& d, int n) {
  return "min(date(" + d + ", 'start of month', '+" + std::to_string(n) + " months', '+' || (CAST(strftime('%d', " + d +
         ") AS INTEGER) - 1) || ' days'), date(" + d + ", 'start of month', '+" + std::to_string(n + 1) +
         " months', '-1 day'))";
}

const char* const kSchema = R"sql(
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA temp_store = MEMORY;

-- The services LBP governs, with their fees in øre (Bilag 1, 1 October 2024); NULL: no fee here.
CREATE TABLE service (
  code TEXT PRIMARY KEY,
  supplement INTEGER NOT NULL,   -- never counted by per-day rules
  fee_total INTEGER, fee_subsidy INTEGER, fee_patient INTEGER
) WITHOUT ROWID;
INSERT INTO service VALUES
  ('0261', 0, 32712, 12856, 19856), ('0262', 0, 16356, 6428, 9928),
  ('0263', 0, 21810, 8571, 13239),  ('0264', 0, 21810, 8571, 13239),
  ('0265', 0, 32712, 12856, 19856), ('0266', 0, 32712, 12856, 19856),
  ('0267', 0, 49068, 19284, 29784), ('0268', 0, 32712, 12856, 19856),
  ('0269', 0, 32712, 12856, 19856),
  ('0110', 0, NULL, NULL, NULL), ('0111', 0, NULL, NULL, NULL), ('8050', 0, NULL, NULL, NULL),
  ('0113', 0, NULL, NULL, NULL), ('0133', 0, NULL, NULL, NULL),
  ('2001', 1, NULL, NULL, NULL), ('2101', 1, NULL, NULL, NULL),
  ('3301', 1, NULL, NULL, NULL), ('3201', 1, NULL, NULL, NULL);

-- LBP-3: the consultations that may stand on one day, both ways round.
CREATE TABLE allowed (a TEXT, b TEXT, PRIMARY KEY (a, b)) WITHOUT ROWID;
INSERT INTO allowed VALUES
  ('0110', '0262'), ('0261', '0263'), ('0261', '0264'), ('0262', '0263'), ('0262', '0264'),
  ('0263', '0264'), ('0263', '0266'), ('0263', '0113'), ('0264', '0133'), ('0265', '0266'),
  ('0265', '0113'), ('0269', '0265'), ('0269', '0263'), ('0267', '0264');
INSERT INTO allowed SELECT b, a FROM allowed;

CREATE TABLE course (
  course INTEGER PRIMARY KEY,
  referral TEXT,            -- YYYY-MM-DD, NULL when none
  as_of TEXT                -- the evaluation date for due items; NULL: the latest event date
);
CREATE TABLE event (
  course INTEGER, seq INTEGER,   -- seq: position in the input
  date TEXT, code TEXT,
  clinic TEXT,                   -- the event's clinic, else the history's; '' when neither names one
  video INTEGER, other_problem INTEGER,
  service INTEGER,               -- the agreement's service number, only to report the verdict
  PRIMARY KEY (course, date, seq)
) WITHOUT ROWID;
CREATE TABLE accepted (
  course INTEGER, ord INTEGER,   -- ord: position in the evaluation order
  date TEXT, code TEXT, clinic TEXT,
  PRIMARY KEY (course, ord)
) WITHOUT ROWID;
CREATE INDEX accepted_by_code ON accepted (course, code, date);
CREATE INDEX accepted_by_date ON accepted (course, date);
)sql";

// The rules, in the order of the agreement file; the judge query has one column per entry.
constexpr const char* kRuleIds[] = {"LBP-1", "LBP-2", "LBP-3",  "LBP-4",  "LBP-5",  "LBP-6",  "LBP-7",
                                    "LBP-8", "LBP-9", "LBP-10", "LBP-11", "LBP-15", "LBP-12", "LBP-13"};
constexpr int kRejections = 12;  // the first 12 columns reject, the last 2 warn

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
         R"sql( AS R12 FROM st)
SELECT '0267', S, date(S, '+84 days'), NULL, 0 FROM d WHERE S IS NOT NULL AND F IS NULL
UNION ALL
SELECT '0268', F3, CASE WHEN n0268 = 0 THEN F3 ELSE F9 END, R12, R12 < evaluated FROM d
WHERE F IS NOT NULL AND n0268 < 2 AND R IS NOT NULL AND R12 >= F3
)sql";
}

Day parse_day(const unsigned char* text) {
  Day d = 0;
  if (text) parse_iso_date(std::string_view(reinterpret_cast<const char*>(text)), &d);
  return d;
}

}  // namespace

std::unique_ptr<SqliteLbp> SqliteLbp::create(const Program& p, std::string* error) {
  std::unique_ptr<SqliteLbp> s(new SqliteLbp());
  s->program_ = &p;
  if (sqlite3_open(":memory:", &s->db_) != SQLITE_OK) {
    *error = "sqlite3_open failed";
    return nullptr;
  }
  if (!s->exec(kSchema, error)) return nullptr;
  for (const char* id : kRuleIds) {
    auto it = std::find_if(p.rules.begin(), p.rules.end(), [&](const Rule& r) { return r.id == id; });
    if (it == p.rules.end() || p.rules.size() > 32) {
      *error = "agreement " + p.name + " is not LBP's (rule " + id + ")";
      return nullptr;
    }
    s->rule_index_.push_back(static_cast<uint32_t>(it - p.rules.begin()));
  }
  bool have_0267 = false, have_0268 = false;
  for (size_t d = 0; d < p.dues.size(); ++d) {
    const std::string& code = p.services[p.dues[d].service].code;
    if (code == "0267") s->due_0267_ = static_cast<uint32_t>(d), have_0267 = true;
    if (code == "0268") s->due_0268_ = static_cast<uint32_t>(d), have_0268 = true;
  }
  if (!have_0267 || !have_0268) {
    *error = "agreement " + p.name + " does not have LBP-14's due items";
    return nullptr;
  }
  if (!s->prepare("INSERT INTO course VALUES (?1, ?2, ?3)", &s->insert_course_, error) ||
      !s->prepare("INSERT INTO event VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", &s->insert_event_, error) ||
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
  for (sqlite3_stmt* st : {insert_course_, insert_event_, events_, judge_, accept_, totals_, due_}) sqlite3_finalize(st);
  sqlite3_close(db_);
}

bool SqliteLbp::exec(const char* sql, std::string* error) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    *error = std::string("sqlite: ") + (message ? message : "error");
    sqlite3_free(message);
    return false;
  }
  return true;
}

bool SqliteLbp::prepare(const std::string& sql, sqlite3_stmt** out, std::string* error) {
  if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, out, nullptr) != SQLITE_OK) {
    *error = std::string("sqlite: ") + sqlite3_errmsg(db_);
    return false;
  }
  return true;
}

bool SqliteLbp::load(const std::vector<const PreparedHistory*>& histories,
                     const std::vector<std::optional<Day>>& as_of, std::string* error) {
  const Program& p = *program_;
  int video = -1, other_problem = -1;
  for (size_t f = 0; f < p.flags.size(); ++f) {
    if (p.flags[f] == "video") video = static_cast<int>(f);
    if (p.flags[f] == "other_problem") other_problem = static_cast<int>(f);
  }
  if (!exec("BEGIN; DELETE FROM accepted; DELETE FROM event; DELETE FROM course;", error)) return false;
  courses_.clear();
  for (size_t k = 0; k < histories.size(); ++k) {
    const PreparedHistory& h = *histories[k];
    sqlite3_bind_int64(insert_course_, 1, static_cast<int64_t>(k));
    const std::string referral = h.has_referral ? format_date(h.referral) : std::string();
    const std::string evaluated = as_of[k] ? format_date(*as_of[k]) : std::string();
    if (h.has_referral)
      sqlite3_bind_text(insert_course_, 2, referral.c_str(), -1, SQLITE_TRANSIENT);
    else
      sqlite3_bind_null(insert_course_, 2);
    if (as_of[k])
      sqlite3_bind_text(insert_course_, 3, evaluated.c_str(), -1, SQLITE_TRANSIENT);
    else
      sqlite3_bind_null(insert_course_, 3);
    if (sqlite3_step(insert_course_) != SQLITE_DONE) {
      *error = std::string("sqlite: ") + sqlite3_errmsg(db_);
      return false;
    }
    sqlite3_reset(insert_course_);
    for (size_t i = 0; i < h.events.size(); ++i) {
      const PreparedEvent& e = h.events[i];
      const std::string date = format_date(e.date);
      const std::string_view clinic = e.clinic ? h.clinics[e.clinic - 1] : std::string_view();
      sqlite3_bind_int64(insert_event_, 1, static_cast<int64_t>(k));
      sqlite3_bind_int64(insert_event_, 2, static_cast<int64_t>(i));
      sqlite3_bind_text(insert_event_, 3, date.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(insert_event_, 4, e.code.data(), static_cast<int>(e.code.size()), SQLITE_TRANSIENT);
      sqlite3_bind_text(insert_event_, 5, clinic.data() ? clinic.data() : "", static_cast<int>(clinic.size()),
                        SQLITE_TRANSIENT);
      sqlite3_bind_int(insert_event_, 6, video >= 0 && ((e.flags >> video) & 1));
      sqlite3_bind_int(insert_event_, 7, other_problem >= 0 && ((e.flags >> other_problem) & 1));
      sqlite3_bind_int(insert_event_, 8, e.service);
      if (sqlite3_step(insert_event_) != SQLITE_DONE) {
        *error = std::string("sqlite: ") + sqlite3_errmsg(db_);
        return false;
      }
      sqlite3_reset(insert_event_);
    }
    courses_.push_back(static_cast<uint32_t>(h.events.size()));
  }
  return exec("COMMIT; ANALYZE;", error);
}

bool SqliteLbp::evaluate_all(std::vector<CourseVerdict>* verdicts, std::string* error) {
  verdicts->resize(courses_.size());
  if (!exec("BEGIN; DELETE FROM accepted;", error)) return false;
  for (uint32_t k = 0; k < courses_.size(); ++k)
    if (!evaluate_course(k, &(*verdicts)[k], error)) {
      exec("ROLLBACK;", error);
      return false;
    }
  return exec("COMMIT;", error);
}

bool SqliteLbp::evaluate_course(uint32_t course, CourseVerdict* out, std::string* error) {
  const size_t n = courses_[course];
  out->events.assign(n, EventVerdict{});
  out->violations.clear();
  out->warnings.clear();
  out->totals = {};
  out->due.clear();
  out->evaluation_date.reset();
  out->error.clear();
  broken_.assign(n, 0);
  auto sql_error = [&] {
    *error = std::string("sqlite: ") + sqlite3_errmsg(db_);
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
    if (sqlite3_step(judge_) != SQLITE_ROW) return sql_error();
    uint32_t broken = 0;
    for (int r = 0; r < kRejections; ++r)
      if (sqlite3_column_int(judge_, r)) broken |= uint32_t(1) << rule_index_[r];
    const bool w12 = sqlite3_column_int(judge_, kRejections), w13 = sqlite3_column_int(judge_, kRejections + 1);
    sqlite3_reset(judge_);
    if (broken) {
      v.status = EventStatus::Rejected;
      broken_[seq] = broken;
      continue;
    }
    v.status = EventStatus::Accepted;
    v.has_fee = sqlite3_column_int(events_, 9) != 0;
    if (w12) out->warnings.push_back({rule_index_[kRejections], seq});
    if (w13) out->warnings.push_back({rule_index_[kRejections + 1], seq});
    sqlite3_bind_int64(accept_, 1, course);
    sqlite3_bind_int64(accept_, 2, ord++);
    sqlite3_bind_text(accept_, 3, date, -1, SQLITE_STATIC);
    sqlite3_bind_text(accept_, 4, code, -1, SQLITE_STATIC);
    sqlite3_bind_text(accept_, 5, clinic, -1, SQLITE_STATIC);
    if (sqlite3_step(accept_) != SQLITE_DONE) return sql_error();
    sqlite3_reset(accept_);
  }
  sqlite3_reset(events_);
  if (rc != SQLITE_DONE) return sql_error();

  for (uint32_t i = 0; i < n; ++i) {
    uint32_t broken = broken_[i];
    if (!broken) continue;
    out->events[i].first_violation = static_cast<uint32_t>(out->violations.size());
    out->events[i].violation_count = static_cast<uint32_t>(std::popcount(broken));
    for (; broken; broken &= broken - 1) out->violations.push_back(static_cast<uint32_t>(std::countr_zero(broken)));
  }

  sqlite3_bind_int64(totals_, 1, course);
  if (sqlite3_step(totals_) != SQLITE_ROW) return sql_error();
  out->totals = {sqlite3_column_int64(totals_, 0), sqlite3_column_int64(totals_, 1), sqlite3_column_int64(totals_, 2)};
  sqlite3_reset(totals_);

  if (n == 0) return true;
  sqlite3_bind_int64(due_, 1, course);
  while ((rc = sqlite3_step(due_)) == SQLITE_ROW) {
    const bool is_0267 = std::strcmp(reinterpret_cast<const char*>(sqlite3_column_text(due_, 0)), "0267") == 0;
    DueVerdict d{};
    d.due = is_0267 ? due_0267_ : due_0268_;
    d.earliest = parse_day(sqlite3_column_text(due_, 1));
    d.target = parse_day(sqlite3_column_text(due_, 2));
    d.has_latest = sqlite3_column_type(due_, 3) != SQLITE_NULL;
    d.latest = d.has_latest ? parse_day(sqlite3_column_text(due_, 3)) : 0;
    d.overdue = sqlite3_column_int(due_, 4) != 0;
    out->due.push_back(d);
  }
  sqlite3_reset(due_);
  if (rc != SQLITE_DONE) return sql_error();
  std::sort(out->due.begin(), out->due.end(), [](const DueVerdict& a, const DueVerdict& b) { return a.due < b.due; });
  return true;
}

}  // namespace agr::bench
