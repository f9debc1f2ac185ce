// Inputs for agr_compare's scaling measurements: an agreement with N rules generated as .agr
// text in memory, and course histories over its codes.
#pragma once

#include <string>

#include "history_generator.h"
#include "prepared_corpus.h"

namespace agr::bench {

// N services (codes 10000, 10001, ...), each judged by one rule of its own: at most 3 of that
// service within 30 days, and none before the referral when there is one. The index of the
// runtime should make the cost per event independent of N.
inline std::string rules_agreement_text(int n) {
  std::string text;
  text += "agreement scale" + std::to_string(n) + " \"Generated for agr_compare: " + std::to_string(n) +
          " services, each with a rule of its own\"\n  source \"bench/scaling.h\"\n\n";
  for (int i = 0; i < n; ++i) text += "service " + std::to_string(10000 + i) + " \"Service " + std::to_string(i) + "\"\n";
  text += "\nprice level 2000-01-01\n";
  for (int i = 0; i < n; ++i) text += "  " + std::to_string(10000 + i) + " fee 100.00 subsidy 40.00 patient 60.00\n";
  text += "before first price level no fee\n\n";
  for (int i = 0; i < n; ++i) {
    const std::string code = std::to_string(10000 + i);
    text += "rule SC-" + std::to_string(i + 1) + " for " + code + "\n  require count(" + code +
            " in date - 30 days .. date) < 3\n  require date >= (referral otherwise date)\n"
            "  message \"At most 3 of this service within 30 days, none before the referral.\"\n"
            "  source \"generated\"\n";
  }
  return text;
}

// Courses of min..max events over days 0..120 from a start date, codes drawn from the first
// `codes` of rules_agreement_text's (so every rule gets events whatever N is: with a few codes
// the windows fill up and events are rejected, with many most are accepted).
inline Corpus make_rules_corpus(int codes, uint64_t seed, uint64_t courses, int min_events, int max_events) {
  Corpus corpus;
  Rng rng(seed);
  std::vector<size_t> ends;
  std::vector<Day> dates;
  const Day first = days_from_civil(2025, 9, 1);
  for (uint64_t n = 1; n <= courses; ++n) {
    const Day start = first + static_cast<Day>(rng.between(0, 200));
    const int events = static_cast<int>(rng.between(min_events, max_events));
    dates.clear();
    for (int i = 0; i < events; ++i) dates.push_back(start + static_cast<Day>(rng.between(0, 120)));
    std::sort(dates.begin(), dates.end());
    std::string& out = corpus.text;
    char day[10];
    format_iso_date(start - 3, day);
    out += "{\"id\":\"s-" + std::to_string(n) + "\",\"referral_date\":\"" + std::string(day, 10) +
           "\",\"clinic\":\"K1\",\"events\":[";
    for (int i = 0; i < events; ++i) {
      format_iso_date(dates[i], day);
      if (i) out += ',';
      out += "{\"id\":\"e" + std::to_string(i + 1) + "\",\"date\":\"" + std::string(day, 10) + "\",\"code\":\"" +
             std::to_string(10000 + rng.between(0, codes - 1)) + "\"}";
    }
    out += "]}\n";
    corpus.events += static_cast<uint64_t>(events);
    ends.push_back(out.size() - 1);
  }
  set_lines(&corpus, ends);
  return corpus;
}

}  // namespace agr::bench
