// agr_gen_histories: writes synthetic LBP course histories as JSON Lines to stdout.
//
//   agr_gen_histories --courses N [--seed S] [--min-events A] [--max-events B]
//
// A summary (courses, events, bytes) goes to stderr. The output depends only on the arguments.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "history_generator.h"

namespace {

int usage(const char* problem) {
  if (problem) std::fprintf(stderr, "agr_gen_histories: %s\n", problem);
  std::fprintf(stderr,
               "usage: agr_gen_histories --courses N [--seed S (42)] [--min-events A (20)] [--max-events B (40)]\n");
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
  bool has_courses = false;
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    uint64_t value = 0;
    if (i + 1 >= argc) return usage("every option takes a value");
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
    } else {
      return usage("unknown option");
    }
  }
  if (!has_courses) return usage("--courses is required");
  if (options.min_events < 1 || options.max_events < options.min_events || options.max_events > 10000)
    return usage("need 1 <= --min-events <= --max-events <= 10000");

  agr::bench::HistoryGenerator generator(options);
  std::string buffer;
  uint64_t events = 0, bytes = 0;
  for (uint64_t n = 1; n <= courses; ++n) {
    events += generator.append_course(n, &buffer);
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
