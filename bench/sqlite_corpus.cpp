// The LBP corpus in SQLite tables. See sqlite_corpus.h; the spec is shared/spec/agreements.md.
#include "sqlite_corpus.h"

#include <sqlite3.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "calendar.h"
#include "program.h"

namespace agr::bench {
namespace {

const char* const kSchema = R"sql(
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA temp_store = MEMORY;

-- The services LBP governs, their groups, and their fees in øre (Bilag 1, 1 October 2024; NULL: no
-- fee here).
CREATE TABLE service (
  code TEXT PRIMARY KEY,
  supplement INTEGER NOT NULL,       -- never counted by per-day rules
  initial INTEGER NOT NULL,          -- 0261, 0262
  education INTEGER NOT NULL,        -- 0263, 0265
  training INTEGER NOT NULL,         -- 0264, 0266
  course_service INTEGER NOT NULL,   -- 0261 .. 0269
  by_video INTEGER NOT NULL,         -- may be given by video: 0263 .. 0266, 0268
  fee_total INTEGER, fee_subsidy INTEGER, fee_patient INTEGER
) WITHOUT ROWID;
INSERT INTO service VALUES
  ('0261', 0, 1, 0, 0, 1, 0, 32712, 12856, 19856), ('0262', 0, 1, 0, 0, 1, 0, 16356, 6428, 9928),
  ('0263', 0, 0, 1, 0, 1, 1, 21810, 8571, 13239), ('0264', 0, 0, 0, 1, 1, 1, 21810, 8571, 13239),
  ('0265', 0, 0, 1, 0, 1, 1, 32712, 12856, 19856), ('0266', 0, 0, 0, 1, 1, 1, 32712, 12856, 19856),
  ('0267', 0, 0, 0, 0, 1, 0, 49068, 19284, 29784), ('0268', 0, 0, 0, 0, 1, 1, 32712, 12856, 19856),
  ('0269', 0, 0, 0, 0, 1, 0, 32712, 12856, 19856),
  ('0110', 0, 0, 0, 0, 0, 0, NULL, NULL, NULL), ('0111', 0, 0, 0, 0, 0, 0, NULL, NULL, NULL),
  ('8050', 0, 0, 0, 0, 0, 0, NULL, NULL, NULL), ('0113', 0, 0, 0, 0, 0, 0, NULL, NULL, NULL),
  ('0133', 0, 0, 0, 0, 0, 0, NULL, NULL, NULL),
  ('2001', 1, 0, 0, 0, 0, 0, NULL, NULL, NULL), ('2101', 1, 0, 0, 0, 0, 0, NULL, NULL, NULL),
  ('3301', 1, 0, 0, 0, 0, 0, NULL, NULL, NULL), ('3201', 1, 0, 0, 0, 0, 0, NULL, NULL, NULL);

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
)sql";

Day parse_day(const unsigned char* text) {
  Day d = 0;
  if (text) parse_iso_date(std::string_view(reinterpret_cast<const char*>(text)), &d);
  return d;
}

}  // namespace

std::string add_months_sql(const std::string& d, int n) {
  return "min(date(" + d + ", 'start of month', '+" + std::to_string(n) + " months', '+' || (CAST(strftime('%d', " + d +
         ") AS INTEGER) - 1) || ' days'), date(" + d + ", 'start of month', '+" + std::to_string(n + 1) +
         " months', '-1 day'))";
}

std::string due_items_sql(const std::string& relation, const std::string& columns) {
  return "SELECT " + columns + "'0267', S, date(S, '+84 days'), NULL, 0 FROM " + relation +
         " WHERE S IS NOT NULL AND F IS NULL\n"
         "UNION ALL\n"
         "SELECT " + columns + "'0268', F3, CASE WHEN n0268 = 0 THEN F3 ELSE F9 END, R12, R12 < evaluated FROM " +
         relation + " WHERE F IS NOT NULL AND n0268 < 2 AND R IS NOT NULL AND R12 >= F3\n";
}

SqliteCorpus::~SqliteCorpus() {
  sqlite3_finalize(insert_course_);
  sqlite3_finalize(insert_event_);
  sqlite3_close(db_);
}

bool SqliteCorpus::open(const Program& p, const char* schema, std::string* error) {
  program_ = &p;
  if (p.rules.size() > 32) {
    *error = "agreement " + p.name + " is not LBP's (more than 32 rules)";
    return false;
  }
  for (const char* id : kRuleIds) {
    auto it = std::find_if(p.rules.begin(), p.rules.end(), [&](const Rule& r) { return r.id == id; });
    if (it == p.rules.end()) {
      *error = "agreement " + p.name + " is not LBP's (rule " + id + ")";
      return false;
    }
    rule_index_.push_back(static_cast<uint32_t>(it - p.rules.begin()));
  }
  bool have_0267 = false, have_0268 = false;
  for (size_t d = 0; d < p.dues.size(); ++d) {
    const std::string& code = p.services[p.dues[d].service].code;
    if (code == "0267") due_0267_ = static_cast<uint32_t>(d), have_0267 = true;
    if (code == "0268") due_0268_ = static_cast<uint32_t>(d), have_0268 = true;
  }
  if (!have_0267 || !have_0268) {
    *error = "agreement " + p.name + " does not have LBP-14's due items";
    return false;
  }
  if (sqlite3_open(":memory:", &db_) != SQLITE_OK) {
    *error = "sqlite3_open failed";
    return false;
  }
  return exec(kSchema, error) && exec(schema, error) &&
         prepare("INSERT INTO course VALUES (?1, ?2, ?3)", &insert_course_, error) &&
         prepare("INSERT INTO event VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", &insert_event_, error);
}

bool SqliteCorpus::exec(const char* sql, std::string* error) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    *error = std::string("sqlite: ") + (message ? message : "error");
    sqlite3_free(message);
    return false;
  }
  return true;
}

bool SqliteCorpus::prepare(const std::string& sql, sqlite3_stmt** out, std::string* error) {
  if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, out, nullptr) != SQLITE_OK) {
    *error = std::string("sqlite: ") + sqlite3_errmsg(db_);
    return false;
  }
  return true;
}

bool SqliteCorpus::sql_error(std::string* error) {
  *error = std::string("sqlite: ") + sqlite3_errmsg(db_);
  return false;
}

bool SqliteCorpus::load(const std::vector<const PreparedHistory*>& histories,
                        const std::vector<std::optional<Day>>& as_of, std::string* error) {
  const Program& p = *program_;
  int video = -1, other_problem = -1;
  for (size_t f = 0; f < p.flags.size(); ++f) {
    if (p.flags[f] == "video") video = static_cast<int>(f);
    if (p.flags[f] == "other_problem") other_problem = static_cast<int>(f);
  }
  if (!exec("BEGIN; DELETE FROM event; DELETE FROM course;", error)) return false;
  courses_.clear();
  auto step = [&](sqlite3_stmt* st) {
    const bool done = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_reset(st);
    return done || sql_error(error);
  };
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
    if (!step(insert_course_)) return false;
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
      if (!step(insert_event_)) return false;
    }
    courses_.push_back(static_cast<uint32_t>(h.events.size()));
  }
  return exec("COMMIT; ANALYZE;", error);
}

void SqliteCorpus::clear(uint32_t course, CourseVerdict* out) const {
  out->reset(courses_[course]);
}

void SqliteCorpus::set_violations(const std::vector<uint32_t>& broken, CourseVerdict* out) const {
  for (size_t i = 0; i < broken.size(); ++i) {
    uint32_t bits = broken[i];
    if (!bits) continue;
    EventVerdict& v = out->events[i];
    v.first_violation = static_cast<uint32_t>(out->violations.size());
    v.violation_count = static_cast<uint32_t>(std::popcount(bits));
    for (; bits; bits &= bits - 1) out->violations.push_back(rule_index_[std::countr_zero(bits)]);
  }
}

void SqliteCorpus::add_due(sqlite3_stmt* row, int first, CourseVerdict* out) const {
  DueVerdict d{};
  d.due = std::strcmp(reinterpret_cast<const char*>(sqlite3_column_text(row, first)), "0267") == 0 ? due_0267_
                                                                                                   : due_0268_;
  d.earliest = parse_day(sqlite3_column_text(row, first + 1));
  d.target = parse_day(sqlite3_column_text(row, first + 2));
  d.has_latest = sqlite3_column_type(row, first + 3) != SQLITE_NULL;
  d.latest = d.has_latest ? parse_day(sqlite3_column_text(row, first + 3)) : 0;
  d.overdue = sqlite3_column_int(row, first + 4) != 0;
  out->due.push_back(d);
  std::sort(out->due.begin(), out->due.end(), [](const DueVerdict& a, const DueVerdict& b) { return a.due < b.due; });
}

}  // namespace agr::bench
