// The command line's line reader (tools/agr/line_reader.h): lines as they arrive, the end of the
// input told apart from a failed read, and a long line cut.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "../../tools/agr/line_reader.h"

namespace {

std::vector<std::string> all_lines(agr::cli::LineReader& reader) {
  std::vector<std::string> lines;
  std::string_view line;
  while (reader.next(&line)) lines.emplace_back(line);
  return lines;
}

}  // namespace

TEST_CASE("the line reader ends a file with error() 0, and hands out its last unterminated line", "[cli]") {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const std::string text = "one\n\nthree\nfour";
  REQUIRE(write(fds[1], text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  close(fds[1]);
  agr::cli::LineReader reader(fds[0]);
  CHECK(all_lines(reader) == std::vector<std::string>{"one", "", "three", "four"});
  CHECK(reader.error() == 0);
  CHECK(reader.bytes_read() == text.size());
  close(fds[0]);
}

TEST_CASE("a read that fails is an error, not the end of the input", "[cli][regression]") {
  // A folder opens, and its first read fails with EISDIR: the old reader (fread) took that for an
  // empty input and `agr run lbp.agr FOLDER` exited 0 with no output.
  const int folder = open(".", O_RDONLY);
  REQUIRE(folder >= 0);
  agr::cli::LineReader reader(folder);
  CHECK(all_lines(reader).empty());
  CHECK(reader.error() == EISDIR);
  close(folder);

  // A closed descriptor: EBADF.
  agr::cli::LineReader closed(folder);
  CHECK(all_lines(closed).empty());
  CHECK(closed.error() == EBADF);
}

TEST_CASE("the hook runs before every read, and lines already read come out first", "[cli]") {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  REQUIRE(write(fds[1], "a\nb\n", 4) == 4);
  agr::cli::LineReader reader(fds[0]);
  int reads = 0;
  reader.before_read([&] { ++reads; });
  std::string_view line;
  REQUIRE(reader.next(&line));
  CHECK(line == "a");
  CHECK(reads == 1);
  REQUIRE(reader.next(&line));  // already in the buffer: no read, so no wait on the pipe
  CHECK(line == "b");
  CHECK(reads == 1);
  close(fds[1]);
  CHECK_FALSE(reader.next(&line));
  CHECK(reads == 2);
  CHECK(reader.error() == 0);
  close(fds[0]);
}
