// The agr rule language. One file declares one agreement: its services, its fee tables (price
// levels), groups, the course, same-day combinations, rules, warnings and due items. See
// docs/language.md.
//
// Layout is free (no significant indentation); every clause starts with a keyword, so a
// declaration ends where the next one begins. Comments run from '#' to the end of the line.
grammar Agr;

file
    : header declaration* EOF
    ;

header
    : 'agreement' name=NAME title=text headerClause*
    ;

headerClause
    : 'source' text                         # SourceClause
    | 'referral' 'required'                 # ReferralRequiredClause
    // The form before fees had dates; refused with the way to write it now (parse.cpp).
    | 'price' 'level' DATE                  # OldPriceLevelClause
    ;

declaration
    : 'flag' NAME text?                                                   # FlagDecl
    | 'fact' NAME type=('date' | NAME) required='required'? text?         # FactDecl
    | kind=('service' | 'supplement') code text fee?                      # ServiceDecl
    | 'price' 'level' DATE title=text? feeLine*                           # PriceLevelDecl
    | 'before' 'first' 'price' 'level' beforeFirstLevel                   # BeforeFirstLevelDecl
    | 'group' NAME '=' codeList                                           # GroupDecl
    | 'define' NAME '=' expr                                              # DefineDecl
    | 'course' 'starts' 'with' setExpr 'ends' 'with' setExpr              # CourseDecl
    | 'same' 'day' sameDayClause+                                         # SameDayDecl
    | kind=('rule' | 'warning') RULE_ID 'for' setExpr ruleClause+         # RuleDecl
    | 'due' RULE_ID code dueClause+                                       # DueDecl
    ;

code
    : NUMBER
    | NAME
    ;

codeList
    : code (',' code)*
    ;

fee
    : 'fee' total=MONEY 'subsidy' subsidy=MONEY 'patient' patient=MONEY
    ;

// One line of a price level's fee table: a service's fee, or its fee when the event carries a
// flag (a variant: a video session billed at its own fee).
feeLine
    : code ('flagged' flag=NAME)? fee
    ;

// What happens to an event dated before its service's first price level.
beforeFirstLevel
    : 'reject' 'by' RULE_ID                 # RejectBeforeFirstLevel
    | 'no' 'fee'                            # NoFeeBeforeFirstLevel
    ;

sameDayClause
    : 'allow' codePair (',' codePair)*                                    # AllowClause
    | 'count' alias=code 'as' target=code 'on' 'a' 'day' 'with' code      # AliasClause
    ;

codePair
    : code '+' code
    ;

ruleClause
    : 'when' expr                           # WhenClause
    | 'require' expr                        # RequireClause
    | 'reject' 'if' expr                    # RejectIfClause
    | 'warn' 'if' expr                      # WarnIfClause
    | 'message' text                        # MessageClause
    | 'source' text                         # RuleSourceClause
    ;

dueClause
    : 'when' expr                           # DueWhenClause
    | 'earliest' expr                       # EarliestClause
    | 'target' expr                         # TargetClause
    | 'latest' expr                         # LatestClause
    | 'window' window                       # DueWindowClause
    | 'message' text                        # DueMessageClause
    | 'source' text                         # DueSourceClause
    ;

// Sets of service codes: codes, groups, `services` (every governed code), and `except`.
setExpr
    : setTerm (',' setTerm)* ('except' setTerm (',' setTerm)*)?
    ;

setTerm
    : 'services'                            # AllServicesSet
    | code                                  # CodeOrGroupSet
    ;

// ANTLR gives the alternatives listed first the tightest binding: arithmetic binds tighter
// than `otherwise`, which binds tighter than comparisons, then `not`, `and`, `or`, `if`.
expr
    : primary                                                             # PrimaryExpr
    | left=expr op=('+' | '-') right=expr                                 # AddExpr
    | left=expr 'otherwise' right=expr                                    # OtherwiseExpr
    | operand=expr negated='not'? 'in' window                             # InWindowExpr
    | operand=expr 'is' negated='not'? dayKind                            # IsDayExpr
    | operand=expr negated='not'? 'in' codePatterns                       # InCodesExpr
    | left=expr op=('=' | '!=' | '<' | '<=' | '>' | '>=') right=expr     # CompareExpr
    | 'not' operand=expr                                                  # NotExpr
    | left=expr 'and' right=expr                                          # AndExpr
    | left=expr 'or' right=expr                                           # OrExpr
    | 'if' cond=expr 'then' thenExpr=expr 'else' elseExpr=expr            # IfExpr
    ;

window
    : low=term '..' high=term                           # RangeWindow
    | center=term PLUS_MINUS duration                   # AroundWindow
    | 'calendar' unit=('week' | 'month' | 'year') 'of' center=term   # CalendarWindow
    ;

// Codes a code fact is tested against: exact codes, and prefixes ending in `*` (`DM16*`). A code
// with characters other than letters, digits and `_` is written in quotes.
codePatterns
    : codePattern (',' codePattern)*
    ;

codePattern
    : CODE_PREFIX | STRING | NAME | NUMBER
    ;

// What a date is: `a working day` (the Danish calendar), or days of the week by name
// (`monday .. friday`, `saturday, sunday`); the names are checked in parse.cpp.
dayKind
    : 'a' 'working' 'day'                               # WorkingDayKind
    | weekdays (',' weekdays)*                          # WeekdaysKind
    ;

weekdays
    : from=NAME ('..' to=NAME)?
    ;

// A `term` is an operand of a window: arithmetic without comparisons.
term
    : left=term op=('+' | '-') right=term               # AddTerm
    | primary                                           # PrimaryTerm
    ;

primary
    : NUMBER                                            # NumberLit
    | DATE                                              # DateLit
    | STRING                                            # TextLit
    | value=('true' | 'false')                          # BoolLit
    | duration                                          # DurationLit
    | 'date'                                            # EventDate
    | 'start'                                           # CourseStart
    | 'end'                                             # CourseEnd
    | 'started'                                         # CourseStarted
    | 'ended'                                           # CourseEnded
    | 'referral'                                        # ReferralDate
    | 'clinic'                                          # EventClinic
    | 'clinic' 'of' 'last' setTermList                  # ClinicOfLast
    | 'first' setTermList                               # FirstDate
    | 'last' setTermList                                # LastDate
    | 'flagged' NAME                                    # Flagged
    | 'count' '(' setExpr countFilter* ')'              # Count
    | 'combinable' 'today'                              # CombinableToday
    | 'years' 'since' operand=primary                   # YearsSince
    | NAME                                              # DefineRef
    // Not part of the language: parsed so that `weekday(date)` is reported as an unknown name,
    // with the names there are (resolve.cpp), rather than as an unexpected '('.
    | NAME '(' callArguments? ')'                       # CallLike
    | '(' expr ')'                                      # Parens
    ;

callArguments
    : expr (',' expr)*
    | setExpr countFilter*
    ;

setTermList
    : setTerm
    | '(' setExpr ')'
    ;

countFilter
    : 'today'                                           # TodayFilter
    | 'in' window                                       # InWindowFilter
    | 'flagged' NAME                                    # FlaggedFilter
    ;

duration
    : NUMBER unit=('day' | 'days' | 'week' | 'weeks' | 'month' | 'months' | 'year' | 'years')
    | NUMBER 'working' ('day' | 'days')
    ;

text
    : STRING+
    ;

DATE        : DIGIT DIGIT DIGIT DIGIT '-' DIGIT DIGIT '-' DIGIT DIGIT ;
MONEY       : DIGIT+ '.' DIGIT DIGIT ;
NUMBER      : DIGIT+ ;
RULE_ID     : [A-Z] [A-Z0-9]* '-' [0-9]+ ;
CODE_PREFIX : [a-zA-Z0-9_.]+ '*' ;
NAME        : [a-zA-Z_] [a-zA-Z0-9_]* ;
STRING      : '"' ( ~["\\] | '\\' . )* '"' ;
PLUS_MINUS  : '±' | '+-' ;
// Comments are kept on the hidden channel: the parser never sees them, `agr fmt` keeps them.
COMMENT     : '#' ~[\r\n]* -> channel(HIDDEN) ;
WS          : [ \t\r\n]+ -> skip ;
// Any other character becomes a token the parser rejects with a clear message, rather than a
// lexer error that loses its position.
UNEXPECTED  : . ;

fragment DIGIT : [0-9] ;
