// agr_gen_histories: writes synthetic LBP course histories as JSON Lines to stdout.
//
//   agr_gen_histories --courses N [--seed S] [--min-events A] [--max-events B]
//   agr_gen_histories --courses N --shape long|one-day|new-clinic|reversed --events E
//
// The first form writes realistic LBP courses (history_generator.h). The second writes courses of
// exactly E events of one adversarial shape, in time linear in E, for the scaling rows of bench/:
//   long        one event a day, in date order (the baseline of the shapes)
//   one-day     every event on one day (same-day checks, counts of today)
//   new-clinic  one event a day, each at a clinic of its own (clinic interning, clinic of last)
//   reversed    one event a day, written latest first (the evaluation order is then a sort)
// A summary (courses, events, bytes) goes to stderr. The output depends only on the arguments.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "history_generator.h"

namespace {

enum class Shape { Long, OneDay, NewClinic, Reversed };

// One course of `events` events of `shape`, LBP codes in a fixed cycle that exercises the rules
// (initials, education, training, supplements; some are rejected, which is part of the load).
void append_shaped_course(uint64_t n, Shape shape, int events, std::string* out) {
  static const char* const kCycle[] = {"0264", "2001", "0113", "3201", "0264", "0263", "0266", "2001"};
  const agr::Day start = agr::days_from_civil(2025, 9, 1) + static_cast<agr::Day>(n % 200);
  char day[10];
  agr::format_iso_date(start - 3, day);
  *out += "{\"id\":\"x-" + std::to_string(n) + "\",\"referral_date\":\"" + std::string(day, 10) +
          "\",\"clinic\":\"K1\",\"events\":[";
  for (int k = 0; k < events; ++k) {
    const int i = shape == Shape::Reversed ? events - 1 - k : k;  // the event's place in date order
    const agr::Day date = shape == Shape::OneDay ? start : start + (i > 0 ? i - 1 : 0);  // 0110 + 0262 on day one
    const char* code = i == 0 ? "0110" : i == 1 ? "0262" : kCycle[i % 8];
    if (shape == Shape::NewClinic && i % 4 == 2) code = "0261";  // a takeover: LBP-2 reads the clinic of the last
    agr::format_iso_date(date, day);
    if (k) *out += ',';
    *out += "{\"id\":\"e" + std::to_string(i + 1) + "\",\"date\":\"" + std::string(day, 10) + "\",\"code\":\"" + code + "\"";
    if (shape == Shape::NewClinic) *out += ",\"clinic\":\"K" + std::to_string(i + 2) + "\"";
    *out += '}';
  }
  *out += "]}\n";
}

int usage(const char* problem) {
  if (problem) std::fprintf(stderr, "agr_gen_histories: %s\n", problem);
  std::fprintf(stderr,
               "usage: agr_gen_histories --courses N [--seed S (42)] [--min-events A (20)] [--max-events B (40)]\n"
               "       agr_gen_histories --courses N --shape long|one-day|new-clinic|reversed --events E\n");
  return 2;
}

bool parse_u64(const char* text, uint64_t* out) {
  char* end = nullptr;
  if (!*text || *text == '-') return false;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (*end) return false;
  *out = v;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  agr::bench::GeneratorOptions options;
  uint64_t courses = 0;
  bool has_courses = false, has_shape = false;
  Shape shape = Shape::Long;
  int shaped_events = 0;
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    uint64_t value = 0;
    if (i + 1 >= argc) return usage("every option takes a value");
    if (!std::strcmp(arg, "--shape")) {
      const std::string name = argv[++i];
      if (name == "long") shape = Shape::Long;
      else if (name == "one-day") shape = Shape::OneDay;
      else if (name == "new-clinic") shape = Shape::NewClinic;
      else if (name == "reversed") shape = Shape::Reversed;
      else return usage("--shape takes long, one-day, new-clinic or reversed");
      has_shape = true;
      continue;
    }
    if (!parse_u64(argv[++i], &value)) return usage("option values are non-negative integers");
    if (!std::strcmp(arg, "--courses")) {
      courses = value;
      has_courses = true;
    } else if (!std::strcmp(arg, "--seed")) {
      options.seed = value;
    } else if (!std::strcmp(arg, "--min-events")) {
      options.min_events = static_cast<int>(value);
    } else if (!std::strcmp(arg, "--max-events")) {
      options.max_events = static_cast<int>(value);
    } else if (!std::strcmp(arg, "--events")) {
      shaped_events = static_cast<int>(value);
    } else {
      return usage("unknown option");
    }
  }
  if (!has_courses) return usage("--courses is required");
  if (options.min_events < 1 || options.max_events < options.min_events || options.max_events > 10000)
    return usage("need 1 <= --min-events <= --max-events <= 10000");

  if (has_shape && (shaped_events < 1 || shaped_events > 10000)) return usage("--shape needs 1 <= --events <= 10000");

  agr::bench::HistoryGenerator generator(options);
  std::string buffer;
  uint64_t events = 0, bytes = 0;
  for (uint64_t n = 1; n <= courses; ++n) {
    if (has_shape) {
      append_shaped_course(n, shape, shaped_events, &buffer);
      events += static_cast<uint64_t>(shaped_events);
    } else {
      events += generator.append_course(n, &buffer);
    }
    if (buffer.size() >= (1 << 20) || n == courses) {
      bytes += buffer.size();
      if (std::fwrite(buffer.data(), 1, buffer.size(), stdout) != buffer.size()) {
        std::fprintf(stderr, "agr_gen_histories: write error\n");
        return 1;
      }
      buffer.clear();
    }
  }
  if (std::fflush(stdout) != 0) return 1;
  std::fprintf(stderr, "courses %llu events %llu bytes %llu\n", static_cast<unsigned long long>(courses),
               static_cast<unsigned long long>(events), static_cast<unsigned long long>(bytes));
  return 0;
}
