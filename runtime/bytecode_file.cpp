#include "bytecode_file.h"

#include <cstring>

#include "verify.h"

namespace agr {

uint64_t fnv1a64(std::string_view bytes) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char ch : bytes) {
    hash ^= ch;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

namespace {

// Layout: magic[4] version:u16 reserved:u16 body_size:u64 checksum:u64 body. All integers are
// little-endian; strings and vectors are a u32 count followed by their elements.
constexpr size_t kHeaderBytes = 4 + 2 + 2 + 8 + 8;

// Writes the little-endian encoding into `out`, or, without it, only counts the bytes (the
// verifier and the compiler ask how large a program's file would be).
class Writer {
 public:
  explicit Writer(std::string* out = nullptr) : out_(out) {}

  size_t size() const { return size_; }

  void u8(uint8_t v) {
    ++size_;
    if (out_) out_->push_back(static_cast<char>(v));
  }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) u8(static_cast<uint8_t>(v >> (8 * i)));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) u8(static_cast<uint8_t>(v >> (8 * i)));
  }
  void i32(int32_t v) { u32(static_cast<uint32_t>(v)); }
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void str(const std::string& s) {
    u32(static_cast<uint32_t>(s.size()));
    size_ += s.size();
    if (out_) *out_ += s;
  }

 private:
  std::string* out_;
  size_t size_ = 0;
};

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  bool failed() const { return failed_; }
  const std::string& why() const { return why_; }
  bool at_end() const { return pos_ == bytes_.size(); }

  uint8_t u8() {
    if (!need(1)) return 0;
    return static_cast<uint8_t>(bytes_[pos_++]);
  }
  uint32_t u32() {
    if (!need(4)) return 0;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t(static_cast<uint8_t>(bytes_[pos_++])) << (8 * i);
    return v;
  }
  uint64_t u64() {
    if (!need(8)) return 0;
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t(static_cast<uint8_t>(bytes_[pos_++])) << (8 * i);
    return v;
  }
  int32_t i32() { return static_cast<int32_t>(u32()); }
  int64_t i64() { return static_cast<int64_t>(u64()); }
  bool boolean() {
    uint8_t v = u8();
    if (v > 1) fail("a boolean field holds " + std::to_string(v));
    return v == 1;
  }
  std::string str() {
    uint32_t n = u32();
    if (n > kMaxStringBytes) {
      fail("a string of " + std::to_string(n) + " bytes exceeds the limit");
      return {};
    }
    if (!need(n)) return {};
    std::string s(bytes_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  // A count of elements that each take at least `min_bytes`, checked against `limit` and against
  // what is left of the file, so that a forged count cannot make us allocate.
  uint32_t count(size_t limit, size_t min_bytes, const char* what) {
    uint32_t n = u32();
    if (failed_) return 0;
    if (n > limit) {
      fail(std::string("the file declares ") + std::to_string(n) + " " + what +
           ", over the limit of " + std::to_string(limit));
      return 0;
    }
    if (uint64_t(n) * min_bytes > bytes_.size() - pos_) {
      fail(std::string("truncated: the file ends inside its ") + what);
      return 0;
    }
    return n;
  }
  void fail(std::string why) {
    if (!failed_) why_ = std::move(why);
    failed_ = true;
  }

 private:
  bool need(size_t n) {
    if (failed_) return false;
    if (bytes_.size() - pos_ < n) {
      fail("truncated: the file ends early");
      return false;
    }
    return true;
  }

  std::string_view bytes_;
  size_t pos_ = 0;
  bool failed_ = false;
  std::string why_;
};

void write_body(Writer& w, const Program& p) {
  w.str(p.name);
  w.str(p.title);
  w.str(p.source_file);
  w.u32(static_cast<uint32_t>(p.sources.size()));
  for (const auto& s : p.sources) w.str(s);
  w.u8(p.referral_required);

  w.u32(static_cast<uint32_t>(p.flags.size()));
  for (const auto& f : p.flags) w.str(f);
  w.u32(static_cast<uint32_t>(p.facts.size()));
  for (const auto& f : p.facts) {
    w.str(f.name);
    w.u8(static_cast<uint8_t>(f.type));
    w.u8(f.required);
  }

  w.u32(static_cast<uint32_t>(p.services.size()));
  for (const auto& s : p.services) {
    w.str(s.code);
    w.str(s.title);
    w.u8(s.supplement);
  }
  w.u32(static_cast<uint32_t>(p.price_levels.size()));
  for (const auto& level : p.price_levels) {
    w.i32(level.from);
    w.str(level.title);
  }
  w.u32(static_cast<uint32_t>(p.fees.size()));
  for (const auto& fee : p.fees) {
    w.u32(fee.service);
    w.u32(fee.level);
    w.u32(fee.flag);
    w.i64(fee.split.total);
    w.i64(fee.split.subsidy);
    w.i64(fee.split.patient);
  }

  w.u32(static_cast<uint32_t>(p.sets.size()));
  for (const auto& set : p.sets) {
    w.u32(static_cast<uint32_t>(set.size()));
    for (uint32_t s : set) w.u32(s);
  }
  w.u32(p.course_starts);
  w.u32(p.course_ends);

  w.u32(static_cast<uint32_t>(p.allowed_pairs.size()));
  for (uint8_t v : p.allowed_pairs) w.u8(v);
  w.u32(static_cast<uint32_t>(p.aliases.size()));
  for (const auto& a : p.aliases) {
    w.u32(a.alias);
    w.u32(a.target);
    w.u32(a.condition);
  }
  w.u32(static_cast<uint32_t>(p.text_patterns.size()));
  for (const auto& t : p.text_patterns) {
    for (const auto* list : {&t.exact, &t.prefixes}) {
      w.u32(static_cast<uint32_t>(list->size()));
      for (const auto& code : *list) w.str(code);
    }
  }

  w.u32(static_cast<uint32_t>(p.rules.size()));
  for (const auto& r : p.rules) {
    w.str(r.id);
    w.u8(r.warning);
    w.u32(r.applies_to);
    w.u32(r.function);
    w.str(r.message);
    w.str(r.source);
    w.u32(r.line);
  }
  w.u32(static_cast<uint32_t>(p.dues.size()));
  for (const auto& d : p.dues) {
    w.str(d.rule);
    w.u32(d.service);
    w.u32(d.function);
    w.str(d.message);
    w.str(d.source);
    w.u32(d.line);
  }

  w.u32(static_cast<uint32_t>(p.functions.size()));
  for (const auto& f : p.functions) {
    w.u32(f.code_begin);
    w.u32(f.code_end);
    w.u32(static_cast<uint32_t>(f.registers.size()));
    for (RegType t : f.registers) w.u8(static_cast<uint8_t>(t));
    w.u32(static_cast<uint32_t>(f.lines.size()));
    for (uint32_t line : f.lines) w.u32(line);
  }
  // The debug table comes before the code, which stays the file's last table.
  w.u32(static_cast<uint32_t>(p.debug.size()));
  for (const auto& f : p.debug) {
    w.u32(static_cast<uint32_t>(f.clauses.size()));
    for (const auto& c : f.clauses) {
      w.u8(static_cast<uint8_t>(c.kind));
      w.u32(c.code_begin);
      w.u32(c.code_end);
      w.u32(c.line);
      w.str(c.text);
    }
    w.u32(static_cast<uint32_t>(f.values.size()));
    for (const auto& v : f.values) {
      w.u32(v.pc);
      w.u32(v.clause);
      w.u8(static_cast<uint8_t>(v.type));
      w.u8(v.limit);
      w.str(v.text);
    }
  }
  w.u32(static_cast<uint32_t>(p.code.size()));
  for (const auto& ins : p.code) {
    w.u8(static_cast<uint8_t>(ins.op));
    w.u8(ins.a);
    w.u8(ins.b);
    w.u8(ins.c);
    w.i32(ins.k);
  }
}

void read_body(Reader& r, Program& p) {
  p.name = r.str();
  p.title = r.str();
  p.source_file = r.str();
  for (uint32_t n = r.count(kMaxSources, 4, "source texts"); n > 0; --n) p.sources.push_back(r.str());
  p.referral_required = r.boolean();

  for (uint32_t n = r.count(kMaxFlags, 4, "flags"); n > 0; --n) p.flags.push_back(r.str());
  p.facts.resize(r.count(kMaxFacts, 6, "facts"));
  for (auto& f : p.facts) {
    f.name = r.str();
    const uint8_t type = r.u8();
    if (type > kLastFactType) r.fail("a fact has an unknown type");
    f.type = static_cast<FactType>(type);
    f.required = r.boolean();
  }

  p.services.resize(r.count(kMaxServices, 9, "services"));
  for (auto& s : p.services) {
    s.code = r.str();
    s.title = r.str();
    s.supplement = r.boolean();
  }
  p.price_levels.resize(r.count(kMaxPriceLevels, 8, "price levels"));
  for (auto& level : p.price_levels) {
    level.from = r.i32();
    level.title = r.str();
  }
  p.fees.resize(r.count(kMaxFeeEntries, 36, "fees"));
  for (auto& fee : p.fees) {
    fee.service = r.u32();
    fee.level = r.u32();
    fee.flag = r.u32();
    fee.split.total = r.i64();
    fee.split.subsidy = r.i64();
    fee.split.patient = r.i64();
  }

  p.sets.resize(r.count(kMaxSets, 4, "sets"));
  for (auto& set : p.sets) {
    set.resize(r.count(kMaxServices, 4, "set members"));
    for (auto& s : set) s = r.u32();
  }
  p.course_starts = r.u32();
  p.course_ends = r.u32();

  p.allowed_pairs.resize(r.count(kMaxServices * kMaxServices, 1, "same-day pairs"));
  for (auto& v : p.allowed_pairs) v = r.u8();
  p.aliases.resize(r.count(kMaxSameDayAliases, 12, "same-day aliases"));
  for (auto& a : p.aliases) {
    a.alias = r.u32();
    a.target = r.u32();
    a.condition = r.u32();
  }
  p.text_patterns.resize(r.count(kMaxTextPatterns, 8, "code lists"));
  for (auto& t : p.text_patterns) {
    for (auto* list : {&t.exact, &t.prefixes}) {
      list->resize(r.count(kMaxCodesPerPattern, 4, "codes of a code list"));
      for (auto& code : *list) code = r.str();
    }
  }

  p.rules.resize(r.count(kMaxRules, 25, "rules"));
  for (auto& rule : p.rules) {
    rule.id = r.str();
    rule.warning = r.boolean();
    rule.applies_to = r.u32();
    rule.function = r.u32();
    rule.message = r.str();
    rule.source = r.str();
    rule.line = r.u32();
  }
  p.dues.resize(r.count(kMaxDueItems, 24, "due items"));
  for (auto& d : p.dues) {
    d.rule = r.str();
    d.service = r.u32();
    d.function = r.u32();
    d.message = r.str();
    d.source = r.str();
    d.line = r.u32();
  }

  p.functions.resize(r.count(kMaxFunctions, 16, "functions"));
  for (auto& f : p.functions) {
    f.code_begin = r.u32();
    f.code_end = r.u32();
    f.registers.resize(r.count(kMaxRegisters, 1, "registers"));
    for (auto& t : f.registers) {
      uint8_t v = r.u8();
      if (v > static_cast<uint8_t>(RegType::Clinic)) r.fail("a register has an unknown type");
      t = static_cast<RegType>(v);
    }
    f.lines.resize(r.count(kMaxInstructions, 4, "line table entries"));
    for (auto& line : f.lines) line = r.u32();
  }
  // The debug table: none, or one entry per function.
  p.debug.resize(r.count(kMaxFunctions, 8, "debug entries"));
  for (auto& f : p.debug) {
    f.clauses.resize(r.count(kMaxInstructions, 17, "clauses"));
    for (auto& c : f.clauses) {
      const uint8_t kind = r.u8();
      if (kind > static_cast<uint8_t>(ClauseInfo::Kind::Window)) r.fail("a clause has an unknown kind");
      c.kind = static_cast<ClauseInfo::Kind>(kind);
      c.code_begin = r.u32();
      c.code_end = r.u32();
      c.line = r.u32();
      c.text = r.str();
    }
    f.values.resize(r.count(kMaxInstructions, 14, "noted values"));
    for (auto& v : f.values) {
      v.pc = r.u32();
      v.clause = r.u32();
      const uint8_t type = r.u8();
      if (type > static_cast<uint8_t>(RegType::Clinic)) r.fail("a noted value has an unknown type");
      v.type = static_cast<RegType>(type);
      v.limit = r.boolean();
      v.text = r.str();
    }
  }
  p.code.resize(r.count(kMaxInstructions, 8, "instructions"));
  for (auto& ins : p.code) {
    uint8_t op = r.u8();
    if (op >= kOpcodeCount && !r.failed()) r.fail("unknown opcode " + std::to_string(op));
    ins.op = static_cast<Opcode>(op);
    ins.a = r.u8();
    ins.b = r.u8();
    ins.c = r.u8();
    ins.k = r.i32();
  }
}

}  // namespace

std::string write_bytecode(const Program& program) {
  std::string body;
  Writer body_writer(&body);
  write_body(body_writer, program);
  std::string file;
  file.reserve(kHeaderBytes + body.size());
  Writer w(&file);
  for (char ch : kBytecodeMagic) w.u8(static_cast<uint8_t>(ch));
  w.u8(kBytecodeVersion & 0xff);
  w.u8(kBytecodeVersion >> 8);
  w.u8(0);
  w.u8(0);
  w.u64(body.size());
  w.u64(fnv1a64(body));
  file += body;
  return file;
}

size_t bytecode_size(const Program& program) {
  Writer counter;
  write_body(counter, program);
  return kHeaderBytes + counter.size();
}

bool read_bytecode(std::string_view bytes, Program* out, std::string* error) {
  if (bytes.size() > kMaxBytecodeBytes) {
    *error = "the file is larger than the limit of " + std::to_string(kMaxBytecodeBytes) + " bytes";
    return false;
  }
  if (bytes.size() < 4 || std::memcmp(bytes.data(), kBytecodeMagic, 4) != 0) {
    *error = "not an agr bytecode file (no AGRC magic)";
    return false;
  }
  if (bytes.size() < kHeaderBytes) {
    *error = "truncated: the file ends inside its header";
    return false;
  }
  Reader header(bytes.substr(4, kHeaderBytes - 4));
  uint16_t version = static_cast<uint16_t>(header.u8() | (header.u8() << 8));
  const uint16_t reserved = static_cast<uint16_t>(header.u8() | (header.u8() << 8));
  uint64_t body_size = header.u64();
  uint64_t checksum = header.u64();
  if (version != kBytecodeVersion) {
    *error = "bytecode format version " + std::to_string(version) + ", but this runtime reads version " +
             std::to_string(kBytecodeVersion) + "; recompile the agreement with this agrc";
    return false;
  }
  if (reserved != 0) {
    *error = "the header's reserved bytes are " + std::to_string(reserved) + ", not 0: not a file this agr wrote";
    return false;
  }
  std::string_view body = bytes.substr(kHeaderBytes);
  if (body.size() < body_size) {
    *error = "truncated: the header announces " + std::to_string(body_size) + " bytes of body, the file has " +
             std::to_string(body.size());
    return false;
  }
  if (body.size() > body_size) {
    *error = "the file has " + std::to_string(body.size() - body_size) + " bytes after its body";
    return false;
  }
  if (fnv1a64(body) != checksum) {
    *error = "checksum mismatch: the file is damaged";
    return false;
  }
  Program program;
  Reader reader(body);
  read_body(reader, program);
  if (!reader.failed() && !reader.at_end()) reader.fail("the body has bytes after its last table");
  if (reader.failed()) {
    *error = reader.why();
    return false;
  }
  if (!verify_program(program, error)) return false;
  *out = std::move(program);
  return true;
}

}  // namespace agr
