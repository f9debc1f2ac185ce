// agr_parse_only: the floor under `agr run` — simdjson's DOM parser over every line of a JSON
// Lines file, every field of the contract touched (the history's id, referral date and clinic;
// each event's id, date, code, clinic and flags), as a program that only parsed would. It reads
// the file in 1 MiB blocks and parses each line where it lies, as `agr run` does, and prints
// a checksum of what it touched so that nothing is optimised away.
//
//   agr_parse_only FILE
#include <fcntl.h>
#include <simdjson.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

namespace {

uint64_t touch(std::string_view s) { return s.size() + (s.empty() ? 0 : static_cast<unsigned char>(s[0])); }

uint64_t touch_history(simdjson::dom::element doc) {
  uint64_t sum = 0;
  simdjson::dom::object history;
  if (doc.get(history)) return 1;
  for (auto [key, value] : history) {
    std::string_view text;
    if (key == "events") {
      simdjson::dom::array events;
      if (value.get(events)) return sum + 1;
      for (simdjson::dom::element e : events) {
        simdjson::dom::object event;
        if (e.get(event)) return sum + 1;
        for (auto [k, v] : event) {
          if (k == "flags") {
            simdjson::dom::array flags;
            if (!v.get(flags))
              for (simdjson::dom::element f : flags)
                if (!f.get(text)) sum += touch(text);
          } else if (!v.get(text)) {
            sum += touch(text);
          }
        }
      }
    } else if (!value.get(text)) {
      sum += touch(text);
    }
  }
  return sum;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: agr_parse_only FILE\n");
    return 2;
  }
  const int fd = ::open(argv[1], O_RDONLY);
  if (fd < 0) {
    std::perror(argv[1]);
    return 2;
  }
  simdjson::dom::parser parser;
  constexpr size_t kBlock = 1 << 20;
  std::string buffer;
  size_t len = 0;
  uint64_t lines = 0, sum = 0, errors = 0;
  for (bool eof = false; !eof;) {
    buffer.resize(len + kBlock + simdjson::SIMDJSON_PADDING);
    const ssize_t got = ::read(fd, buffer.data() + len, kBlock);
    if (got < 0) {
      std::perror(argv[1]);
      return 2;
    }
    eof = got == 0;
    len += static_cast<size_t>(got);
    size_t pos = 0;
    for (;;) {
      const void* nl = std::memchr(buffer.data() + pos, '\n', len - pos);
      if (!nl && !(eof && pos < len)) break;
      const size_t end = nl ? static_cast<const char*>(nl) - buffer.data() : len;
      simdjson::dom::element doc;
      ++lines;
      if (parser.parse(buffer.data() + pos, end - pos, false).get(doc))
        ++errors;
      else
        sum += touch_history(doc);
      pos = end + 1;
      if (!nl) break;
    }
    if (pos > len) pos = len;
    buffer.erase(0, pos);
    len -= pos;
  }
  std::printf("lines %llu errors %llu checksum %llu\n", static_cast<unsigned long long>(lines),
              static_cast<unsigned long long>(errors), static_cast<unsigned long long>(sum));
  return 0;
}
