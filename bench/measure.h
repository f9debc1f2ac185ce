// Measuring for agr_bench and agr_compare: wall and thread CPU time of a pass, medians, the load
// average; and the small helpers both use to read their options and print their numbers.
#pragma once

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace agr::bench {

using Clock = std::chrono::steady_clock;

// The thread's CPU time: on a shared machine it leaves out the time the thread waited for a core.
inline double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

// Times passes: wall and CPU seconds of each.
struct Timing {
  std::vector<double> wall, cpu;
  template <typename F>
  void run(F&& pass) {
    const double c0 = thread_cpu_seconds();
    const auto t0 = Clock::now();
    pass();
    const auto t1 = Clock::now();
    cpu.push_back(thread_cpu_seconds() - c0);
    wall.push_back(std::chrono::duration<double>(t1 - t0).count());
  }
};

// The median (of an even count, the mean of the middle two); 0 for none.
inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The first three fields of /proc/loadavg (1, 5 and 15 minutes), or "unknown".
inline std::string load_average() {
  std::FILE* f = std::fopen("/proc/loadavg", "r");
  if (!f) return "unknown";
  char text[64] = {};
  const size_t got = std::fread(text, 1, sizeof text - 1, f);
  std::fclose(f);
  std::string s(text, got);
  size_t end = 0;
  for (int field = 0; field < 3 && end != std::string::npos; ++field) end = s.find(' ', end + (field ? 1 : 0));
  return s.substr(0, end);
}

// 1234567 -> "1,234,567".
inline std::string with_commas(uint64_t v) {
  std::string digits = std::to_string(v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

// A non-negative decimal integer, the whole of `text`.
inline bool parse_u64(const char* text, uint64_t* out) {
  char* end = nullptr;
  if (!*text || *text == '-') return false;
  *out = std::strtoull(text, &end, 10);
  return !*end;
}

}  // namespace agr::bench
