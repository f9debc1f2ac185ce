// The JIT's disk cache (disk_cache.h): the folder's checks, and entries read and written with
// their hashes, through file descriptors that never follow a symbolic link.
#include "disk_cache.h"

#include <fcntl.h>
#include <llvm/ADT/ArrayRef.h>
#include <llvm/Support/SHA256.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace agr::jit {
namespace {

constexpr char kMagic[8] = {'A', 'G', 'R', 'J', 'I', 'T', '0', '1'};

std::string errno_text(int error) { return std::strerror(error); }

void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

uint64_t get_u64(std::string_view in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t(static_cast<uint8_t>(in[i])) << (8 * i);
  return v;
}

// The checks on an open folder: ours, a folder, not writable by anyone else.
bool trusted_folder(int fd, std::string* why) {
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    *why = "cannot stat it: " + errno_text(errno);
    return false;
  }
  if (!S_ISDIR(st.st_mode)) {
    *why = "it is not a folder";
    return false;
  }
  if (st.st_uid != ::geteuid()) {
    *why = "it belongs to user " + std::to_string(st.st_uid) + ", not to this user (" +
           std::to_string(::geteuid()) + ")";
    return false;
  }
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    *why = std::string("it is writable by ") + ((st.st_mode & S_IWOTH) ? "others" : "its group") + " (mode " +
           mode + ")";
    return false;
  }
  return true;
}

// mkdir -p with mode 0700 for every folder it makes.
bool make_folders(const std::string& path, std::string* why) {
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    const std::string part = path.substr(0, slash);
    if (!part.empty() && ::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
      *why = "cannot create " + part + ": " + errno_text(errno);
      return false;
    }
    if (slash == std::string::npos) return true;
  }
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string hex_bytes(const uint8_t* bytes, size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += digits[bytes[i] >> 4];
    s += digits[bytes[i] & 15];
  }
  return s;
}

std::string random_suffix() {
  uint8_t bytes[12];
  size_t got = 0;
  while (got < sizeof bytes) {
    const ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  // Without randomness the name is still unique enough for O_EXCL to retry on (pid, address).
  if (got < sizeof bytes) {
    const uint64_t fallback = (uint64_t(::getpid()) << 32) ^ reinterpret_cast<uintptr_t>(&got);
    std::memcpy(bytes, &fallback, sizeof fallback);
  }
  return hex_bytes(bytes, sizeof bytes);
}

}  // namespace

Digest sha256(std::string_view bytes) {
  return llvm::SHA256::hash(llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

std::string hex(const Digest& digest) { return hex_bytes(digest.data(), digest.size()); }

std::unique_ptr<DiskCache> DiskCache::open(const std::string& folder, std::string* why) {
  if (folder.empty() || folder[0] != '/') {
    *why = "it is not an absolute path";
    return nullptr;
  }
  const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  int fd = ::open(folder.c_str(), flags);
  bool created = false;
  if (fd < 0 && errno == ENOENT) {
    if (!make_folders(folder, why)) return nullptr;
    fd = ::open(folder.c_str(), flags);
    created = true;
  }
  if (fd < 0) {
    *why = errno == ELOOP ? "it is a symbolic link" : errno == ENOTDIR ? "it is not a folder" : errno_text(errno);
    return nullptr;
  }
  if (created) ::fchmod(fd, 0700);  // whatever the umask
  if (!trusted_folder(fd, why)) {
    ::close(fd);
    return nullptr;
  }
  return std::unique_ptr<DiskCache>(new DiskCache(folder, fd));
}

DiskCache::~DiskCache() { ::close(fd_); }

std::optional<std::string> DiskCache::read(const Digest& key, std::string* why) const {
  why->clear();
  const std::string name = entry_name(key);
  // O_NONBLOCK: a FIFO in the entry's place must not hang the open (it is refused below).
  const int fd = ::openat(fd_, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) *why = errno == ELOOP ? "it is a symbolic link" : "cannot open it: " + errno_text(errno);
    return std::nullopt;
  }
  std::string bytes;
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    *why = "it is not a regular file";
  } else if (st.st_uid != ::geteuid()) {
    *why = "it belongs to another user";
  } else if (static_cast<uint64_t>(st.st_size) < kEntryHeaderBytes ||
             static_cast<uint64_t>(st.st_size) > kEntryHeaderBytes + kMaxEntryBytes) {
    *why = "it has " + std::to_string(st.st_size) + " bytes, too few or too many for an entry";
  } else {
    bytes.resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (got < bytes.size()) {
      const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    if (got != bytes.size()) *why = "it could not be read whole";
  }
  ::close(fd);
  if (!why->empty()) return std::nullopt;

  const std::string_view all(bytes);
  if (all.substr(0, 8) != std::string_view(kMagic, 8)) {
    *why = "it is not an agr JIT cache entry";
  } else if (all.substr(8, 32) != std::string_view(reinterpret_cast<const char*>(key.data()), key.size())) {
    *why = "it was compiled from other bytecode or options";
  } else if (get_u64(all.substr(72, 8)) != all.size() - kEntryHeaderBytes) {
    *why = "its size does not match its header (truncated?)";
  } else {
    const Digest object = sha256(all.substr(kEntryHeaderBytes));
    if (all.substr(40, 32) != std::string_view(reinterpret_cast<const char*>(object.data()), object.size()))
      *why = "its object does not match the hash recorded when it was written";
  }
  if (!why->empty()) return std::nullopt;
  return bytes.substr(kEntryHeaderBytes);
}

bool DiskCache::write(const Digest& key, std::string_view object, std::string* why) const {
  std::string entry(kMagic, sizeof kMagic);
  entry.append(reinterpret_cast<const char*>(key.data()), key.size());
  const Digest object_hash = sha256(object);
  entry.append(reinterpret_cast<const char*>(object_hash.data()), object_hash.size());
  put_u64(entry, object.size());
  entry.append(object);

  const std::string name = entry_name(key);
  std::string temporary;
  int fd = -1;
  for (int attempt = 0; attempt < 16 && fd < 0; ++attempt) {
    temporary = "." + name + "." + random_suffix() + ".tmp";
    fd = ::openat(fd_, temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    *why = "cannot create a temporary file in " + folder_ + ": " + errno_text(errno);
    return false;
  }
  const bool written = write_all(fd, entry);
  const bool closed = ::close(fd) == 0;
  if (!written || !closed) {
    *why = "cannot write " + folder_ + "/" + temporary + ": " + errno_text(errno);
    ::unlinkat(fd_, temporary.c_str(), 0);
    return false;
  }
  // rename replaces whatever has the entry's name, a symbolic link included, without following it.
  if (::renameat(fd_, temporary.c_str(), fd_, name.c_str()) != 0) {
    *why = "cannot rename " + temporary + " to " + name + " in " + folder_ + ": " + errno_text(errno);
    ::unlinkat(fd_, temporary.c_str(), 0);
    return false;
  }
  return true;
}

void DiskCache::discard(const Digest& key) const { ::unlinkat(fd_, entry_name(key).c_str(), 0); }

}  // namespace agr::jit
