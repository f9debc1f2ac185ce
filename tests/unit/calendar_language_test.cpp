// The calendar as authors speak of it (docs/language.md, "The calendar"): working days and days of
// the week, the calendar week, month and year that hold a date, and whole years since a date.
#include <catch2/catch.hpp>

#include "agr/agr.h"
#include "bundled.h"
#include "course_queries.h"
#include "driver.h"

namespace {

agr::Day day(const char* text) {
  agr::Day d = 0;
  REQUIRE(agr::parse_date(text, &d));
  return d;
}

// The statuses of one history's events ("accepted rejected ...") under a one-rule agreement.
std::string statuses(const std::string& rule, const std::vector<const char*>& dates) {
  agr::SourceFile file{"c.agr", "agreement c \"Calendar\"\nservice 0301 \"x\"\n" + rule + "  message \"m\" source \"s\"\n"};
  agr::Evaluator evaluator(agr::testing::compiled_agreement(file));
  agr::HistoryInput h;
  h.id = "c";
  for (size_t i = 0; i < dates.size(); ++i) h.events.push_back({"e" + std::to_string(i), dates[i], "0301", {}, {}});
  agr::CourseVerdict v;
  REQUIRE(evaluator.evaluate(h, std::nullopt, &v));
  std::string out;
  for (const auto& e : v.events) out += std::string(out.empty() ? "" : " ") + (e.status == agr::EventStatus::Accepted ? "A" : "R");
  return out;
}

}  // namespace

TEST_CASE("the calendar week runs Monday to Sunday, across the turn of the year", "[calendar][language]") {
  // ISO week 1 of 2026 starts on Monday 2025-12-29.
  CHECK(agr::period_bound(day("2026-01-01"), 0, false) == day("2025-12-29"));
  CHECK(agr::period_bound(day("2026-01-01"), 0, true) == day("2026-01-04"));
  CHECK(agr::period_bound(day("2025-12-28"), 0, false) == day("2025-12-22"));
  CHECK(agr::period_bound(day("2025-12-29"), 0, false) == day("2025-12-29"));  // a Monday is its own
  CHECK(agr::period_bound(day("2024-02-10"), 1, false) == day("2024-02-01"));
  CHECK(agr::period_bound(day("2024-02-10"), 1, true) == day("2024-02-29"));
  CHECK(agr::period_bound(day("2025-02-10"), 1, true) == day("2025-02-28"));
  CHECK(agr::period_bound(day("2025-07-14"), 2, false) == day("2025-01-01"));
  CHECK(agr::period_bound(day("2025-07-14"), 2, true) == day("2025-12-31"));
  // The week of 9999-12-31 (a Friday) ends outside the calendar; 0001-01-01 is a Monday.
  CHECK(agr::period_bound(agr::kLastDay, 0, true) == agr::kAbsent);
  CHECK(agr::period_bound(agr::kFirstDay, 0, false) == agr::kFirstDay);

  const std::string per_week = "rule C-1 for 0301\n  require count(0301 in calendar week of date) < 2\n";
  //                               Mon          Sun          Mon (next)   Wed          Thu
  CHECK(statuses(per_week, {"2025-12-29", "2026-01-04", "2026-01-05", "2026-01-07", "2026-01-08"}) == "A A A A R");
  const std::string per_month = "rule C-1 for 0301\n  require count(0301 in calendar month of date) = 0\n";
  CHECK(statuses(per_month, {"2025-01-31", "2025-02-01", "2025-02-28", "2025-03-01"}) == "A A R A");
  const std::string per_year = "rule C-1 for 0301\n  require count(0301 in calendar year of date) < 2\n";
  CHECK(statuses(per_year, {"2025-01-01", "2025-12-31", "2025-12-31", "2026-01-01"}) == "A A R A");
}

TEST_CASE("working days and days of the week follow the Danish calendar", "[calendar][language]") {
  // Easter 2025: skærtorsdag 17 April, langfredag 18, 2. påskedag 21; grundlovsdag 5 June is a
  // working day; juleaftensdag too.
  const std::string working = "rule C-1 for 0301\n  require date is a working day\n";
  CHECK(statuses(working, {"2025-04-16", "2025-04-17", "2025-04-18", "2025-04-19", "2025-04-21", "2025-04-22",
                           "2025-06-05", "2025-12-24", "2025-12-25", "2025-12-26"}) == "A R R R R A A A R R");
  const std::string not_working = "rule C-1 for 0301\n  require date is not a working day\n";
  CHECK(statuses(not_working, {"2025-04-17", "2025-04-22"}) == "A R");
  const std::string weekdays = "rule C-1 for 0301\n  require date is monday .. friday\n";
  // Monday 2. påskedag is a weekday, though not a working day.
  CHECK(statuses(weekdays, {"2025-04-18", "2025-04-19", "2025-04-20", "2025-04-21"}) == "A R R A");
  const std::string wrapping = "rule C-1 for 0301\n  require date is friday .. monday\n";
  CHECK(statuses(wrapping, {"2025-04-17", "2025-04-18", "2025-04-19", "2025-04-20", "2025-04-21", "2025-04-22"}) ==
        "R A A A A R");
  const std::string listed = "rule C-1 for 0301\n  reject if date is saturday, sunday\n";
  CHECK(statuses(listed, {"2025-04-18", "2025-04-19", "2025-04-20", "2025-04-21"}) == "A R R A");
}

TEST_CASE("years since a date turn on the anniversary, 29 February on 28 February", "[calendar][language]") {
  CHECK(agr::years_between(day("2008-02-29"), day("2024-02-28")) == 15);
  CHECK(agr::years_between(day("2008-02-29"), day("2024-02-29")) == 16);
  CHECK(agr::years_between(day("2008-02-29"), day("2025-02-27")) == 16);
  CHECK(agr::years_between(day("2008-02-29"), day("2025-02-28")) == 17);
  CHECK(agr::years_between(day("2008-03-01"), day("2025-02-28")) == 16);
  CHECK(agr::years_between(day("2025-06-01"), day("2025-01-01")) == -1);
  CHECK(agr::years_between(day("2025-06-01"), day("2025-06-01")) == 0);
  const std::string sixteen = "rule C-1 for 0301\n  require years since 2008-02-29 >= 16\n";
  CHECK(statuses(sixteen, {"2024-02-28", "2024-02-29", "2024-03-01"}) == "R A A");
  const std::string seventeen = "rule C-1 for 0301\n  require years since 2008-02-29 >= 17\n";
  CHECK(statuses(seventeen, {"2025-02-27", "2025-02-28"}) == "R A");
}

TEST_CASE("misspelt days of the week and calendar windows where a target is needed are refused", "[calendar][language]") {
  auto diagnostics = [](const std::string& body) {
    agr::SourceFile file{"c.agr", "agreement c \"Calendar\"\nservice 0301 \"x\"\n" + body};
    agr::Diagnostics diags;
    agr::compile(file, diags);
    return diags.render(file);
  };
  const std::string day_typo = diagnostics("rule C-1 for 0301\n  require date is monday .. firday\n  message \"m\" source \"s\"\n");
  CHECK(day_typo.find("c.agr:4:29: error: 'firday' is not a day of the week") != std::string::npos);
  CHECK(day_typo.find("did you mean 'friday'?") != std::string::npos);
  const std::string due = diagnostics("due C-2 0301\n  window calendar week of date\n");
  CHECK(due.find("a due window needs a target") != std::string::npos);
  const std::string not_date = diagnostics("rule C-1 for 0301\n  require years since 3 > 1\n  message \"m\" source \"s\"\n");
  CHECK(not_date.find("`years since` needs a date, but this is a count") != std::string::npos);
}
