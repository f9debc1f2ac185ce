// A hash index over strings the caller keeps in its own array: service codes and flags (built
// at load), clinics and event ids (per history). Lookups cost one hash and, on a hit, one
// comparison, whatever the number of strings, so that no history can make reading quadratic.
// The hash is seeded once per process, so that the collisions of one run cannot be planned.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <string_view>
#include <vector>

namespace agr {

// Drawn once per process.
inline uint64_t string_hash_seed() {
  static const uint64_t seed = [] {
    std::random_device device;
    return static_cast<uint64_t>(device()) << 32 ^ device();
  }();
  return seed;
}

inline uint64_t hash_mix(uint64_t a, uint64_t b) {
  const __uint128_t r = static_cast<__uint128_t>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

// A fast hash for short strings (the multiply-and-fold of wyhash), reading only the string's bytes.
inline uint64_t hash_string(std::string_view s, uint64_t seed) {
  const char* p = s.data();
  size_t n = s.size();
  uint64_t h = seed ^ (static_cast<uint64_t>(n) * 0x9E3779B97F4A7C15ull);
  for (; n > 8; n -= 8, p += 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = hash_mix(h ^ w, 0xA0761D6478BD642Full);
  }
  uint64_t w = 0;
  if (n >= 4) {
    uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    w = static_cast<uint64_t>(a) << 32 | b;
  } else if (n > 0) {
    const auto byte = [&](size_t i) { return static_cast<uint64_t>(static_cast<unsigned char>(p[i])); };
    w = byte(0) << 16 | byte(n >> 1) << 8 | byte(n - 1);
  }
  return hash_mix(h ^ w, 0xE7037ED1A0B428DBull);
}

// a == b, inline: the strings of an index are mostly short (codes, flags, ids), where a call to
// memcmp costs more than the comparison. Reads only the strings' own bytes.
inline bool same_string(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char *p = a.data(), *q = b.data();
  if (n > 16) return std::memcmp(p, q, n) == 0;
  const auto load8 = [](const char* s) { uint64_t w; std::memcpy(&w, s, 8); return w; };
  const auto load4 = [](const char* s) { uint32_t w; std::memcpy(&w, s, 4); return w; };
  if (n >= 8) return ((load8(p) ^ load8(q)) | (load8(p + n - 8) ^ load8(q + n - 8))) == 0;
  if (n >= 4) return ((load4(p) ^ load4(q)) | (load4(p + n - 4) ^ load4(q + n - 4))) == 0;
  for (size_t i = 0; i < n; ++i)
    if (p[i] != q[i]) return false;
  return true;
}

// Maps strings to the caller's indexes (0 .. 2^32 - 2). Open addressing with linear probing in a
// power-of-two table kept at most half full. `reset` empties it for the next history; a table
// grown by a long history shrinks back when the next one is short, so that emptying it stays
// proportional to the strings it held.
class StringIndex {
 public:
  static constexpr uint32_t kMissing = UINT32_MAX;

  StringIndex() : seed_(string_hash_seed()) { slots_.assign(16, Slot{0, kMissing}); }

  void reset() {
    if (used_ * 8 < slots_.size() && slots_.size() > 1024) {
      slots_.assign(16, Slot{0, kMissing});  // shrink after an unusually large history
    } else if (used_) {
      // Every byte 0xff: value kMissing (empty; the tag of an empty slot is never read). One
      // memset, not a store per slot: it runs once per history on both of its indexes.
      static_assert(kMissing == 0xffffffffu);
      std::memset(static_cast<void*>(slots_.data()), 0xff, slots_.size() * sizeof(Slot));
    }
    used_ = 0;
  }

  // The index stored for `key`, or kMissing. key_of(i) gives the string of index i.
  template <class KeyOf>
  uint32_t find(std::string_view key, KeyOf&& key_of) const {
    const uint64_t h = hash_string(key, seed_);
    const uint32_t tag = static_cast<uint32_t>(h >> 32);
    for (size_t i = h & mask();; i = (i + 1) & mask()) {
      const Slot& slot = slots_[i];
      if (slot.value == kMissing) return kMissing;
      if (slot.tag == tag && same_string(key_of(slot.value), key)) return slot.value;
    }
  }

  // The index stored for `key`; when there is none, stores `value` for it and returns `value`.
  template <class KeyOf>
  uint32_t find_or_insert(std::string_view key, uint32_t value, KeyOf&& key_of) {
    if ((used_ + 1) * 2 > slots_.size()) grow(key_of);
    const uint64_t h = hash_string(key, seed_);
    const uint32_t tag = static_cast<uint32_t>(h >> 32);
    for (size_t i = h & mask();; i = (i + 1) & mask()) {
      Slot& slot = slots_[i];
      if (slot.value == kMissing) {
        slot = {tag, value};
        ++used_;
        return value;
      }
      if (slot.tag == tag && same_string(key_of(slot.value), key)) return slot.value;
    }
  }

 private:
  struct Slot {
    uint32_t tag;    // the hash's high half: most mismatches are rejected without reading the key
    uint32_t value;  // kMissing: empty
  };

  size_t mask() const { return slots_.size() - 1; }

  template <class KeyOf>
  void grow(KeyOf&& key_of) {
    std::vector<Slot> old(slots_.size() * 2, Slot{0, kMissing});
    old.swap(slots_);
    for (const Slot& slot : old) {
      if (slot.value == kMissing) continue;
      const uint64_t h = hash_string(key_of(slot.value), seed_);
      size_t i = h & mask();
      while (slots_[i].value != kMissing) i = (i + 1) & mask();
      slots_[i] = slot;
    }
  }

  std::vector<Slot> slots_;
  size_t used_ = 0;
  uint64_t seed_;
};

}  // namespace agr
