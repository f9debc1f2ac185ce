// Synthetic, realistic LBP course histories (shared/spec/agreements.md, "LBP"), one JSON line
// each, for the benchmarks. Deterministic across platforms and standard libraries: the only
// source of randomness is std::mt19937_64 (whose output sequence the standard fixes), and every
// distribution is written out here (std::uniform_int_distribution & co. are implementation
// defined). Course n of a seed is the same whatever the number of courses asked for.
//
// A course, relative to its start S (the day of the first initial):
//   referral 0-14 days before the first event;
//   start: 55% 0110 + 0262 the same day, 30% 0261, 15% 0110 first and 0261 2-7 days later;
//   education 0263 (or 0265) once or twice in the first three weeks;
//   training: 78% 12-16 group 0264 over ~10 weeks (a few by video), 17% 4-6 individual 0266
//   with supervised self-training 0113 between, 5% a mix of 0264 and 0269 manual therapy;
//   occasional supplements 2001 (beside a consultation, at most one a day), 3201 (phone and
//   digital contact) and supervised self-training 0113 on days without a consultation;
//   0267 at ~12 weeks for 88% of courses, then 0-2 0268 at ~3 and ~9 months after it;
//   a few percent deliberate errors (second initial at the same clinic, a third education, a
//   0111 during the course, a video 0261, an unknown code 9999), some takeovers by a second
//   clinic, some 0111 treating another problem, and 1% of courses with two events of one day
//   in the input the other way round (so 0262 before its 0110: LBP-1).
// Filler supplements bring each course to a target size drawn from [min_events, max_events].
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "calendar.h"

namespace agr::bench {

// Deterministic distributions over std::mt19937_64.
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  uint64_t next() { return engine_(); }
  // Uniform in [lo, hi] (Lemire's multiply-shift; the bias is below 2^-40 for these ranges).
  int64_t between(int64_t lo, int64_t hi) {
    const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    return lo + static_cast<int64_t>((static_cast<unsigned __int128>(next()) * span) >> 64);
  }
  // True with probability per_mille / 1000.
  bool chance(int per_mille) { return between(0, 999) < per_mille; }

 private:
  std::mt19937_64 engine_;
};

struct GenEvent {
  Day date;
  uint32_t order;  // input order among events of one date (insertion order)
  const char* code;
  std::string clinic;  // empty: the history's clinic
  const char* flag = nullptr;
};

struct GeneratorOptions {
  uint64_t seed = 42;
  int min_events = 20;
  int max_events = 40;
};

class HistoryGenerator {
 public:
  explicit HistoryGenerator(const GeneratorOptions& options) : options_(options), rng_(options.seed) {}

  // Appends course number `n` (1-based; the caller counts) as one JSON line with its newline.
  // Returns the number of events written.
  size_t append_course(uint64_t n, std::string* out) {
    events_.clear();
    next_order_ = 0;
    const Day kFirst = days_from_civil(2025, 9, 1);
    const Day first_day = kFirst + static_cast<Day>(rng_.between(0, 240));
    const Day referral = first_day - static_cast<Day>(rng_.between(0, 14));
    const std::string clinic = "K" + std::to_string(rng_.between(1, 60));

    // Start of the course.
    Day S;
    const int start_kind = static_cast<int>(rng_.between(0, 99));
    if (start_kind < 55) {
      S = first_day;
      add(S, "0110");
      add(S, "0262");
    } else if (start_kind < 85) {
      S = first_day;
      add(S, "0261", {}, rng_.chance(30) ? "video" : nullptr);  // error: an initial by video
    } else {
      add(first_day, "0110");
      S = first_day + static_cast<Day>(rng_.between(2, 7));
      add(S, "0261");
    }

    // Education: once or twice in the first three weeks (on the first day beside the initial,
    // or a few days later).
    const bool individual_education = rng_.chance(150);
    const char* education = individual_education ? "0265" : "0263";
    const int educations = rng_.chance(600) ? 2 : 1;
    // 0263 may stand beside the initial (LBP-3); 0265 may not.
    Day edu_day = !individual_education && rng_.chance(400) ? S : free_day(S + static_cast<Day>(rng_.between(2, 6)));
    for (int i = 0; i < educations; ++i) {
      add(edu_day, education);
      edu_day = free_day(edu_day + static_cast<Day>(rng_.between(6, 14)));
    }
    if (rng_.chance(15)) add(free_day(edu_day + 3), "0263");  // error: a third education

    // Training over ~10 weeks from the end of the first week.
    const int training_kind = static_cast<int>(rng_.between(0, 99));
    const Day train_from = S + 7, train_to = S + 70;
    if (training_kind < 78) {
      spread(train_from, train_to, static_cast<int>(rng_.between(12, 16)), "0264", 60);
    } else if (training_kind < 95) {
      spread(train_from, S + 60, static_cast<int>(rng_.between(4, 6)), "0266", 30);
      spread(train_from + 3, train_to, static_cast<int>(rng_.between(6, 10)), "0113", 0);
    } else {
      spread(train_from, train_to, static_cast<int>(rng_.between(6, 10)), "0264", 0);
      spread(train_from + 2, train_to, static_cast<int>(rng_.between(2, 5)), "0269", 0);
    }

    // A takeover by another clinic (a second initial there, and the rest of the course with it).
    std::string taken_over_by;
    if (rng_.chance(20)) {
      taken_over_by = "K" + std::to_string(rng_.between(61, 99));
      add(S + static_cast<Day>(rng_.between(30, 45)), "0261", taken_over_by);
    }
    if (rng_.chance(20)) add(S + static_cast<Day>(rng_.between(15, 40)), "0261");  // error: same clinic
    if (rng_.chance(20)) add(S + static_cast<Day>(rng_.between(10, 60)), "0111");  // error: during the course
    if (rng_.chance(20)) add(free_day(S + static_cast<Day>(rng_.between(10, 60))), "0111", {}, "other_problem");
    if (rng_.chance(15)) add(S + static_cast<Day>(rng_.between(0, 80)), "9999");  // not governed

    // The final consultation at ~12 weeks, and follow-ups at ~3 and ~9 months after it.
    if (rng_.chance(880)) {
      const Day F = free_day(S + 84 + static_cast<Day>(rng_.between(-7, 10)));
      add(F, "0267");
      const int followups = static_cast<int>(rng_.between(0, 2));
      Day d;
      if (followups >= 1 && add_months(F, 3, &d)) add(d + static_cast<Day>(rng_.between(0, 14)), "0268");
      // Mostly booked inside the referral's 12 months (LBP-8), now and then a little late.
      Day limit;
      if (followups >= 2 && add_months(F, 9, &d) && add_months(referral, 12, &limit)) {
        d += static_cast<Day>(rng_.between(-30, 0));
        if (d > limit) d = limit - static_cast<Day>(rng_.between(0, 7));
        if (rng_.chance(50)) d = limit + static_cast<Day>(rng_.between(1, 10));
        add(std::max(d, F + 200), "0268");
      }
    }

    // Supplements up to the target size: distance supplements beside a consultation, phone and
    // digital contacts, supervised self-training.
    const size_t target = static_cast<size_t>(rng_.between(options_.min_events, options_.max_events));
    const Day last_core = last_date();
    while (events_.size() < target) {
      const int kind = static_cast<int>(rng_.between(0, 9));
      const size_t beside = static_cast<size_t>(rng_.between(0, int64_t(events_.size()) - 1));
      if (kind < 3 && !is_supplement(events_[beside].code) && !has(events_[beside].date, "2001")) {
        const Day date = events_[beside].date;
        std::string beside_clinic = events_[beside].clinic;
        add(date, "2001", std::move(beside_clinic));
      } else if (kind < 6) {
        add(S + static_cast<Day>(rng_.between(0, last_core - S)), "3201");
      } else {
        add(free_day(S + static_cast<Day>(rng_.between(8, 80))), "0113");
      }
    }

    // Date order, and on one date the order of insertion; then clinic takeover from its day on.
    std::sort(events_.begin(), events_.end(), [](const GenEvent& a, const GenEvent& b) {
      return a.date != b.date ? a.date < b.date : a.order < b.order;
    });
    if (events_.size() > static_cast<size_t>(options_.max_events)) events_.resize(options_.max_events);
    if (!taken_over_by.empty()) {
      Day takeover = 0;
      for (const GenEvent& e : events_)
        if (e.clinic == taken_over_by) takeover = e.date;
      for (GenEvent& e : events_)
        if (e.date > takeover && e.clinic.empty()) e.clinic = taken_over_by;
    }
    // Occasionally two events of one day in the input the other way round.
    if (rng_.chance(10))
      for (size_t i = 1; i < events_.size(); ++i)
        if (events_[i].date == events_[i - 1].date) {
          std::swap(events_[i], events_[i - 1]);
          break;
        }

    write(n, referral, clinic, out);
    return events_.size();
  }

 private:
  void add(Day date, const char* code, std::string clinic = {}, const char* flag = nullptr) {
    events_.push_back({date, next_order_++, code, std::move(clinic), flag});
  }

  static bool is_supplement(const char* code) {
    return code[0] == '2' || code[0] == '3';  // 2001, 2101, 3201, 3301
  }

  bool has(Day d, std::string_view code) const {
    for (const GenEvent& e : events_)
      if (e.date == d && code == e.code) return true;
    return false;
  }

  // The first day from `d` on with no consultation yet (so that planned sessions do not clash
  // under LBP-3; clashes come only from the deliberate errors).
  Day free_day(Day d) const {
    for (;; ++d) {
      bool taken = false;
      for (const GenEvent& e : events_) taken |= e.date == d && !is_supplement(e.code);
      if (!taken) return d;
    }
  }

  // `count` sessions of `code` spread over [from, to] on distinct free days; `video_per_mille`
  // of them by video.
  void spread(Day from, Day to, int count, const char* code, int video_per_mille) {
    const Day span = to - from;
    Day previous = from - 1;
    for (int i = 0; i < count; ++i) {
      Day d = from + static_cast<Day>(int64_t(span) * i / count) + static_cast<Day>(rng_.between(0, 2));
      d = free_day(std::max(d, previous + 1));
      previous = d;
      add(d, code, {}, video_per_mille && rng_.chance(video_per_mille) ? "video" : nullptr);
    }
  }

  Day last_date() const {
    Day last = events_.front().date;
    for (const GenEvent& e : events_) last = std::max(last, e.date);
    return last;
  }

  static void append_date(std::string* out, Day day) {
    char text[10];
    format_iso_date(day, text);
    out->push_back('"');
    out->append(text, 10);
    out->push_back('"');
  }

  void write(uint64_t n, Day referral, const std::string& clinic, std::string* out) const {
    out->append("{\"id\":\"c-");
    out->append(std::to_string(n));
    out->append("\",\"referral_date\":");
    append_date(out, referral);
    out->append(",\"clinic\":\"");
    out->append(clinic);
    out->append("\",\"events\":[");
    for (size_t i = 0; i < events_.size(); ++i) {
      const GenEvent& e = events_[i];
      if (i) out->push_back(',');
      out->append("{\"id\":\"e");
      out->append(std::to_string(i + 1));
      out->append("\",\"date\":");
      append_date(out, e.date);
      out->append(",\"code\":\"");
      out->append(e.code);
      out->push_back('"');
      if (!e.clinic.empty()) {
        out->append(",\"clinic\":\"");
        out->append(e.clinic);
        out->push_back('"');
      }
      if (e.flag) {
        out->append(",\"flags\":[\"");
        out->append(e.flag);
        out->append("\"]");
      }
      out->push_back('}');
    }
    out->append("]}\n");
  }

  GeneratorOptions options_;
  Rng rng_;
  std::vector<GenEvent> events_;
  uint32_t next_order_ = 0;
};

}  // namespace agr::bench
