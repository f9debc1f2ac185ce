// The JIT's disk cache: compiled objects kept across processes, one file (an entry) per
// agreement, options and host. Native code runs inside agr with all its rights, so nothing is
// loaded that this process did not write for exactly this bytecode:
//
// - An entry is bound to what it was compiled from and to its own bytes: its header holds the
//   SHA-256 of the key material (the bytecode, the options, the host, the code signature) and of
//   the object, recorded when it is written and checked when it is read. Another agreement's
//   entry, a hand-made object, a flipped bit or a truncated file does not match and is discarded.
// - The folder is the user's alone: created 0700; one that is not owned by the user, or is
//   writable by group or others, or is a symbolic link, is refused (the JIT then compiles in
//   memory). It is opened once and every later step is relative to that descriptor, so it cannot
//   be swapped for another after the check.
// - Nothing follows a symbolic link: entries are opened with O_NOFOLLOW; writes go to a new
//   temporary file (O_CREAT | O_EXCL, a random name, mode 0600) that is then renamed over the
//   entry, so a reader sees a whole entry or none.
//
// The hashes detect substitution and damage, not a forger who can write into the folder (who
// could compute them too): the folder's ownership and mode are what keep others out. A process
// of the same user is trusted as agr itself is (it could change agr as well).
//
// Entry layout (little-endian): "AGRJIT01", SHA-256 of the key material (32 bytes), SHA-256 of
// the object (32), the object's size (u64), the object.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace agr::jit {

using Digest = std::array<uint8_t, 32>;

Digest sha256(std::string_view bytes);
std::string hex(const Digest& digest);

inline constexpr size_t kEntryHeaderBytes = 8 + 32 + 32 + 8;
// A larger entry is not read (no agreement within the limits compiles to this much code).
inline constexpr uint64_t kMaxEntryBytes = uint64_t(1) << 30;

class DiskCache {
 public:
  // Opens the folder, creating it (and missing parents) with mode 0700. Null with the reason when
  // it cannot be created or opened, is a symbolic link, is not a folder, is not owned by this
  // user, or is writable by group or others.
  static std::unique_ptr<DiskCache> open(const std::string& folder, std::string* why);
  ~DiskCache();
  DiskCache(const DiskCache&) = delete;
  DiskCache& operator=(const DiskCache&) = delete;

  const std::string& folder() const { return folder_; }
  std::string entry_name(const Digest& key) const { return hex(key) + ".agrjit"; }

  // The object of the entry for `key`. Nothing, with *why empty, when there is no entry; nothing,
  // with the reason in *why, when there is one that does not match (the caller discards it).
  std::optional<std::string> read(const Digest& key, std::string* why) const;

  // Writes the entry for `key` (replacing any); false with the reason.
  bool write(const Digest& key, std::string_view object, std::string* why) const;

  // Removes the entry for `key` (a symbolic link in its place is removed, never followed).
  void discard(const Digest& key) const;

 private:
  DiskCache(std::string folder, int fd) : folder_(std::move(folder)), fd_(fd) {}
  std::string folder_;
  int fd_;
};

}  // namespace agr::jit
