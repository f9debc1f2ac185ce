#!/usr/bin/python3
"""An independent oracle for LBP and STE, written from the specification alone.

This program judges course histories the way `/work/shared/spec/agreements.md` states the rules
(LBP-1..LBP-15, STE-1..STE-9 and the "Common definitions") and writes verdicts in the form of
`docs/io-contract.md`. It shares no code and no reading with `agreements/lbp.agr`,
`agreements/ste.agr` or the C++ runtime: from an agreement file it takes only the agreement's
name, the order of its rules and their message/source strings (the contract orders violations by
the agreement file, and the strings are the author's wording, not a reading of the spec). Every
decision below quotes the spec; where the spec is silent, the comment says which reading was
chosen and why.

    spec_oracle.py AGREEMENT.agr HISTORIES.jsonl [--as-of YYYY-MM-DD]

prints one verdict (or error object) per input line, like `agr run`. Standard library only.
"""

import calendar
import datetime
import json
import re
import sys

Date = datetime.date
ONE_DAY = datetime.timedelta(days=1)

# ---------------------------------------------------------------------------------------------
# The calendar ("Common definitions": months, weeks, working days)
# ---------------------------------------------------------------------------------------------


def add_months(d, n):
    """`D + N months` keeps the day of the month and clamps to the last day of the target month
    (2025-11-30 + 3 months = 2026-02-28; 2024-01-31 + 1 month = 2024-02-29)."""
    months = d.year * 12 + (d.month - 1) + n
    year, month = divmod(months, 12)
    month += 1
    if not datetime.MINYEAR <= year <= datetime.MAXYEAR:
        raise OverflowError("%s + %d months" % (d, n))
    return Date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def add_weeks(d, n):
    """`D + N weeks` is `D + 7N days`."""
    return d + datetime.timedelta(days=7 * n)


def easter_sunday(year):
    """Easter Sunday of the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return Date(year, month, day + 1)


_holiday_cache = {}


def danish_holidays(year):
    """The helligdage the spec lists: nytårsdag, skærtorsdag (Easter - 3), langfredag (Easter - 2),
    påskedag, 2. påskedag (Easter + 1), store bededag (Easter + 26, only up to and including
    2023), Kristi himmelfartsdag (Easter + 39), pinsedag, 2. pinsedag (Easter + 50), juledag and
    2. juledag. Grundlovsdag, juleaftensdag and nytårsaftensdag are working days."""
    if year not in _holiday_cache:
        easter = easter_sunday(year)
        offsets = [-3, -2, 0, 1, 39, 49, 50]
        if year <= 2023:
            offsets.append(26)
        days = {easter + datetime.timedelta(days=k) for k in offsets}
        days |= {Date(year, 1, 1), Date(year, 12, 25), Date(year, 12, 26)}
        _holiday_cache[year] = days
    return _holiday_cache[year]


def is_working_day(d):
    """Monday to Friday, except Danish public holidays."""
    return d.weekday() < 5 and d not in danish_holidays(d.year)


def working_day_window(target, k):
    """"At T ± K working days": from the K-th working day strictly before T to the K-th working
    day strictly after T, both inclusive; T itself may be a weekend or holiday."""
    earliest = target
    for _ in range(k):
        earliest -= ONE_DAY
        while not is_working_day(earliest):
            earliest -= ONE_DAY
    latest = target
    for _ in range(k):
        latest += ONE_DAY
        while not is_working_day(latest):
            latest += ONE_DAY
    return earliest, latest


def within(d, first, last):
    """"Windows are inclusive": first <= d <= last."""
    return first <= d <= last


# ---------------------------------------------------------------------------------------------
# Money ("Common definitions": exact, in øre)
# ---------------------------------------------------------------------------------------------


def ore(amount):
    """'327.12' -> 32712. Amounts are kept as integer øre, never binary floating point."""
    kroner, _, decimals = amount.partition(".")
    return int(kroner) * 100 + int(decimals.ljust(2, "0"))


def kroner(ore_amount):
    return "%d.%02d" % divmod(ore_amount, 100)


class Fee:
    def __init__(self, total, subsidy, patient):
        self.total, self.subsidy, self.patient = ore(total), ore(subsidy), ore(patient)
        # "Subsidy (tilskud) + patient share (patientandel) = fee (honorar) for every service."
        assert self.subsidy + self.patient == self.total

    def as_json(self):
        return {"total": kroner(self.total), "subsidy": kroner(self.subsidy),
                "patient": kroner(self.patient)}


# ---------------------------------------------------------------------------------------------
# What an agreement file contributes: its name, its rules in order, their messages and sources
# ---------------------------------------------------------------------------------------------


class RuleText:
    """One `rule`/`warning`/`due` declaration of the agreement file, as far as the oracle reads it."""

    def __init__(self, kind, rule_id, targets):
        self.kind, self.rule_id, self.targets = kind, rule_id, targets
        self.message = self.source = None


_DECLARATION = re.compile(r"^\s*(rule|warning|due)\s+([A-Z]+-\d+)\b(.*)$")
_STRING = re.compile(r'^\s*(message|source)\s+"((?:[^"\\]|\\.)*)"')


def read_agreement_texts(path):
    """The agreement's name, and its rules/warnings/due items in file order with their strings.

    Only names, order and strings are read; what a rule means comes from the spec, below."""
    name, texts, current = None, [], None
    with open(path, encoding="utf-8") as f:
        for line in f:
            header = re.match(r"^\s*agreement\s+([A-Za-z0-9_-]+)", line)
            if header and name is None:
                name = header.group(1)
                continue
            declaration = _DECLARATION.match(line)
            if declaration:
                kind, rule_id, rest = declaration.groups()
                targets = set(re.findall(r"\b\d{4}\b", rest))
                current = RuleText(kind, rule_id, targets)
                texts.append(current)
                continue
            string = _STRING.match(line)
            if string and current is not None:
                value = json.loads('"' + string.group(2) + '"')
                if getattr(current, string.group(1)) is None:
                    setattr(current, string.group(1), value)
            elif re.match(r"^\S", line):
                current = None  # a new top-level declaration ends the rule's block
    return name, texts


# ---------------------------------------------------------------------------------------------
# The course state: the accepted events so far, in evaluation order
# ---------------------------------------------------------------------------------------------


class Event:
    def __init__(self, index, raw, history_clinic):
        self.index = index
        self.id = raw["id"]
        self.date = Date.fromisoformat(raw["date"])
        self.code = raw["code"]
        self.flags = set(raw.get("flags", []))
        # "Clinic. An event's clinic is its own `clinic`, else the history's `clinic`; two events
        # that both name none are at the same clinic." (None compares equal to None.)
        self.clinic = raw.get("clinic", history_clinic)


class Accepted:
    """The events accepted so far. "Before", "earlier" and "already" mean earlier in evaluation
    order, and only accepted events count, so every question is asked of this list."""

    def __init__(self):
        self.events = []

    def of(self, codes):
        return [e for e in self.events if e.code in codes]

    def count(self, codes):
        return len(self.of(codes))

    def first_date(self, codes):
        found = self.of(codes)
        return found[0].date if found else None

    def on_day(self, day, codes=None):
        return [e for e in self.events if e.date == day and (codes is None or e.code in codes)]


# ---------------------------------------------------------------------------------------------
# Common to both agreements
# ---------------------------------------------------------------------------------------------

# "Supplements and non-patient services — 2001, 2101 (distance supplements), 3201
# (telephone/digital contact), 3301 (meeting) — are never counted by a per-day rule and may stand
# on any day beside anything."
SUPPLEMENTS = {"2001", "2101", "3201", "3301"}
GENERIC = {"0113", "0133"} | SUPPLEMENTS


class Agreement:
    """An agreement as the oracle knows it: its governed codes, fees, flags and rule meanings."""

    name = None
    governed = set()
    fees = {}
    flags = set()
    referral_required = False

    def __init__(self, agr_path):
        self.name, self.texts = read_agreement_texts(agr_path)
        known = {"rule": self.rule_meanings(), "warning": self.warning_meanings(), "due": {}}
        missing = [t.rule_id for t in self.texts
                   if t.kind != "due" and t.rule_id not in known[t.kind]]
        if missing:
            raise SystemExit("oracle: no reading for rule(s) %s of %s" % (missing, agr_path))

    def rule_meanings(self):
        """rule id -> (codes it applies to, function(event, state) -> True when broken)."""
        raise NotImplementedError

    def warning_meanings(self):
        raise NotImplementedError

    def skipped_without_course(self):
        """Rules measured from the course's start S, and the rule that says there is no course."""
        raise NotImplementedError

    def due_items(self, state, as_of):
        raise NotImplementedError


class CourseState:
    def __init__(self, history):
        self.accepted = Accepted()
        self.referral = (Date.fromisoformat(history["referral_date"])
                         if "referral_date" in history else None)


# ---------------------------------------------------------------------------------------------
# LBP: structured course for primary low back pain
# ---------------------------------------------------------------------------------------------

INITIAL = {"0261", "0262"}
EDUCATION = {"0263", "0265"}
TRAINING = {"0264", "0266"}
LBP_COURSE_SERVICES = {"0261", "0262", "0263", "0264", "0265", "0266", "0267", "0268", "0269"}
LBP_ORDINARY = {"0111", "8050"}
LBP_VIDEO_ALLOWED = {"0263", "0264", "0265", "0266", "0268"}
LBP_IN_FORCE = Date(2025, 9, 1)

# LBP-3: "The combinations allowed on one day (either order)". Nothing else.
LBP_SAME_DAY_PAIRS = {frozenset(p) for p in [
    ("0110", "0262"), ("0261", "0263"), ("0261", "0264"), ("0262", "0263"), ("0262", "0264"),
    ("0263", "0264"), ("0263", "0266"), ("0263", "0113"), ("0264", "0133"), ("0265", "0266"),
    ("0265", "0113"), ("0269", "0265"), ("0269", "0263"), ("0267", "0264")]}


def lbp_pair_allowed(a, b):
    # A pair of one code with itself is a one-element frozenset and is never in the list: "two of
    # the same code on one day are refused".
    return frozenset((a, b)) in LBP_SAME_DAY_PAIRS


class Lbp(Agreement):
    governed = LBP_COURSE_SERVICES | {"0110", "0111", "8050"} | GENERIC
    fees = {
        "0261": Fee("327.12", "128.56", "198.56"),
        "0262": Fee("163.56", "64.28", "99.28"),
        "0263": Fee("218.10", "85.71", "132.39"),
        "0264": Fee("218.10", "85.71", "132.39"),
        "0265": Fee("327.12", "128.56", "198.56"),
        "0266": Fee("327.12", "128.56", "198.56"),
        "0267": Fee("490.68", "192.84", "297.84"),
        "0268": Fee("327.12", "128.56", "198.56"),
        "0269": Fee("327.12", "128.56", "198.56"),
    }
    flags = {"video", "other_problem"}
    # "A history for this agreement must carry a referral date R."
    referral_required = True

    # -- the course ----------------------------------------------------------------------------

    @staticmethod
    def start(state):
        """"The course starts at the first accepted initial (start date S)." A takeover keeps S."""
        return state.accepted.first_date(INITIAL)

    @staticmethod
    def end(state):
        """The course "ends at the accepted 0267 (end date F)"."""
        return state.accepted.first_date({"0267"})

    def active_on(self, state, day):
        """"It is active from S to F; while no 0267 is accepted, from S to S + 3 months.\""""
        s, f = self.start(state), self.end(state)
        if s is None:
            return False
        return within(day, s, f if f is not None else add_months(s, 3))

    # -- the rules -----------------------------------------------------------------------------

    def lbp1(self, e, state):
        """0262 is accepted only on a day that already has an accepted 0110."""
        return not state.accepted.on_day(e.date, {"0110"})

    def lbp2(self, e, state):
        """At most one accepted initial per course; a further one only when its clinic differs
        from the clinic of the latest accepted initial (a takeover)."""
        initials = state.accepted.of(INITIAL)
        return bool(initials) and initials[-1].clinic == e.clinic

    def lbp3(self, e, state):
        """One consultation per calendar day, except the allowed pairs, checked one by one
        against every consultation already accepted that day. On a day with an accepted 0262 the
        0110 is part of that visit: what may stand beside 0262 may stand beside that 0110. The
        exception widens what may stand beside the 0110; it never lets a code stand beside itself
        ("two of the same code on one day are refused"), so a second 0110 is refused."""
        today = [x for x in state.accepted.on_day(e.date) if x.code not in SUPPLEMENTS]
        day_has_0262 = any(x.code == "0262" for x in today)
        for other in today:
            if lbp_pair_allowed(e.code, other.code):
                continue
            if (other.code == "0110" and day_has_0262 and e.code != "0110"
                    and lbp_pair_allowed(e.code, "0262")):
                continue
            return True
        return False

    def lbp4(self, e, state):
        """Course services other than the initial (0263-0269) need an accepted initial before."""
        return self.start(state) is None

    def lbp5(self, e, state):
        """Education (0263 and 0265 together): at most 2 per course."""
        return state.accepted.count(EDUCATION) >= 2

    def lbp6(self, e, state):
        """0266: only within S .. S + 3 months, and at most 6 there."""
        s = self.start(state)
        return (not within(e.date, s, add_months(s, 3))
                or state.accepted.count({"0266"}) >= 6)

    def lbp7(self, e, state):
        """0267: at most once per course, and only after an accepted initial, at least one
        accepted education and at least one accepted training."""
        return (state.accepted.count({"0267"}) >= 1
                or state.accepted.count(INITIAL) == 0
                or state.accepted.count(EDUCATION) == 0
                or state.accepted.count(TRAINING) == 0)

    def lbp8(self, e, state):
        """0268: only after an accepted 0267 (F), no earlier than F + 3 months, no later than
        R + 12 months, and at most 2 per referral period."""
        f = self.end(state)
        if f is None:
            return True
        return (e.date < add_months(f, 3)
                or e.date > add_months(state.referral, 12)
                or state.accepted.count({"0268"}) >= 2)

    def lbp9(self, e, state):
        """0111 and 8050 are rejected on a day when the course is active, unless flagged
        `other_problem`."""
        return "other_problem" not in e.flags and self.active_on(state, e.date)

    def lbp10(self, e, state):
        """After the course has ended (date > F), course services other than 0268 are rejected."""
        f = self.end(state)
        return f is not None and e.date > f

    def lbp11(self, e, state):
        """Only 0263, 0264, 0265, 0266 and 0268 may be given by video; any other governed service
        flagged `video` is rejected."""
        return "video" in e.flags

    def lbp15(self, e, state):
        """In force from 2025-09-01: a course service (0261-0269) dated earlier is rejected."""
        return e.date < LBP_IN_FORCE

    def rule_meanings(self):
        consultations = self.governed - SUPPLEMENTS
        return {
            "LBP-1": ({"0262"}, self.lbp1),
            "LBP-2": (INITIAL, self.lbp2),
            "LBP-3": (consultations, self.lbp3),
            "LBP-4": (LBP_COURSE_SERVICES - INITIAL, self.lbp4),
            "LBP-5": (EDUCATION, self.lbp5),
            "LBP-6": ({"0266"}, self.lbp6),
            "LBP-7": ({"0267"}, self.lbp7),
            "LBP-8": ({"0268"}, self.lbp8),
            "LBP-9": (LBP_ORDINARY, self.lbp9),
            "LBP-10": (LBP_COURSE_SERVICES - {"0268"}, self.lbp10),
            "LBP-11": (self.governed - LBP_VIDEO_ALLOWED, self.lbp11),
            "LBP-15": (LBP_COURSE_SERVICES, self.lbp15),
        }

    def skipped_without_course(self):
        # "when an event needs a course and there is none (LBP-4, STE-5), rules measured from the
        # course's start S (LBP-6, STE-3, STE-4) are not evaluated for it."
        return "LBP-4", {"LBP-6"}

    # -- warnings ------------------------------------------------------------------------------

    def lbp12(self, e, state):
        """At an accepted 0267: group training (at least one accepted 0264 before it) but fewer
        than 12 or more than 16 of them."""
        group_training = state.accepted.count({"0264"})
        return group_training >= 1 and not 12 <= group_training <= 16

    def lbp13(self, e, state):
        """At an accepted 0267: the accepted 0269 before it outnumber the accepted training
        (0264 + 0266) before it."""
        return state.accepted.count({"0269"}) > state.accepted.count(TRAINING)

    def warning_meanings(self):
        return {"LBP-12": ({"0267"}, self.lbp12), "LBP-13": ({"0267"}, self.lbp13)}

    # -- the schedule (LBP-14) -----------------------------------------------------------------

    def due_items(self, state, as_of):
        s, f = self.start(state), self.end(state)
        items = []
        if s is not None and f is None:
            # "with a course started and no 0267: `0267`, target S + 12 weeks, earliest S,
            # latest — none (no deadline is stated)".
            items.append(due_item("0267", s, add_weeks(s, 12), None, as_of, "LBP-14"))
        if f is not None:
            follow_ups = state.accepted.count({"0268"})
            if follow_ups < 2:
                # "the next `0268`, earliest F + 3 months (for the second one too), latest
                # R + 12 months, target F + 3 months while none is accepted and F + 9 months once
                # one is; omitted when latest < earliest."
                earliest = add_months(f, 3)
                latest = add_months(state.referral, 12)
                target = add_months(f, 3 if follow_ups == 0 else 9)
                if not latest < earliest:
                    items.append(due_item("0268", earliest, target, latest, as_of, "LBP-14"))
        return items


# ---------------------------------------------------------------------------------------------
# STE: structured course for lumbar spinal stenosis
# ---------------------------------------------------------------------------------------------

STE_START = {"0251", "0252"}
STE_COURSE_SERVICES = {"0251", "0252", "0254", "0255", "0256", "0257"}


class Ste(Agreement):
    # "Also governed: 0110, 0111 and the generic services". 0253 is named by no table: not
    # governed.
    governed = STE_COURSE_SERVICES | {"0110", "0111"} | GENERIC
    fees = {}  # "The source states no fees: the agreement file declares none."
    flags = {"questionnaire"}
    referral_required = False  # "The referral date is optional here."

    @staticmethod
    def start(state):
        """"S is the date of the accepted start"."""
        return state.accepted.first_date(STE_START)

    @staticmethod
    def end(state):
        """"the course ends at the accepted 0255 (F)"."""
        return state.accepted.first_date({"0255"})

    @staticmethod
    def window(s, weeks):
        """S + N weeks ± 5 working days, with the target."""
        target = add_weeks(s, weeks)
        earliest, latest = working_day_window(target, 5)
        return earliest, target, latest

    def ste1(self, e, state):
        """At most one accepted start per course."""
        return state.accepted.count(STE_START) >= 1

    def ste2(self, e, state):
        """0252 needs an earlier accepted 0110 or 0111; 0251 is rejected when there is one."""
        earlier = state.accepted.count({"0110", "0111"}) > 0
        return not earlier if e.code == "0252" else earlier

    def ste3(self, e, state):
        """0254 only within S + 4 weeks ± 5 working days, at most once."""
        earliest, _, latest = self.window(self.start(state), 4)
        return not within(e.date, earliest, latest) or state.accepted.count({"0254"}) >= 1

    def ste4(self, e, state):
        """0255 only within S + 12 weeks ± 5 working days, at most once."""
        earliest, _, latest = self.window(self.start(state), 12)
        return not within(e.date, earliest, latest) or state.accepted.count({"0255"}) >= 1

    def ste5(self, e, state):
        """0254-0257 need an accepted start before them."""
        return self.start(state) is None

    def ste6(self, e, state):
        """After the course has ended (date > F), 0251-0257 are rejected."""
        f = self.end(state)
        return f is not None and e.date > f

    def ste7(self, e, state):
        """One consultation per calendar day; no combinations are stated, so two consultations
        on one day are refused (supplements and non-patient services excepted)."""
        return any(x.code not in SUPPLEMENTS for x in state.accepted.on_day(e.date))

    def rule_meanings(self):
        return {
            "STE-1": (STE_START, self.ste1),
            "STE-2": (STE_START, self.ste2),
            "STE-3": ({"0254"}, self.ste3),
            "STE-4": ({"0255"}, self.ste4),
            "STE-5": ({"0254", "0255", "0256", "0257"}, self.ste5),
            "STE-6": (STE_COURSE_SERVICES, self.ste6),
            "STE-7": (self.governed - SUPPLEMENTS, self.ste7),
        }

    def skipped_without_course(self):
        return "STE-5", {"STE-3", "STE-4"}

    def ste8(self, e, state):
        """A start not flagged `questionnaire` gets a warning."""
        return "questionnaire" not in e.flags

    def warning_meanings(self):
        return {"STE-8": (STE_START, self.ste8)}

    def due_items(self, state, as_of):
        """STE-9: "after S and until the course has ended, `0254` in its window (target
        S + 4 weeks) until accepted, and `0255` in its window (target S + 12 weeks) until
        accepted"."""
        s = self.start(state)
        if s is None or self.end(state) is not None:
            return []
        items = []
        if state.accepted.count({"0254"}) == 0:
            earliest, target, latest = self.window(s, 4)
            items.append(due_item("0254", earliest, target, latest, as_of, "STE-9"))
        earliest, target, latest = self.window(s, 12)
        items.append(due_item("0255", earliest, target, latest, as_of, "STE-9"))
        return items


def due_item(code, earliest, target, latest, as_of, rule):
    """`latest` is absent where no deadline is stated; `overdue` is true when `latest` is before
    the evaluation date."""
    item = {"code": code, "earliest": earliest.isoformat(), "target": target.isoformat()}
    if latest is not None:
        item["latest"] = latest.isoformat()
    item["overdue"] = latest is not None and latest < as_of
    item["rule"] = rule
    return item


AGREEMENTS = {"lbp": Lbp, "ste": Ste}


def load_agreement(agr_path):
    name, _ = read_agreement_texts(agr_path)
    if name not in AGREEMENTS:
        raise SystemExit("oracle: no reading of agreement '%s' (%s)" % (name, agr_path))
    return AGREEMENTS[name](agr_path)


# ---------------------------------------------------------------------------------------------
# Evaluation ("Common definitions": evaluation order, every broken rule, warnings)
# ---------------------------------------------------------------------------------------------


def violation_texts(agreement, kind, rule_id, code):
    """The file's declaration of `rule_id` that names `code` (an id may be declared twice for
    different codes, as STE-2 is), else its first declaration."""
    candidates = [t for t in agreement.texts if t.kind == kind and t.rule_id == rule_id]
    for t in candidates:
        if code in t.targets:
            return t
    return candidates[0]


def ordered_ids(agreement, kind):
    """The rule ids of one kind in the order the agreement file declares them."""
    seen = []
    for t in agreement.texts:
        if t.kind == kind and t.rule_id not in seen:
            seen.append(t.rule_id)
    return seen


def evaluate(agreement, history, as_of=None):
    """The verdict for one valid history (a dict), as the contract's output object."""
    events = [Event(i, raw, history.get("clinic")) for i, raw in enumerate(history["events"])]
    # "Events are evaluated in order of date, and on the same date in input order."
    order = sorted(events, key=lambda e: (e.date, e.index))
    state = CourseState(history)
    rules = agreement.rule_meanings()
    warnings_by_id = agreement.warning_meanings()
    rule_order = ordered_ids(agreement, "rule")
    warning_order = ordered_ids(agreement, "warning")
    needs_course, measured_from_start = agreement.skipped_without_course()

    results = [None] * len(events)
    warnings = []
    totals = [0, 0, 0]
    for e in order:
        result = {"id": e.id, "code": e.code}
        results[e.index] = result
        if e.code not in agreement.governed:
            result["status"] = "not_governed"
            continue
        # "One exception: when an event needs a course and there is none (LBP-4, STE-5), rules
        # measured from the course's start S (LBP-6, STE-3, STE-4) are not evaluated for it."
        course_codes, no_course = rules[needs_course]
        without_course = e.code in course_codes and no_course(e, state)
        broken = []
        for rule_id in rule_order:
            codes, is_broken = rules[rule_id]
            if e.code not in codes or (without_course and rule_id in measured_from_start):
                continue
            if is_broken(e, state):
                broken.append(rule_id)
        if broken:
            result["status"] = "rejected"
            result["violations"] = []
            for rule_id in broken:
                text = violation_texts(agreement, "rule", rule_id, e.code)
                result["violations"].append(
                    {"rule": rule_id, "message": text.message, "source": text.source})
            continue
        result["status"] = "accepted"
        fee = agreement.fees.get(e.code)
        if fee is not None:
            result["fee"] = fee.as_json()
            totals[0] += fee.total
            totals[1] += fee.subsidy
            totals[2] += fee.patient
        # "Warnings are attached only to accepted events", judged with what was accepted before.
        for rule_id in warning_order:
            codes, applies = warnings_by_id[rule_id]
            if e.code in codes and applies(e, state):
                text = violation_texts(agreement, "warning", rule_id, e.code)
                warnings.append({"rule": rule_id, "message": text.message,
                                 "source": text.source, "event": e.id})
        state.accepted.events.append(e)

    # "The default evaluation date is the latest date among the history's events (whatever their
    # order in the input); a history with no events has no due items."
    # The spec is silent on an --as-of date earlier than some events. Read: due items come from
    # the course as it stands after every event, and the evaluation date moves only `overdue`
    # (the history is not cut at that date, and STE-9's "after S" does not hide the items when
    # the date is before S). By default the evaluation date is the last event's, so the two
    # readings differ only for an explicit earlier --as-of.
    if as_of is None and events:
        as_of = max(e.date for e in events)
    due = agreement.due_items(state, as_of) if events else []
    return {
        "id": history["id"],
        "agreement": agreement.name,
        "events": results,
        "warnings": warnings,
        "totals": {"total": kroner(totals[0]), "subsidy": kroner(totals[1]),
                   "patient": kroner(totals[2])},
        "due": due,
    }


# ---------------------------------------------------------------------------------------------
# Reading one input line strictly (docs/io-contract.md, "Input")
# ---------------------------------------------------------------------------------------------


class BadInput(Exception):
    pass


def _no_duplicate_keys(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise BadInput("key '%s' written twice" % key)
        obj[key] = value
    return obj


def _reject_constant(name):
    raise BadInput("not JSON: %s" % name)


def _is_date(value):
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return False
    try:
        Date.fromisoformat(value)
    except ValueError:
        return False
    return True


def read_history(agreement, line):
    """The history object of one line, or BadInput. Returns (id or None, history)."""
    if not line.strip():
        raise BadInput("blank line")
    try:
        history = json.loads(line, object_pairs_hook=_no_duplicate_keys,
                             parse_constant=_reject_constant)
    except ValueError as error:
        raise BadInput("not JSON: %s" % error)
    if not isinstance(history, dict):
        raise BadInput("a history is a JSON object")
    try:
        json.dumps(history, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate escape ("\ud800") is JSON text but no Unicode string: the line
        # cannot be echoed back as UTF-8, so it is read as a bad line.
        raise BadInput("a string is not valid Unicode")
    if not isinstance(history.get("id"), str):
        raise BadInput("missing or non-string 'id'")
    if "agreement" in history and history["agreement"] != agreement.name:
        # "with one [agreement], a history that names another is an error line".
        raise BadInput("history names agreement %r" % (history["agreement"],))
    if "facts" in history:
        # Neither LBP nor STE declares facts: any key is undeclared.
        if not isinstance(history["facts"], dict) or history["facts"]:
            raise BadInput("facts")
    if "referral_date" in history:
        if not _is_date(history["referral_date"]):
            raise BadInput("referral_date")
    elif agreement.referral_required:
        raise BadInput("missing referral_date")
    if "clinic" in history and not isinstance(history["clinic"], str):
        raise BadInput("clinic")
    if not isinstance(history.get("events"), list):
        raise BadInput("events")
    ids = set()
    for event in history["events"]:
        if not isinstance(event, dict):
            raise BadInput("event is not an object")
        if not isinstance(event.get("id"), str) or event["id"] in ids:
            raise BadInput("event id")
        ids.add(event["id"])
        if not _is_date(event.get("date")):
            raise BadInput("event date")
        if not isinstance(event.get("code"), str):
            raise BadInput("event code")
        if "clinic" in event and not isinstance(event["clinic"], str):
            raise BadInput("event clinic")
        if "flags" in event:
            flags = event["flags"]
            if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
                raise BadInput("event flags")
            # "A flag the agreement does not declare is an input error for that course
            # (whatever the event's code)".
            if any(f not in agreement.flags for f in flags):
                raise BadInput("undeclared flag")
    return history


def readable_id(line):
    """The `id` of a bad line, "where it could be read"."""
    try:
        value = json.loads(line)
    except ValueError:
        return None
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return value["id"]
    return None


def judge_line(agreement, line, line_number, as_of=None):
    """The output object for one input line: a verdict, or an error object."""
    try:
        history = read_history(agreement, line)
        try:
            return evaluate(agreement, history, as_of)
        except OverflowError as error:
            # "A date so far out that the agreement's date arithmetic leaves the calendar makes
            # its line an error line." Read as: when a step of arithmetic the evaluation performs
            # leaves 0001-01-01 .. 9999-12-31, not merely when some date is near an end.
            raise BadInput("date arithmetic leaves the calendar: %s" % error)
    except BadInput as error:
        out = {}
        history_id = readable_id(line)
        if history_id is not None:
            out["id"] = history_id
        out["error"] = {"line": line_number, "message": str(error)}
        return out


def self_test():
    """The spec's own worked examples of the common definitions, and the holidays it names."""
    assert add_months(Date(2025, 11, 30), 3) == Date(2026, 2, 28)
    assert add_months(Date(2024, 1, 31), 1) == Date(2024, 2, 29)
    assert add_weeks(Date(2025, 9, 3), 12) == Date(2025, 11, 26)
    # "T = Saturday 2025-10-04, K = 5 gives 2025-09-29 .. 2025-10-10."
    assert working_day_window(Date(2025, 10, 4), 5) == (Date(2025, 9, 29), Date(2025, 10, 10))
    assert easter_sunday(2024) == Date(2024, 3, 31) and easter_sunday(2025) == Date(2025, 4, 20)
    # Store bededag (Easter + 26) is a holiday up to and including 2023, a working day after.
    assert not is_working_day(Date(2023, 5, 5)) and is_working_day(Date(2024, 4, 26))
    # Grundlovsdag, juleaftensdag and nytårsaftensdag are working days (here all weekdays).
    assert all(is_working_day(d) for d in (Date(2025, 6, 5), Date(2025, 12, 24),
                                           Date(2025, 12, 31)))
    assert not any(is_working_day(d) for d in (Date(2025, 4, 17), Date(2025, 4, 18),
                                               Date(2025, 4, 21), Date(2025, 5, 29),
                                               Date(2025, 6, 9), Date(2025, 12, 25),
                                               Date(2025, 12, 26), Date(2026, 1, 1)))


def main(argv):
    args = argv[1:]
    as_of = None
    if "--as-of" in args:
        at = args.index("--as-of")
        as_of = Date.fromisoformat(args[at + 1])
        del args[at:at + 2]
    if len(args) != 2:
        sys.stderr.write(__doc__)
        return 2
    agreement = load_agreement(args[0])
    if args[1] == "-":
        data = sys.stdin.buffer.read()
    else:
        with open(args[1], "rb") as f:
            data = f.read()
    # JSON Lines: lines end at "\n" only (U+2028 and a lone "\r" may stand inside a line).
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    errors = False
    out = sys.stdout.buffer
    for number, raw in enumerate(lines, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            line = None
        if line is None:
            verdict = {"error": {"line": number, "message": "the line is not UTF-8"}}
        else:
            verdict = judge_line(agreement, line, number, as_of)
        errors |= "error" in verdict
        out.write(json.dumps(verdict, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        out.write(b"\n")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
