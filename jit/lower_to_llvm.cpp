// Bytecode to LLVM IR. Each service becomes one LLVM function with its judges fused
// (NativeService):
//
//   i64 agr_service_<s>(i8* program, i8* index, i8* state, i32* noalias failed)
//
// which holds the code of every rule that judges the service, in AgreementIndex::judges' order
// (the order judge_event runs them in): each rule's HOLD goes on to the next rule, its FAIL
// writes the rule's index to failed[n++] first; after the rejections, a non-zero n returns
// Rejected, and after the warnings the function returns Accepted. One call judges an event, and
// LLVM sees every rule of the service at once (one load of the event's date, one start + 3 months
// for all of them). Services judged by the same rules share one such function (service_code). A
// rule's function is compiled only there. Each due item's function becomes
//
//   i8 agr_fn_<n>(i8* program, i8* index, i8* state, i8* due)
//
// with the NativeFunction signature (RunResult is a uint8_t enum).
//
// Registers become i64 allocas in the entry block, zeroed there (SROA promotes them from level 1
// on). Jumps go forward only (the verifier's guarantee), so there is one basic block per leader
// instruction and the CFG is a DAG. Event and course fields are read inline at offsets the C++
// compiler measured (jit_internal.h); COUNT, FIRST_DATE, LAST_DATE and CLINIC_OF_LAST over a
// constant set of up to kInlineSetLimit services are unrolled inline, ADD_DAYS is inline, and a
// count in a period knows its count slot at compile time; everything else calls a helper
// (helpers.cpp), the pure ones (date arithmetic, the calendar) declared readnone so that LLVM
// computes each once. The semantics are runtime/vm.cpp's, case by case.
#include "lower_to_llvm.h"

#include <llvm/IR/BasicBlock.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/DerivedTypes.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include <limits>
#include <map>
#include <vector>

#include "calendar.h"
#include "evaluate.h"
#include "jit_internal.h"
#include "verify.h"

namespace agr::jit {

std::string function_symbol(size_t index) { return "agr_fn_" + std::to_string(index); }
std::string service_symbol(size_t service) { return "agr_service_" + std::to_string(service); }

namespace {

constexpr int64_t kAbsent = std::numeric_limits<int64_t>::min();
constexpr size_t kInlineSetLimit = 32;  // larger sets call the helper: code size stays linear

constexpr uint8_t result_code(RunResult r) { return static_cast<uint8_t>(r); }

class Lowerer {
 public:
  Lowerer(const Program& program, const AgreementIndex& index, llvm::LLVMContext& context, llvm::Module& module)
      : p_(program), index_tables_(index), ctx_(context), m_(module), b_(context), layout_(layout()) {
    i1_ = llvm::Type::getInt1Ty(ctx_);
    i8_ = llvm::Type::getInt8Ty(ctx_);
    i32_ = llvm::Type::getInt32Ty(ctx_);
    i64_ = llvm::Type::getInt64Ty(ctx_);
    ptr_ = llvm::Type::getInt8PtrTy(ctx_);
    fn_type_ = llvm::FunctionType::get(i8_, {ptr_, ptr_, ptr_, ptr_}, false);
    service_type_ = llvm::FunctionType::get(i64_, {ptr_, ptr_, ptr_, i32_->getPointerTo()}, false);
    declare_helpers();
  }

  // agr_fn_<index>: HOLD, FAIL and DUE return.
  void lower_function(size_t index) {
    begin_function(fn_type_, function_symbol(index), b_.getInt8(result_code(RunResult::OutOfCalendar)));
    due_ = fn_->getArg(3);
    due_->setName("due");
    service_ = -1;
    lower_body(index, nullptr, nullptr);
    end_function();
  }

  // agr_service_<service>: its judges, one after the other (see the top of this file).
  void lower_service(uint32_t service) {
    begin_function(service_type_, service_symbol(service),
                   b_.getInt64(pack_judgement(Judgement::OutOfCalendar, 0)));
    llvm::Argument* failed = fn_->getArg(3);
    failed->setName("failed");
    failed->addAttr(llvm::Attribute::NoAlias);
    llvm::AllocaInst* n = entry_alloca(i32_, "n");
    entry_store(b_.getInt32(0), n);
    due_ = nullptr;  // no DUE in a rule's or a warning's function (lowerable checks the roles)
    service_ = service;

    auto judges = [&](uint32_t begin, uint32_t end) {
      for (uint32_t j = begin; j < end; ++j) {
        const AgreementIndex::Judge& judge = index_tables_.judges[j];
        llvm::BasicBlock* next = llvm::BasicBlock::Create(ctx_, "after_rule" + std::to_string(judge.rule), fn_);
        llvm::BasicBlock* broken = llvm::BasicBlock::Create(ctx_, "broken_rule" + std::to_string(judge.rule), fn_);
        lower_body(judge.function, next, broken);
        b_.SetInsertPoint(broken);
        llvm::Value* count = b_.CreateLoad(i32_, n);
        b_.CreateAlignedStore(b_.getInt32(judge.rule), b_.CreateInBoundsGEP(i32_, failed, count), llvm::Align(4));
        b_.CreateStore(b_.CreateAdd(count, b_.getInt32(1)), n);
        b_.CreateBr(next);
        b_.SetInsertPoint(next);
      }
    };
    // The count of failed rules and a judgement, as pack_judgement packs them.
    auto packed = [&](Judgement judgement) {
      return b_.CreateOr(b_.CreateShl(b_.CreateZExt(b_.CreateLoad(i32_, n), i64_), 32),
                         b_.getInt64(static_cast<uint8_t>(judgement)));
    };
    judges(index_tables_.judges_begin[service], index_tables_.warnings_begin[service]);
    llvm::BasicBlock* rejected = llvm::BasicBlock::Create(ctx_, "rejected", fn_);
    llvm::BasicBlock* warnings = llvm::BasicBlock::Create(ctx_, "warnings", fn_);
    b_.CreateCondBr(b_.CreateICmpNE(b_.CreateLoad(i32_, n), b_.getInt32(0)), rejected, warnings);
    b_.SetInsertPoint(rejected);
    b_.CreateRet(packed(Judgement::Rejected));
    b_.SetInsertPoint(warnings);
    judges(index_tables_.warnings_begin[service], index_tables_.judges_begin[service + 1]);
    b_.CreateRet(packed(Judgement::Accepted));
    end_function();
  }

 private:
  // ---- functions and bodies -----------------------------------------------------------------------

  // A new function: its arguments, an entry block that will hold the registers, and a first
  // block where the code starts. `out_of_calendar` is what it returns when a date leaves the
  // calendar.
  void begin_function(llvm::FunctionType* type, const std::string& name, llvm::Value* out_of_calendar) {
    fn_ = llvm::Function::Create(type, llvm::Function::ExternalLinkage, name, m_);
    fn_->addFnAttr(llvm::Attribute::NoUnwind);
    program_ = fn_->getArg(0);
    index_ = fn_->getArg(1);
    state_ = fn_->getArg(2);
    program_->setName("program");
    index_->setName("index");
    state_->setName("state");
    entry_ = llvm::BasicBlock::Create(ctx_, "entry", fn_);
    out_of_calendar_ = nullptr;
    out_of_calendar_value_ = out_of_calendar;
    b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "start", fn_));
  }
  // The entry block, complete: on to the code.
  void end_function() {
    llvm::IRBuilder<> entry(entry_);
    entry.CreateBr(entry_->getNextNode());
  }
  llvm::AllocaInst* entry_alloca(llvm::Type* type, const std::string& name) {
    llvm::IRBuilder<> entry(entry_);
    return entry.CreateAlloca(type, nullptr, name);
  }
  void entry_store(llvm::Value* v, llvm::Value* to) {
    llvm::IRBuilder<> entry(entry_);
    entry.CreateStore(v, to);
  }

  // The code of function `index` from the builder's insertion point. Its HOLD branches to
  // `on_hold` and its FAIL to `on_fail`, or, when these are null, returns (as DUE does).
  void lower_body(size_t index, llvm::BasicBlock* on_hold, llvm::BasicBlock* on_fail) {
    const Function& fn = p_.functions[index];
    on_hold_ = on_hold;
    on_fail_ = on_fail;
    regs_.clear();
    for (size_t r = 0; r < fn.registers.size(); ++r) {
      regs_.push_back(entry_alloca(i64_, "f" + std::to_string(index) + "r" + std::to_string(r)));
      entry_store(b_.getInt64(0), regs_.back());
    }

    // Leaders: the first instruction, every jump target, and whatever follows a jump or a return.
    begin_ = fn.code_begin;
    const uint32_t n = fn.code_end - fn.code_begin;
    blocks_.assign(n, nullptr);
    auto leader = [&](uint32_t i) {
      if (i < n && !blocks_[i])
        blocks_[i] = llvm::BasicBlock::Create(ctx_, "pc" + std::to_string(begin_ + i), fn_);
    };
    leader(0);
    for (uint32_t i = 0; i < n; ++i) {
      const Instruction& ins = p_.code[begin_ + i];
      switch (ins.op) {
        case Opcode::JUMP:
        case Opcode::JUMP_IF_FALSE:
        case Opcode::JUMP_IF_NONE:
          leader(static_cast<uint32_t>(ins.k) - begin_);
          leader(i + 1);
          break;
        case Opcode::HOLD:
        case Opcode::FAIL:
        case Opcode::DUE: leader(i + 1); break;
        default: break;
      }
    }
    b_.CreateBr(blocks_[0]);

    for (uint32_t i = 0; i < n; ++i) {
      if (blocks_[i]) {
        if (!b_.GetInsertBlock()->getTerminator()) b_.CreateBr(blocks_[i]);
        b_.SetInsertPoint(blocks_[i]);
      }
      pc_ = i;
      instruction(p_.code[begin_ + i]);
    }
  }

  // ---- registers and memory ----------------------------------------------------------------------

  llvm::Value* reg(uint8_t r) { return b_.CreateLoad(i64_, regs_[r]); }
  void set(uint8_t r, llvm::Value* v) { b_.CreateStore(v, regs_[r]); }

  llvm::Value* byte_offset(llvm::Value* base, size_t offset) {
    return b_.CreateConstInBoundsGEP1_64(i8_, base, offset);
  }
  llvm::Value* load_at(llvm::Value* base, size_t offset, llvm::Type* type, unsigned align) {
    llvm::Value* p = b_.CreateBitCast(byte_offset(base, offset), type->getPointerTo());
    return b_.CreateAlignedLoad(type, p, llvm::Align(align));
  }
  void store_at(llvm::Value* base, size_t offset, llvm::Value* v, unsigned align) {
    llvm::Value* p = b_.CreateBitCast(byte_offset(base, offset), v->getType()->getPointerTo());
    b_.CreateAlignedStore(v, p, llvm::Align(align));
  }

  // Scalars of the course state, widened to i64 as the VM widens them.
  llvm::Value* state_day(size_t offset) { return b_.CreateSExt(load_at(state_, offset, i32_, alignof(Day)), i64_); }
  llvm::Value* state_u32(size_t offset) {
    return b_.CreateZExt(load_at(state_, offset, i32_, alignof(uint32_t)), i64_);
  }
  llvm::Value* state_bool(size_t offset) {  // i1
    return b_.CreateICmpNE(load_at(state_, offset, i8_, alignof(bool)), b_.getInt8(0));
  }
  // Element `service` of a per-service vector of 32-bit values (only when layout_.vector_data_first).
  llvm::Value* state_element(size_t vector_offset, uint32_t service) {
    llvm::Value* data = load_at(state_, vector_offset, ptr_, alignof(void*));
    llvm::Value* typed = b_.CreateBitCast(data, i32_->getPointerTo());
    llvm::Value* p = b_.CreateConstInBoundsGEP1_64(i32_, typed, service);
    return b_.CreateAlignedLoad(i32_, p, llvm::Align(4));
  }

  llvm::Value* in_calendar(llvm::Value* day) {
    return b_.CreateAnd(b_.CreateICmpSGE(day, b_.getInt64(kFirstDay)), b_.CreateICmpSLE(day, b_.getInt64(kLastDay)));
  }
  llvm::Value* as_i64(llvm::Value* flag) { return b_.CreateZExt(flag, i64_); }
  llvm::Value* truthy(llvm::Value* v) { return b_.CreateICmpNE(v, b_.getInt64(0)); }

  // ---- control ------------------------------------------------------------------------------------

  llvm::BasicBlock* next_leader_after(uint32_t i) {
    for (uint32_t j = i + 1; j < blocks_.size(); ++j)
      if (blocks_[j]) return blocks_[j];
    return nullptr;
  }
  llvm::BasicBlock* target(const Instruction& ins) { return blocks_[static_cast<uint32_t>(ins.k) - begin_]; }

  llvm::BasicBlock* out_of_calendar() {
    if (!out_of_calendar_) {
      out_of_calendar_ = llvm::BasicBlock::Create(ctx_, "out_of_calendar", fn_);
      llvm::IRBuilder<> ret(out_of_calendar_);
      ret.CreateRet(out_of_calendar_value_);
    }
    return out_of_calendar_;
  }

  // r[a] = v, where v == kAbsent means a date left (or was outside) the calendar.
  void set_checked(uint8_t a, llvm::Value* v) {
    llvm::BasicBlock* rest = llvm::BasicBlock::Create(ctx_, "", fn_, next_leader_after(pc_));
    b_.CreateCondBr(b_.CreateICmpEQ(v, b_.getInt64(kAbsent)), out_of_calendar(), rest);
    b_.SetInsertPoint(rest);
    set(a, v);
  }

  // ---- helpers --------------------------------------------------------------------------------------

  void declare_helpers() {
    // Those that read the course state only read it; the date arithmetic and the calendar read
    // nothing but their arguments (their tables are constants), so LLVM may compute each once.
    auto declare = [&](const char* name, llvm::FunctionType* type, bool pure = false) {
      llvm::Function* f = llvm::Function::Create(type, llvm::Function::ExternalLinkage, name, m_);
      f->addFnAttr(llvm::Attribute::NoUnwind);
      f->addFnAttr(pure ? llvm::Attribute::ReadNone : llvm::Attribute::ReadOnly);
      f->addFnAttr(llvm::Attribute::WillReturn);
      return f;
    };
    count_ = declare("agr_jit_count", llvm::FunctionType::get(i64_, {ptr_, ptr_, i32_}, false));
    count_in_slot_ =
        declare("agr_jit_count_in_slot", llvm::FunctionType::get(i64_, {ptr_, i32_, i64_, i64_}, false));
    first_date_ = declare("agr_jit_first_date", llvm::FunctionType::get(i64_, {ptr_, ptr_, i32_}, false));
    last_date_ = declare("agr_jit_last_date", llvm::FunctionType::get(i64_, {ptr_, ptr_, i32_}, false));
    clinic_of_last_ = declare("agr_jit_clinic_of_last", llvm::FunctionType::get(i64_, {ptr_, ptr_, i32_}, false));
    combinable_ = declare("agr_jit_combinable", llvm::FunctionType::get(i64_, {ptr_, ptr_}, false));
    llvm::FunctionType* date_op = llvm::FunctionType::get(i64_, {i64_, i64_}, false);
    add_months_ = declare("agr_jit_add_months", date_op, true);
    add_working_days_ = declare("agr_jit_add_working_days", date_op, true);
    working_day_ = declare("agr_jit_working_day", llvm::FunctionType::get(i64_, {i64_}, false), true);
    weekday_in_ = declare("agr_jit_weekday_in", date_op, true);
    period_bound_ =
        declare("agr_jit_period_bound", llvm::FunctionType::get(i64_, {i64_, i64_, i64_}, false), true);
    years_between_ = declare("agr_jit_years_between", date_op, true);
    fact_ = declare("agr_jit_fact", llvm::FunctionType::get(i64_, {ptr_, i32_}, false));
    fact_matches_ = declare("agr_jit_fact_matches", llvm::FunctionType::get(i64_, {ptr_, ptr_, i32_}, false));
  }

  // The number of accepted events of set-and-flag `setflag` dated low .. high, from its count slot,
  // found now (AgreementIndex::slot) instead of at every call.
  llvm::Value* count_in_period(uint32_t setflag, llvm::Value* low, llvm::Value* high) {
    return b_.CreateCall(count_in_slot_, {state_, b_.getInt32(index_tables_.slot(setflag)), low, high});
  }

  bool inline_set(uint32_t set) const {
    return layout_.vector_data_first && p_.sets[set].size() <= kInlineSetLimit;
  }
  llvm::Value* set_call(llvm::Function* helper, uint32_t set) {
    return b_.CreateCall(helper, {program_, state_, b_.getInt32(set)});
  }

  // HOLD or FAIL: on to `next` inside a service's function, else return `result`.
  void conclude(llvm::BasicBlock* next, RunResult result) {
    if (next)
      b_.CreateBr(next);
    else
      b_.CreateRet(b_.getInt8(result_code(result)));
  }

  // combinable_today: a supplement stands beside anything, and on a day with nothing accepted yet
  // every service does, so the helper walks the day only for an event that has company.
  llvm::Value* combinable() {
    if (service_ >= 0 && p_.services[service_].supplement) return b_.getInt64(1);
    llvm::Value* first_of_day = b_.CreateICmpNE(state_day(layout_.today_date), state_day(layout_.date));
    llvm::BasicBlock* from = b_.GetInsertBlock();
    llvm::BasicBlock* walk = llvm::BasicBlock::Create(ctx_, "walk_the_day", fn_, next_leader_after(pc_));
    llvm::BasicBlock* done = llvm::BasicBlock::Create(ctx_, "combinable", fn_, next_leader_after(pc_));
    b_.CreateCondBr(first_of_day, done, walk);
    b_.SetInsertPoint(walk);
    llvm::Value* walked = b_.CreateCall(combinable_, {program_, state_});
    b_.CreateBr(done);
    b_.SetInsertPoint(done);
    llvm::PHINode* result = b_.CreatePHI(i64_, 2);
    result->addIncoming(b_.getInt64(1), from);
    result->addIncoming(walked, walk);
    return result;
  }

  // ---- the opcodes ------------------------------------------------------------------------------------

  void instruction(const Instruction& ins) {
    const Layout& l = layout_;
    const uint32_t k = static_cast<uint32_t>(ins.k);
    switch (ins.op) {
      case Opcode::LOAD_INT:
      case Opcode::LOAD_DATE: set(ins.a, b_.getInt64(ins.k)); break;
      case Opcode::MOVE: set(ins.a, reg(ins.b)); break;
      case Opcode::EVENT_DATE: set(ins.a, state_day(l.date)); break;
      case Opcode::EVENT_CLINIC: set(ins.a, state_u32(l.clinic)); break;
      case Opcode::EVENT_FLAGGED: {
        llvm::Value* flags = load_at(state_, l.flags, i64_, alignof(uint64_t));
        set(ins.a, b_.CreateAnd(b_.CreateLShr(flags, b_.getInt64(k & 63)), b_.getInt64(1)));
        break;
      }
      case Opcode::REFERRAL:
        set(ins.a, b_.CreateSelect(state_bool(l.has_referral), state_day(l.referral), b_.getInt64(kAbsent)));
        break;
      case Opcode::COURSE_START:
        set(ins.a, b_.CreateSelect(state_bool(l.started), state_day(l.start), b_.getInt64(kAbsent)));
        break;
      case Opcode::COURSE_END:
        set(ins.a, b_.CreateSelect(state_bool(l.ended), state_day(l.end), b_.getInt64(kAbsent)));
        break;
      case Opcode::COURSE_STARTED: set(ins.a, as_i64(state_bool(l.started))); break;
      case Opcode::COURSE_ENDED: set(ins.a, as_i64(state_bool(l.ended))); break;
      case Opcode::COUNT: {
        if (!inline_set(k)) {
          set(ins.a, set_call(count_, k));
          break;
        }
        llvm::Value* sum = b_.getInt64(0);
        for (uint32_t service : p_.sets[k]) sum = b_.CreateAdd(sum, b_.CreateZExt(state_element(l.count, service), i64_));
        set(ins.a, sum);
        break;
      }
      case Opcode::COUNT_FLAGGED:
        set(ins.a, count_in_period(k, b_.getInt64(kFirstDay), b_.getInt64(kLastDay)));
        break;
      case Opcode::COUNT_IN: set(ins.a, count_in_period(k, reg(ins.b), reg(ins.c))); break;
      case Opcode::FIRST_DATE:
      case Opcode::LAST_DATE: {
        const bool first = ins.op == Opcode::FIRST_DATE;
        if (!inline_set(k)) {
          set(ins.a, set_call(first ? first_date_ : last_date_, k));
          break;
        }
        llvm::Value* best = b_.getInt64(kAbsent);
        for (uint32_t service : p_.sets[k]) {
          llvm::Value* has = b_.CreateICmpNE(state_element(l.count, service), b_.getInt32(0));
          llvm::Value* v = b_.CreateSExt(state_element(first ? l.first : l.last, service), i64_);
          llvm::Value* better = b_.CreateOr(b_.CreateICmpEQ(best, b_.getInt64(kAbsent)),
                                            first ? b_.CreateICmpSLT(v, best) : b_.CreateICmpSGT(v, best));
          best = b_.CreateSelect(b_.CreateAnd(has, better), v, best);
        }
        set(ins.a, best);
        break;
      }
      case Opcode::CLINIC_OF_LAST: {
        if (!inline_set(k)) {
          set(ins.a, set_call(clinic_of_last_, k));
          break;
        }
        llvm::Value* seq = b_.getInt64(-1);
        llvm::Value* clinic = b_.getInt64(kAbsent);
        for (uint32_t service : p_.sets[k]) {
          llvm::Value* has = b_.CreateICmpNE(state_element(l.count, service), b_.getInt32(0));
          llvm::Value* q = b_.CreateZExt(state_element(l.last_seq, service), i64_);
          llvm::Value* take = b_.CreateAnd(has, b_.CreateICmpSGT(q, seq));
          seq = b_.CreateSelect(take, q, seq);
          clinic = b_.CreateSelect(take, b_.CreateZExt(state_element(l.last_clinic, service), i64_), clinic);
        }
        set(ins.a, clinic);
        break;
      }
      case Opcode::COMBINABLE: set(ins.a, combinable()); break;
      case Opcode::ADD: set(ins.a, b_.CreateAdd(reg(ins.b), reg(ins.c))); break;
      case Opcode::SUB: set(ins.a, b_.CreateSub(reg(ins.b), reg(ins.c))); break;
      case Opcode::ADD_DAYS: {  // move_days: k is 32 bits, so a date in the calendar plus k cannot overflow
        llvm::Value* from = reg(ins.b);
        llvm::Value* moved = b_.CreateAdd(from, b_.getInt64(ins.k));
        set_checked(ins.a, b_.CreateSelect(b_.CreateAnd(in_calendar(from), in_calendar(moved)), moved,
                                           b_.getInt64(kAbsent)));
        break;
      }
      case Opcode::ADD_MONTHS:
        set_checked(ins.a, b_.CreateCall(add_months_, {reg(ins.b), b_.getInt64(ins.k)}));
        break;
      case Opcode::ADD_WORKING_DAYS:
        set_checked(ins.a, b_.CreateCall(add_working_days_, {reg(ins.b), b_.getInt64(ins.k)}));
        break;
      case Opcode::EQ: set(ins.a, as_i64(b_.CreateICmpEQ(reg(ins.b), reg(ins.c)))); break;
      case Opcode::NE: set(ins.a, as_i64(b_.CreateICmpNE(reg(ins.b), reg(ins.c)))); break;
      case Opcode::LT: set(ins.a, as_i64(b_.CreateICmpSLT(reg(ins.b), reg(ins.c)))); break;
      case Opcode::LE: set(ins.a, as_i64(b_.CreateICmpSLE(reg(ins.b), reg(ins.c)))); break;
      case Opcode::NOT: set(ins.a, as_i64(b_.CreateICmpEQ(reg(ins.b), b_.getInt64(0)))); break;
      case Opcode::AND: set(ins.a, as_i64(b_.CreateAnd(truthy(reg(ins.b)), truthy(reg(ins.c))))); break;
      case Opcode::OR: set(ins.a, as_i64(b_.CreateOr(truthy(reg(ins.b)), truthy(reg(ins.c))))); break;
      case Opcode::JUMP: b_.CreateBr(target(ins)); break;
      case Opcode::JUMP_IF_FALSE:
        b_.CreateCondBr(b_.CreateICmpEQ(reg(ins.a), b_.getInt64(0)), target(ins), blocks_[pc_ + 1]);
        break;
      case Opcode::JUMP_IF_NONE:
        b_.CreateCondBr(b_.CreateICmpEQ(reg(ins.a), b_.getInt64(kAbsent)), target(ins), blocks_[pc_ + 1]);
        break;
      case Opcode::LOAD_NONE: set(ins.a, b_.getInt64(kAbsent)); break;
      case Opcode::IS_WORKING_DAY: set_checked(ins.a, b_.CreateCall(working_day_, {reg(ins.b)})); break;
      case Opcode::WEEKDAY_IN:
        set_checked(ins.a, b_.CreateCall(weekday_in_, {reg(ins.b), b_.getInt64(ins.k)}));
        break;
      case Opcode::PERIOD_START:
      case Opcode::PERIOD_END:
        set_checked(ins.a, b_.CreateCall(period_bound_, {reg(ins.b), b_.getInt64(ins.k),
                                                         b_.getInt64(ins.op == Opcode::PERIOD_END)}));
        break;
      case Opcode::FACT: set(ins.a, b_.CreateCall(fact_, {state_, b_.getInt32(k)})); break;
      case Opcode::FACT_MATCHES: set(ins.a, b_.CreateCall(fact_matches_, {program_, state_, b_.getInt32(k)})); break;
      case Opcode::LOAD_BOOL: set(ins.a, b_.getInt64(ins.k)); break;
      case Opcode::YEARS_BETWEEN: set_checked(ins.a, b_.CreateCall(years_between_, {reg(ins.b), reg(ins.c)})); break;
      case Opcode::HOLD: conclude(on_hold_, RunResult::Hold); break;
      case Opcode::FAIL: conclude(on_fail_, RunResult::Fail); break;
      case Opcode::DUE: {
        llvm::Value* earliest = reg(ins.a);
        llvm::Value* target_day = reg(ins.b);
        llvm::Value* latest = ins.k ? reg(ins.c) : nullptr;
        llvm::Value* ok = b_.CreateAnd(in_calendar(earliest), in_calendar(target_day));
        if (latest) ok = b_.CreateAnd(ok, in_calendar(latest));
        llvm::BasicBlock* write = llvm::BasicBlock::Create(ctx_, "due", fn_, next_leader_after(pc_));
        b_.CreateCondBr(ok, write, out_of_calendar());
        b_.SetInsertPoint(write);
        store_at(due_, l.due_earliest, b_.CreateTrunc(earliest, i32_), alignof(Day));
        store_at(due_, l.due_target, b_.CreateTrunc(target_day, i32_), alignof(Day));
        store_at(due_, l.due_has_latest, b_.getInt8(latest ? 1 : 0), alignof(bool));
        store_at(due_, l.due_latest, latest ? b_.CreateTrunc(latest, i32_) : b_.getInt32(0), alignof(Day));
        b_.CreateRet(b_.getInt8(result_code(RunResult::Due)));
        break;
      }
    }
  }

  const Program& p_;
  const AgreementIndex& index_tables_;  // the judges of each service, the count slots
  llvm::LLVMContext& ctx_;
  llvm::Module& m_;
  llvm::IRBuilder<> b_;
  const Layout& layout_;

  llvm::Type *i1_, *i8_, *i32_, *i64_, *ptr_;
  llvm::FunctionType *fn_type_, *service_type_;
  llvm::Function *count_, *count_in_slot_, *first_date_, *last_date_, *clinic_of_last_, *combinable_;
  llvm::Function *add_months_, *add_working_days_;
  llvm::Function *working_day_, *weekday_in_, *period_bound_, *years_between_, *fact_, *fact_matches_;

  // The function being lowered.
  llvm::Function* fn_ = nullptr;
  llvm::Value *program_ = nullptr, *index_ = nullptr, *state_ = nullptr, *due_ = nullptr;
  llvm::BasicBlock* entry_ = nullptr;  // the registers
  llvm::BasicBlock* out_of_calendar_ = nullptr;
  llvm::Value* out_of_calendar_value_ = nullptr;
  // The body being lowered.
  int64_t service_ = -1;  // the service whose judges it is part of, or -1 (a function of its own)
  llvm::BasicBlock *on_hold_ = nullptr, *on_fail_ = nullptr;
  std::vector<llvm::AllocaInst*> regs_;
  std::vector<llvm::BasicBlock*> blocks_;  // per instruction: its block when it is a leader
  uint32_t begin_ = 0, pc_ = 0;
};

}  // namespace

bool lowerable(const Program& program, std::string* error) {
  std::vector<Role> roles;
  if (!function_roles(program, &roles, error)) return false;
  for (size_t f = 0; f < program.functions.size(); ++f) {
    const Function& fn = program.functions[f];
    for (uint32_t pc = fn.code_begin; pc < fn.code_end; ++pc)
      if (!valid_in(program.code[pc].op, roles[f])) {
        *error = std::string("internal error: ") + opcode_info(program.code[pc].op).name + " at instruction " +
                 std::to_string(pc) + " in a " + role_name(roles[f]) + "'s function";
        return false;
      }
  }
  return true;
}

std::unique_ptr<llvm::Module> lower_program(const Program& program, const AgreementIndex& index,
                                            llvm::LLVMContext& context, const std::string& module_id,
                                            std::string* error) {
  if (!lowerable(program, error)) return nullptr;
  auto module = std::make_unique<llvm::Module>(module_id, context);
  Lowerer lowerer(program, index, context, *module);
  std::vector<bool> lowered(program.functions.size(), false);
  for (const DueItem& due : program.dues)
    if (!lowered[due.function]) {
      lowered[due.function] = true;
      lowerer.lower_function(due.function);
    }
  const std::vector<uint32_t> code_of = service_code(program, index);
  for (uint32_t service = 0; service < program.services.size(); ++service)
    if (code_of[service] == service) lowerer.lower_service(service);
  return module;
}

std::vector<uint32_t> service_code(const Program& program, const AgreementIndex& index) {
  // What a service's function depends on: its judges in order, where its warnings start, and
  // whether it is a supplement (COMBINABLE knows the answer for one).
  std::map<std::vector<uint32_t>, uint32_t> first;
  std::vector<uint32_t> code_of(program.services.size());
  for (uint32_t service = 0; service < program.services.size(); ++service) {
    std::vector<uint32_t> key = {program.services[service].supplement ? 1u : 0u,
                                 index.warnings_begin[service] - index.judges_begin[service]};
    for (uint32_t j = index.judges_begin[service]; j < index.judges_begin[service + 1]; ++j)
      key.push_back(index.judges[j].rule);
    code_of[service] = first.emplace(std::move(key), service).first->second;
  }
  return code_of;
}

}  // namespace agr::jit
