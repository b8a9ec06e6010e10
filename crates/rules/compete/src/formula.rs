//! Scoring formulas: a small, safe expression language, compiled once when a contest definition
//! loads and evaluated per scored event in fixed point.
//!
//! ```text
//! min(win / bet, 50) * 100
//! if(bet > 0, win / bet, 0) + (duration_ms < 1000 && win > 0) * 5
//! ```
//!
//! # The language
//!
//! - **Numbers**: decimal literals with at most 9 decimals (`50`, `0.5`, `1.25`): a digit before
//!   the point, at least one after it, no sign (use unary `-`), no exponent. They are parsed exactly,
//!   digit by digit (there is no float anywhere in this module).
//! - **Variables**: identifiers (`[a-z_][a-z0-9_]*`) from the list given to [`Formula::compile`];
//!   any other name is a compile error that names it and lists the known ones.
//! - **Operators**, from the tightest to the loosest binding, every binary level left-associative:
//!   1. unary `-` (negation) and `!` (1 if the operand is 0, else 0);
//!   2. `*` `/` `%`;
//!   3. `+` `-`;
//!   4. `<` `<=` `>` `>=` (1 if true, else 0);
//!   5. `==` `!=` (1 or 0);
//!   6. `&&` (1 if both are non-zero, else 0; the right side is evaluated only when the left is
//!      non-zero);
//!   7. `||` (1 if either is non-zero, else 0; the right side is evaluated only when the left is
//!      zero);
//!
//!   and parentheses.
//! - **Functions**: `min(a, b, ...)` and `max(a, b, ...)` (at least 2 arguments), `abs(x)`,
//!   `floor(x)`, `ceil(x)`, `round(x)` (half away from zero: `round(-2.5)` is -3),
//!   `clamp(x, lo, hi)` (`min(max(x, lo), hi)`, so `hi` wins when `lo > hi`) and
//!   `if(cond, then, else)`, which is **lazy**: only the chosen branch is evaluated, so
//!   `if(bet > 0, win / bet, 0)` never divides by zero.
//! - Spaces, tabs and newlines may separate tokens.
//!
//! # Numbers
//!
//! Every value is a [`Fixed`]: an `i128` holding the real value times [`SCALE`] = 10^9, i.e. 9
//! decimals. After every operation (and for every variable read) the value must lie within
//! ±`i64::MAX` units ([`Fixed::MIN`]..=[`Fixed::MAX`]: "an `i64` with 9 decimals"), or the
//! evaluation stops with [`EvalError::Overflow`].
//!
//! - `+` and `-` are exact.
//! - `a * b` is `a·b` rounded toward −∞ to 9 decimals (`-0.000000001 * 0.5` is `-0.000000001`).
//! - `a / b` is `a / b` rounded toward −∞ to 9 decimals (`-1 / 3` is `-0.333333334`);
//!   [`EvalError::DivisionByZero`] when `b` is 0.
//! - `a % b` is the floored remainder `a - b·⌊a / b⌋` (of the exact quotient), so it has the sign
//!   of `b` (`-7 % 3` is 2, `7 % -3` is -2) and `b * floor(a / b) + a % b == a` holds whenever
//!   no step overflows; [`EvalError::DivisionByZero`] when `b` is 0.
//! - Comparisons and logic yield exactly 0 or 1.
//!
//! # Limits
//!
//! A source is at most [`MAX_SOURCE_LEN`] bytes ([`FormulaError::TooLong`]) and not blank
//! ([`FormulaError::Empty`]); parentheses, function calls and unary operators nest at most
//! [`MAX_DEPTH`] deep ([`FormulaError::TooDeep`]); the compiled program has at most
//! [`MAX_INSTRUCTIONS`] instructions ([`FormulaError::TooManyInstructions`]) and needs at most
//! [`MAX_STACK`] stack slots ([`FormulaError::StackTooDeep`]).
//!
//! # Why it cannot loop, allocate or overflow silently
//!
//! A formula compiles to a flat list of instructions for a stack machine. The only jumps (for
//! `if`, `&&` and `||`) carry an unsigned forward distance, so the program counter strictly
//! increases at every step: an evaluation executes each instruction at most once and finishes in at
//! most [`MAX_INSTRUCTIONS`] steps, whatever the values. The deepest stack a formula needs is
//! computed while compiling (more than [`MAX_STACK`] slots is a compile error), and evaluation uses
//! a fixed array on the call stack (8 slots, or [`MAX_STACK`] for the rare formula needing more):
//! [`Formula::eval`] performs no heap allocation. Every arithmetic step uses checked `i128`
//! operations followed by the range check above, so a result is either exact (up to the documented
//! floor rounding) or an [`EvalError`] — never a wrapped or saturated number. Stack accesses are
//! checked too, so even an (impossible) malformed program would yield an error, never a panic.
//!
//! # Constant folding
//!
//! Operations whose operands are all constants (`2 * 50`, `-3`, `min(1, 2)`) are folded into one
//! constant at compile time. A constant operation that fails (`1 / 0`, `9223372036854775807 + 1`) is
//! left unfolded, so the error surfaces at evaluation exactly as it would without folding. It is
//! not a compile error, because it may sit in a branch that is never taken: `if(0, 1 / 0, 2)` is 2.
//! `if`, `&&` and `||` are not folded, and variables never are, so [`Formula::uses`] reports every
//! variable the source names, even in a branch that is never taken.

use std::fmt;

/// Decimal places of a fixed-point value.
pub const DECIMALS: u32 = 9;

/// 10^DECIMALS.
pub const SCALE: i128 = 1_000_000_000;

/// The largest raw value any formula value may take: `i64::MAX` units.
const LIMIT: i128 = i64::MAX as i128 * SCALE;

/// The longest formula source, in bytes.
pub const MAX_SOURCE_LEN: usize = 1024;

/// The deepest nesting of parentheses, function calls and unary operators.
pub const MAX_DEPTH: usize = 32;

/// The most instructions a compiled formula may have.
pub const MAX_INSTRUCTIONS: usize = 512;

/// The most stack slots a compiled formula may need while evaluating.
pub const MAX_STACK: usize = 64;

/// Formulas needing at most this many stack slots (nearly all) evaluate on a smaller array, which
/// is cheaper to initialise.
const SMALL_STACK: usize = 8;

/// The names of the functions, for error messages.
const FUNCTION_NAMES: &str = "min, max, abs, floor, ceil, round, clamp, if";

/// A fixed-point number: the real value is `raw / SCALE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Fixed(pub i128);

impl Fixed {
    /// Zero.
    pub const ZERO: Fixed = Fixed(0);

    /// One (the value of a true comparison).
    const ONE: Fixed = Fixed(SCALE);

    /// The largest value a formula can hold or produce: `i64::MAX` with 9 zero decimals.
    pub const MAX: Fixed = Fixed(LIMIT);

    /// The smallest value a formula can hold or produce: `-i64::MAX` (note: not `i64::MIN`, so the
    /// range is symmetric and `-x` and `abs(x)` never overflow).
    pub const MIN: Fixed = Fixed(-LIMIT);

    /// The integer `v`. `Fixed::from_int(i64::MIN)` lies one unit below [`Fixed::MIN`]: a formula
    /// reading it fails with [`EvalError::Overflow`].
    #[must_use]
    pub const fn from_int(v: i64) -> Fixed {
        Fixed(v as i128 * SCALE)
    }

    /// `num / den` (floor), e.g. a multiplier from units of 1e-8:
    /// `from_ratio(m, 100_000_000)`. Err([`EvalError::DivisionByZero`]) on `den == 0`,
    /// Err([`EvalError::Overflow`]) if the quotient leaves the range (only `i64::MIN / -1` and
    /// `i64::MIN / 1`).
    pub fn from_ratio(num: i64, den: i64) -> Result<Fixed, EvalError> {
        if den == 0 {
            return Err(EvalError::DivisionByZero);
        }
        let scaled = i128::from(num)
            .checked_mul(SCALE)
            .ok_or(EvalError::Overflow)?;
        in_range(floor_div_rem(scaled, i128::from(den))?.0)
    }

    /// Rounded down (toward −∞) to an integer; Err([`EvalError::Overflow`]) if it does not fit an
    /// `i64`.
    pub fn floor_i64(self) -> Result<i64, EvalError> {
        i64::try_from(self.0.div_euclid(SCALE)).map_err(|_| EvalError::Overflow)
    }

    /// Parses a decimal literal like `"12"`, `"0.5"`, `"-3.25"` (at most 9 decimals) exactly: an
    /// optional `-`, digits, and optionally `.` followed by 1 to 9 digits. `None` for anything else
    /// (spaces, `+`, exponents, `.5`, `5.`) or a value outside [`Fixed::MIN`]..=[`Fixed::MAX`].
    #[must_use]
    pub fn parse(text: &str) -> Option<Fixed> {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let magnitude = parse_magnitude(digits).ok()?;
        Some(Fixed(if negative { -magnitude } else { magnitude }))
    }
}

impl fmt::Display for Fixed {
    /// The exact decimal value, trailing zeros trimmed: `2.5`, `-3`, `0.000000001`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let magnitude = self.0.unsigned_abs();
        let scale = SCALE.unsigned_abs();
        let int = magnitude / scale;
        let mut frac = magnitude % scale;
        if self.0 < 0 {
            f.write_str("-")?;
        }
        write!(f, "{int}")?;
        if frac != 0 {
            let mut width = DECIMALS as usize;
            while frac.is_multiple_of(10) {
                frac /= 10;
                width -= 1;
            }
            write!(f, ".{frac:0width$}")?;
        }
        Ok(())
    }
}

/// Why a formula does not compile. The messages are meant for the operator who wrote it; byte
/// offsets count from 0.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormulaError {
    /// The source is empty or blank.
    #[error("the formula is empty")]
    Empty,
    /// The source is longer than [`MAX_SOURCE_LEN`] bytes.
    #[error("the formula is {len} bytes long; at most {max} bytes are allowed", max = MAX_SOURCE_LEN)]
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// Parentheses, function calls and unary operators nest deeper than [`MAX_DEPTH`].
    #[error(
        "the formula nests too deeply at byte {at}: at most {max} levels of parentheses, function \
         calls and unary operators are allowed",
        max = MAX_DEPTH
    )]
    TooDeep {
        /// Where the level one too deep opens.
        at: usize,
    },
    /// The compiled program would exceed [`MAX_INSTRUCTIONS`] instructions.
    #[error(
        "the formula is too large: it compiles to more than {max} instructions",
        max = MAX_INSTRUCTIONS
    )]
    TooManyInstructions,
    /// Evaluating would need more than [`MAX_STACK`] stack slots (too many pending operands).
    #[error(
        "the formula is too complex: evaluating it needs more than {max} pending values; \
         simplify it or reorder its operands",
        max = MAX_STACK
    )]
    StackTooDeep,
    /// A character that starts no token.
    #[error("invalid character `{}` at byte {at}", .found.escape_debug())]
    InvalidCharacter {
        /// Its byte offset.
        at: usize,
        /// The character.
        found: char,
    },
    /// A malformed or out-of-range number literal.
    #[error("invalid number `{text}` at byte {at}: {reason}")]
    InvalidNumber {
        /// Its byte offset.
        at: usize,
        /// The literal as written.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A token where another was expected.
    #[error("syntax error at byte {at}: expected {expected}, found {found}")]
    Syntax {
        /// The offending token's byte offset (the source's length at its end).
        at: usize,
        /// What would have been valid there.
        expected: &'static str,
        /// What was found (a quoted token, or "the end of the formula").
        found: String,
    },
    /// A name that is not one of the formula's variables.
    #[error("unknown variable `{name}` (known: {known}) at byte {at}", known = known_list(.known))]
    UnknownVariable {
        /// Its byte offset.
        at: usize,
        /// The name as written.
        name: String,
        /// The variables the formula may use.
        known: Vec<String>,
    },
    /// A call of a function that does not exist.
    #[error("unknown function `{name}` (known: {FUNCTION_NAMES}) at byte {at}")]
    UnknownFunction {
        /// Its byte offset.
        at: usize,
        /// The name as written.
        name: String,
    },
    /// A function called with the wrong number of arguments.
    #[error("`{name}` at byte {at} takes {expected}, got {found}")]
    Arity {
        /// The call's byte offset.
        at: usize,
        /// The function.
        name: &'static str,
        /// How many it takes ("exactly 3 arguments", "at least 2 arguments").
        expected: &'static str,
        /// How many it got.
        found: usize,
    },
}

/// The known variables for a message.
fn known_list(known: &[String]) -> String {
    if known.is_empty() {
        "none".to_owned()
    } else {
        known.join(", ")
    }
}

/// Why an evaluation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// A value (a result, or a variable read) left the range ±`i64::MAX` with 9 decimals.
    #[error(
        "arithmetic overflow: a value left the range of ±{} with 9 decimals",
        i64::MAX
    )]
    Overflow,
    /// A division or remainder by zero.
    #[error("division by zero")]
    DivisionByZero,
}

/// A compiled formula: a flat stack-machine program with forward jumps only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Formula {
    /// The source it was compiled from.
    source: String,
    /// The program.
    code: Box<[Op]>,
    /// The most stack slots it needs (at most [`MAX_STACK`]).
    stack: usize,
}

impl Formula {
    /// Compiles `source` over the named variables; `variables[i]` is bound by `values[i]` at eval.
    /// A name listed twice binds to its first position.
    pub fn compile(source: &str, variables: &[&str]) -> Result<Formula, FormulaError> {
        if source.len() > MAX_SOURCE_LEN {
            return Err(FormulaError::TooLong { len: source.len() });
        }
        if source.trim().is_empty() {
            return Err(FormulaError::Empty);
        }
        let tokens = lex(source)?;
        let mut compiler = Compiler {
            source,
            tokens,
            pos: 0,
            variables,
            code: Vec::new(),
            depth: 0,
            max_depth: 0,
            barrier: 0,
        };
        compiler.expression(0, 0)?;
        compiler.expect(Tok::End, "an operator or the end of the formula")?;
        Ok(Formula {
            source: source.to_owned(),
            code: compiler.code.into_boxed_slice(),
            stack: compiler.max_depth,
        })
    }

    /// The source it was compiled from.
    #[must_use]
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the formula reads variable `index` (the position in the compile-time list).
    #[must_use]
    pub fn uses(&self, index: usize) -> bool {
        self.code.contains(&Op::Load(index))
    }

    /// Evaluates with `values` (missing trailing values read as 0; extra ones are ignored). Never
    /// panics, never allocates, runs at most [`MAX_INSTRUCTIONS`] steps.
    pub fn eval(&self, values: &[Fixed]) -> Result<Fixed, EvalError> {
        if self.stack <= SMALL_STACK {
            self.run::<SMALL_STACK>(values)
        } else {
            self.run::<MAX_STACK>(values)
        }
    }

    /// Evaluates on a stack of `N` slots.
    fn run<const N: usize>(&self, values: &[Fixed]) -> Result<Fixed, EvalError> {
        let mut stack = Stack {
            slots: [Fixed::ZERO; N],
            len: 0,
        };
        let code = &*self.code;
        let mut pc = 0usize;
        while let Some(&op) = code.get(pc) {
            pc += 1;
            match op {
                Op::Const(v) => stack.push(v)?,
                Op::Load(i) => stack.push(in_range(values.get(i).map_or(0, |v| v.0))?)?,
                Op::Neg => stack.unary(neg)?,
                Op::Not => stack.unary(|a| Ok(truth(a.0 == 0)))?,
                Op::Truth => stack.unary(|a| Ok(truth(a.0 != 0)))?,
                Op::Abs => stack.unary(abs)?,
                Op::Floor => stack.unary(floor)?,
                Op::Ceil => stack.unary(ceil)?,
                Op::Round => stack.unary(round)?,
                Op::Add => stack.binary(add)?,
                Op::Sub => stack.binary(sub)?,
                Op::Mul => stack.binary(mul)?,
                Op::Div => stack.binary(div)?,
                Op::Rem => stack.binary(rem)?,
                Op::Lt => stack.binary(|a, b| Ok(truth(a < b)))?,
                Op::Le => stack.binary(|a, b| Ok(truth(a <= b)))?,
                Op::Gt => stack.binary(|a, b| Ok(truth(a > b)))?,
                Op::Ge => stack.binary(|a, b| Ok(truth(a >= b)))?,
                Op::Eq => stack.binary(|a, b| Ok(truth(a == b)))?,
                Op::Ne => stack.binary(|a, b| Ok(truth(a != b)))?,
                Op::Min => stack.binary(|a, b| Ok(a.min(b)))?,
                Op::Max => stack.binary(|a, b| Ok(a.max(b)))?,
                Op::Clamp => {
                    let hi = stack.pop()?;
                    let lo = stack.pop()?;
                    let x = stack.top()?;
                    *x = clamp(*x, lo, hi);
                }
                Op::JumpIfZero(skip) => {
                    if stack.pop()?.0 == 0 {
                        pc = pc.saturating_add(skip);
                    }
                }
                Op::Jump(skip) => pc = pc.saturating_add(skip),
                Op::AndJump(skip) => {
                    // A zero left operand is the result (0): keep it and skip the right operand.
                    if stack.top()?.0 == 0 {
                        pc = pc.saturating_add(skip);
                    } else {
                        stack.pop()?;
                    }
                }
                Op::OrJump(skip) => {
                    let top = stack.top()?;
                    if top.0 != 0 {
                        *top = Fixed::ONE;
                        pc = pc.saturating_add(skip);
                    } else {
                        stack.pop()?;
                    }
                }
            }
        }
        let result = stack.pop()?;
        if stack.len == 0 {
            Ok(result)
        } else {
            Err(EvalError::Overflow)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Arithmetic (shared by evaluation and constant folding).

/// `raw` as a value, if it lies within the range.
#[inline]
fn in_range(raw: i128) -> Result<Fixed, EvalError> {
    if (-LIMIT..=LIMIT).contains(&raw) {
        Ok(Fixed(raw))
    } else {
        Err(EvalError::Overflow)
    }
}

/// 1 or 0.
#[inline]
fn truth(b: bool) -> Fixed {
    if b { Fixed::ONE } else { Fixed::ZERO }
}

/// `n / d` rounded toward −∞, and the matching floored remainder `n - d·q` (which has the sign
/// of `d`), with a single division (a 64-bit one when both operands fit).
#[inline]
fn floor_div_rem(n: i128, d: i128) -> Result<(i128, i128), EvalError> {
    let (q, r) = match (i64::try_from(n), i64::try_from(d)) {
        (Ok(n64), Ok(d64)) if d64 != 0 && d64 != -1 => {
            (i128::from(n64 / d64), i128::from(n64 % d64))
        }
        _ => {
            let q = n.checked_div(d).ok_or(EvalError::DivisionByZero)?;
            // |q·d| <= |n|: neither the product nor the difference can overflow.
            let r = q
                .checked_mul(d)
                .and_then(|qd| n.checked_sub(qd))
                .ok_or(EvalError::Overflow)?;
            (q, r)
        }
    };
    if r != 0 && ((r < 0) != (d < 0)) {
        Ok((
            q.checked_sub(1).ok_or(EvalError::Overflow)?,
            r.checked_add(d).ok_or(EvalError::Overflow)?,
        ))
    } else {
        Ok((q, r))
    }
}

/// `q` units as a raw value, range-checked.
#[inline]
fn units(q: i128) -> Result<Fixed, EvalError> {
    in_range(q.checked_mul(SCALE).ok_or(EvalError::Overflow)?)
}

/// `-a`.
#[inline]
fn neg(a: Fixed) -> Result<Fixed, EvalError> {
    in_range(a.0.checked_neg().ok_or(EvalError::Overflow)?)
}

/// `abs(a)`.
#[inline]
fn abs(a: Fixed) -> Result<Fixed, EvalError> {
    in_range(a.0.checked_abs().ok_or(EvalError::Overflow)?)
}

/// `floor(a)`.
#[inline]
fn floor(a: Fixed) -> Result<Fixed, EvalError> {
    units(floor_div_rem(a.0, SCALE)?.0)
}

/// `ceil(a)`.
#[inline]
fn ceil(a: Fixed) -> Result<Fixed, EvalError> {
    let (q, r) = floor_div_rem(a.0, SCALE)?;
    units(if r == 0 {
        q
    } else {
        q.checked_add(1).ok_or(EvalError::Overflow)?
    })
}

/// `round(a)`, half away from zero.
#[inline]
fn round(a: Fixed) -> Result<Fixed, EvalError> {
    let magnitude = a.0.checked_abs().ok_or(EvalError::Overflow)?;
    let halfway = magnitude
        .checked_add(SCALE / 2)
        .ok_or(EvalError::Overflow)?;
    let q = floor_div_rem(halfway, SCALE)?.0;
    units(if a.0 < 0 { -q } else { q })
}

/// `a + b`.
#[inline]
fn add(a: Fixed, b: Fixed) -> Result<Fixed, EvalError> {
    in_range(a.0.checked_add(b.0).ok_or(EvalError::Overflow)?)
}

/// `a - b`.
#[inline]
fn sub(a: Fixed, b: Fixed) -> Result<Fixed, EvalError> {
    in_range(a.0.checked_sub(b.0).ok_or(EvalError::Overflow)?)
}

/// `a * b`, rounded toward −∞. If `a.0 * b.0` overflows `i128` the true result is far out of
/// range anyway (|a·b| > 1.7e38 / 1e9 > `LIMIT`), so the error is never spurious.
#[inline]
fn mul(a: Fixed, b: Fixed) -> Result<Fixed, EvalError> {
    let product = a.0.checked_mul(b.0).ok_or(EvalError::Overflow)?;
    in_range(floor_div_rem(product, SCALE)?.0)
}

/// `a / b`, rounded toward −∞. For in-range `a`, `a.0 * SCALE` fits an `i128`.
#[inline]
fn div(a: Fixed, b: Fixed) -> Result<Fixed, EvalError> {
    if b.0 == 0 {
        return Err(EvalError::DivisionByZero);
    }
    let n = a.0.checked_mul(SCALE).ok_or(EvalError::Overflow)?;
    in_range(floor_div_rem(n, b.0)?.0)
}

/// `a % b`, the floored remainder (the sign of `b`).
#[inline]
fn rem(a: Fixed, b: Fixed) -> Result<Fixed, EvalError> {
    if b.0 == 0 {
        return Err(EvalError::DivisionByZero);
    }
    in_range(floor_div_rem(a.0, b.0)?.1)
}

/// `clamp(x, lo, hi)` = `min(max(x, lo), hi)`.
#[inline]
fn clamp(x: Fixed, lo: Fixed, hi: Fixed) -> Fixed {
    x.max(lo).min(hi)
}

/// Why a literal is not a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NumberProblem {
    /// Not `digits[.digits]`.
    Malformed,
    /// More than [`DECIMALS`] decimals.
    TooManyDecimals,
    /// Above [`Fixed::MAX`].
    OutOfRange,
}

impl NumberProblem {
    /// The reason, for a message.
    fn reason(self) -> &'static str {
        match self {
            NumberProblem::Malformed => {
                "a number is digits, optionally followed by `.` and 1 to 9 decimals (no exponent, \
                 no unit)"
            }
            NumberProblem::TooManyDecimals => "more than 9 decimals",
            NumberProblem::OutOfRange => "out of range (the largest is 9223372036854775807)",
        }
    }
}

/// The raw value of `digits[.digits]` (1 to 9 decimals), exactly.
fn parse_magnitude(text: &str) -> Result<i128, NumberProblem> {
    let (int, frac) = match text.split_once('.') {
        Some((int, frac)) => (int, frac),
        None => (text, ""),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int) || (text.contains('.') && !all_digits(frac)) {
        return Err(NumberProblem::Malformed);
    }
    if frac.len() > DECIMALS as usize {
        return Err(NumberProblem::TooManyDecimals);
    }
    let mut whole: i128 = 0;
    for b in int.bytes() {
        whole = whole * 10 + i128::from(b - b'0');
        if whole > i128::from(i64::MAX) {
            return Err(NumberProblem::OutOfRange);
        }
    }
    let mut fraction: i128 = 0;
    for b in frac.bytes() {
        fraction = fraction * 10 + i128::from(b - b'0');
    }
    for _ in frac.len()..DECIMALS as usize {
        fraction *= 10;
    }
    let raw = whole * SCALE + fraction;
    if raw > LIMIT {
        return Err(NumberProblem::OutOfRange);
    }
    Ok(raw)
}

// ---------------------------------------------------------------------------------------------
// The machine.

/// One instruction. Jump distances count the instructions skipped after the jump itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    /// Push a constant.
    Const(Fixed),
    /// Push a variable (range-checked).
    Load(usize),
    /// `-a`.
    Neg,
    /// `!a`.
    Not,
    /// `a != 0` as 1 or 0 (the right operand of `&&`, `||`).
    Truth,
    /// `abs(a)`.
    Abs,
    /// `floor(a)`.
    Floor,
    /// `ceil(a)`.
    Ceil,
    /// `round(a)`.
    Round,
    /// `a + b`.
    Add,
    /// `a - b`.
    Sub,
    /// `a * b`.
    Mul,
    /// `a / b`.
    Div,
    /// `a % b`.
    Rem,
    /// `a < b`.
    Lt,
    /// `a <= b`.
    Le,
    /// `a > b`.
    Gt,
    /// `a >= b`.
    Ge,
    /// `a == b`.
    Eq,
    /// `a != b`.
    Ne,
    /// `min(a, b)`.
    Min,
    /// `max(a, b)`.
    Max,
    /// `clamp(x, lo, hi)`.
    Clamp,
    /// Pop; skip forward if it was 0.
    JumpIfZero(usize),
    /// Skip forward.
    Jump(usize),
    /// `&&`: if the top is 0, keep it and skip forward (past the right operand); else pop it.
    AndJump(usize),
    /// `||`: if the top is non-zero, replace it by 1 and skip forward; else pop it.
    OrJump(usize),
}

impl Op {
    /// How many values the instruction pops and pushes (on the fall-through path).
    fn effect(self) -> (usize, usize) {
        match self {
            Op::Const(_) | Op::Load(_) => (0, 1),
            Op::Neg | Op::Not | Op::Truth | Op::Abs | Op::Floor | Op::Ceil | Op::Round => (1, 1),
            Op::Add
            | Op::Sub
            | Op::Mul
            | Op::Div
            | Op::Rem
            | Op::Lt
            | Op::Le
            | Op::Gt
            | Op::Ge
            | Op::Eq
            | Op::Ne
            | Op::Min
            | Op::Max => (2, 1),
            Op::Clamp => (3, 1),
            Op::JumpIfZero(_) | Op::AndJump(_) | Op::OrJump(_) => (1, 0),
            Op::Jump(_) => (0, 0),
        }
    }

    /// The value of a pure instruction on constant operands (`args.len()` = its pops), or `None`
    /// if it is not pure or fails (the failure is then left to evaluation).
    fn fold(self, args: &[Fixed]) -> Option<Fixed> {
        let result = match (self, args) {
            (Op::Neg, &[a]) => neg(a),
            (Op::Not, &[a]) => Ok(truth(a.0 == 0)),
            (Op::Truth, &[a]) => Ok(truth(a.0 != 0)),
            (Op::Abs, &[a]) => abs(a),
            (Op::Floor, &[a]) => floor(a),
            (Op::Ceil, &[a]) => ceil(a),
            (Op::Round, &[a]) => round(a),
            (Op::Add, &[a, b]) => add(a, b),
            (Op::Sub, &[a, b]) => sub(a, b),
            (Op::Mul, &[a, b]) => mul(a, b),
            (Op::Div, &[a, b]) => div(a, b),
            (Op::Rem, &[a, b]) => rem(a, b),
            (Op::Lt, &[a, b]) => Ok(truth(a < b)),
            (Op::Le, &[a, b]) => Ok(truth(a <= b)),
            (Op::Gt, &[a, b]) => Ok(truth(a > b)),
            (Op::Ge, &[a, b]) => Ok(truth(a >= b)),
            (Op::Eq, &[a, b]) => Ok(truth(a == b)),
            (Op::Ne, &[a, b]) => Ok(truth(a != b)),
            (Op::Min, &[a, b]) => Ok(a.min(b)),
            (Op::Max, &[a, b]) => Ok(a.max(b)),
            (Op::Clamp, &[x, lo, hi]) => Ok(clamp(x, lo, hi)),
            _ => return None,
        };
        result.ok()
    }
}

/// The evaluation stack: a fixed array, every access checked (a compiled program never fails
/// these checks; if one did, the evaluation would return [`EvalError::Overflow`], not panic).
struct Stack<const N: usize> {
    /// The slots.
    slots: [Fixed; N],
    /// How many are in use.
    len: usize,
}

impl<const N: usize> Stack<N> {
    /// Pushes `v`.
    #[inline]
    fn push(&mut self, v: Fixed) -> Result<(), EvalError> {
        *self.slots.get_mut(self.len).ok_or(EvalError::Overflow)? = v;
        self.len += 1;
        Ok(())
    }

    /// Pops the top value.
    #[inline]
    fn pop(&mut self) -> Result<Fixed, EvalError> {
        self.len = self.len.checked_sub(1).ok_or(EvalError::Overflow)?;
        self.slots.get(self.len).copied().ok_or(EvalError::Overflow)
    }

    /// The top value.
    #[inline]
    fn top(&mut self) -> Result<&mut Fixed, EvalError> {
        let i = self.len.checked_sub(1).ok_or(EvalError::Overflow)?;
        self.slots.get_mut(i).ok_or(EvalError::Overflow)
    }

    /// Replaces the top `a` by `f(a)`.
    #[inline]
    fn unary(
        &mut self,
        f: impl FnOnce(Fixed) -> Result<Fixed, EvalError>,
    ) -> Result<(), EvalError> {
        let top = self.top()?;
        *top = f(*top)?;
        Ok(())
    }

    /// Replaces the top two `a, b` by `f(a, b)`.
    #[inline]
    fn binary(
        &mut self,
        f: impl FnOnce(Fixed, Fixed) -> Result<Fixed, EvalError>,
    ) -> Result<(), EvalError> {
        let b = self.pop()?;
        let top = self.top()?;
        *top = f(*top, b)?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Lexer.

/// A token kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok<'s> {
    /// A number literal.
    Num(Fixed),
    /// A name.
    Ident(&'s str),
    /// `(`.
    LParen,
    /// `)`.
    RParen,
    /// `,`.
    Comma,
    /// `+`.
    Plus,
    /// `-`.
    Minus,
    /// `*`.
    Star,
    /// `/`.
    Slash,
    /// `%`.
    Percent,
    /// `!`.
    Bang,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `==`.
    EqEq,
    /// `!=`.
    Ne,
    /// `&&`.
    AndAnd,
    /// `||`.
    OrOr,
    /// The end of the source.
    End,
}

/// A token and where it is.
#[derive(Clone, Copy, Debug)]
struct Token<'s> {
    /// What it is.
    tok: Tok<'s>,
    /// Its byte offset.
    at: usize,
    /// Its length in bytes.
    len: usize,
}

/// Splits `source` into tokens, ending with [`Tok::End`].
fn lex(source: &str) -> Result<Vec<Token<'_>>, FormulaError> {
    let bytes = source.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    while let Some(&b) = bytes.get(i) {
        let next = bytes.get(i + 1).copied();
        let start = i;
        let simple = |tok, len| Token {
            tok,
            at: start,
            len,
        };
        let token = match b {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'0'..=b'9' | b'.' if b != b'.' || next.is_some_and(|c| c.is_ascii_digit()) => {
                while bytes.get(i).is_some_and(|&c| is_word(c) || c == b'.') {
                    i += 1;
                }
                let text = source.get(start..i).unwrap_or_default();
                let invalid = |reason: &'static str| FormulaError::InvalidNumber {
                    at: start,
                    text: text.to_owned(),
                    reason,
                };
                if b == b'.' {
                    return Err(invalid(
                        "a number starts with a digit (write `0.5`, not `.5`)",
                    ));
                }
                let raw = parse_magnitude(text).map_err(|p| invalid(p.reason()))?;
                tokens.push(simple(Tok::Num(Fixed(raw)), i - start));
                continue;
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                while bytes.get(i).is_some_and(|&c| is_word(c)) {
                    i += 1;
                }
                let name = source.get(start..i).unwrap_or_default();
                tokens.push(simple(Tok::Ident(name), i - start));
                continue;
            }
            b'(' => simple(Tok::LParen, 1),
            b')' => simple(Tok::RParen, 1),
            b',' => simple(Tok::Comma, 1),
            b'+' => simple(Tok::Plus, 1),
            b'-' => simple(Tok::Minus, 1),
            b'*' => simple(Tok::Star, 1),
            b'/' => simple(Tok::Slash, 1),
            b'%' => simple(Tok::Percent, 1),
            b'<' if next == Some(b'=') => simple(Tok::Le, 2),
            b'<' => simple(Tok::Lt, 1),
            b'>' if next == Some(b'=') => simple(Tok::Ge, 2),
            b'>' => simple(Tok::Gt, 1),
            b'!' if next == Some(b'=') => simple(Tok::Ne, 2),
            b'!' => simple(Tok::Bang, 1),
            b'=' if next == Some(b'=') => simple(Tok::EqEq, 2),
            b'&' if next == Some(b'&') => simple(Tok::AndAnd, 2),
            b'|' if next == Some(b'|') => simple(Tok::OrOr, 2),
            b'=' | b'&' | b'|' => {
                let expected = match b {
                    b'=' => "`==` (`=` alone is not an operator)",
                    b'&' => "`&&` (`&` alone is not an operator)",
                    _ => "`||` (`|` alone is not an operator)",
                };
                return Err(FormulaError::Syntax {
                    at: i,
                    expected,
                    found: format!("`{}`", char::from(b)),
                });
            }
            _ => {
                let found = source
                    .get(i..)
                    .and_then(|rest| rest.chars().next())
                    .unwrap_or(char::REPLACEMENT_CHARACTER);
                return Err(FormulaError::InvalidCharacter { at: i, found });
            }
        };
        i += token.len;
        tokens.push(token);
    }
    tokens.push(Token {
        tok: Tok::End,
        at: source.len(),
        len: 0,
    });
    Ok(tokens)
}

// ---------------------------------------------------------------------------------------------
// Parser and code generator (one pass).

/// A function of the language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Func {
    /// `min(a, b, ...)`.
    Min,
    /// `max(a, b, ...)`.
    Max,
    /// `abs(x)`.
    Abs,
    /// `floor(x)`.
    Floor,
    /// `ceil(x)`.
    Ceil,
    /// `round(x)`.
    Round,
    /// `clamp(x, lo, hi)`.
    Clamp,
    /// `if(cond, then, else)`.
    If,
}

impl Func {
    /// The function named `name`.
    fn lookup(name: &str) -> Option<Func> {
        Some(match name {
            "min" => Func::Min,
            "max" => Func::Max,
            "abs" => Func::Abs,
            "floor" => Func::Floor,
            "ceil" => Func::Ceil,
            "round" => Func::Round,
            "clamp" => Func::Clamp,
            "if" => Func::If,
            _ => return None,
        })
    }

    /// Its name.
    fn name(self) -> &'static str {
        match self {
            Func::Min => "min",
            Func::Max => "max",
            Func::Abs => "abs",
            Func::Floor => "floor",
            Func::Ceil => "ceil",
            Func::Round => "round",
            Func::Clamp => "clamp",
            Func::If => "if",
        }
    }

    /// How many arguments it takes, for a message.
    fn arity(self) -> &'static str {
        match self {
            Func::Min | Func::Max => "at least 2 arguments",
            Func::Abs | Func::Floor | Func::Ceil | Func::Round => "exactly 1 argument",
            Func::Clamp | Func::If => "exactly 3 arguments",
        }
    }
}

/// What a binary operator token compiles to.
#[derive(Clone, Copy)]
enum Binary {
    /// A strict instruction.
    Op(Op),
    /// `&&`.
    And,
    /// `||`.
    Or,
}

/// The precedence (higher binds tighter) and meaning of a binary operator token.
fn binary(tok: Tok<'_>) -> Option<(u8, Binary)> {
    Some(match tok {
        Tok::OrOr => (1, Binary::Or),
        Tok::AndAnd => (2, Binary::And),
        Tok::EqEq => (3, Binary::Op(Op::Eq)),
        Tok::Ne => (3, Binary::Op(Op::Ne)),
        Tok::Lt => (4, Binary::Op(Op::Lt)),
        Tok::Le => (4, Binary::Op(Op::Le)),
        Tok::Gt => (4, Binary::Op(Op::Gt)),
        Tok::Ge => (4, Binary::Op(Op::Ge)),
        Tok::Plus => (5, Binary::Op(Op::Add)),
        Tok::Minus => (5, Binary::Op(Op::Sub)),
        Tok::Star => (6, Binary::Op(Op::Mul)),
        Tok::Slash => (6, Binary::Op(Op::Div)),
        Tok::Percent => (6, Binary::Op(Op::Rem)),
        _ => return None,
    })
}

/// The expectation after an operator.
const OPERAND: &str = "a number, a variable, a function call, `(`, `-` or `!`";

/// A recursive-descent (precedence-climbing) parser emitting stack-machine code as it goes.
struct Compiler<'s, 'v> {
    /// The source.
    source: &'s str,
    /// Its tokens, ending with [`Tok::End`].
    tokens: Vec<Token<'s>>,
    /// The next token.
    pos: usize,
    /// The variables' names.
    variables: &'v [&'v str],
    /// The code so far.
    code: Vec<Op>,
    /// The stack depth after the code so far (on its fall-through path).
    depth: usize,
    /// The deepest the stack gets.
    max_depth: usize,
    /// The first instruction constant folding may remove: everything before it may be a jump
    /// target or a jump.
    barrier: usize,
}

impl<'s> Compiler<'s, '_> {
    /// The next token.
    fn peek(&self) -> Token<'s> {
        self.peek_at(0)
    }

    /// The token `ahead` places after the next one (or the end).
    fn peek_at(&self, ahead: usize) -> Token<'s> {
        self.tokens
            .get(self.pos + ahead)
            .or(self.tokens.last())
            .copied()
            .unwrap_or(Token {
                tok: Tok::End,
                at: self.source.len(),
                len: 0,
            })
    }

    /// Consumes the next token.
    fn advance(&mut self) {
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
    }

    /// A syntax error at `token`.
    fn syntax(&self, token: Token<'_>, expected: &'static str) -> FormulaError {
        let found = match token.tok {
            Tok::End => "the end of the formula".to_owned(),
            _ => {
                let text = self
                    .source
                    .get(token.at..token.at + token.len)
                    .unwrap_or_default();
                format!("`{text}`")
            }
        };
        FormulaError::Syntax {
            at: token.at,
            expected,
            found,
        }
    }

    /// Consumes `tok` or fails with "expected `expected`".
    fn expect(&mut self, tok: Tok<'_>, expected: &'static str) -> Result<(), FormulaError> {
        let token = self.peek();
        if token.tok == tok {
            self.advance();
            Ok(())
        } else {
            Err(self.syntax(token, expected))
        }
    }

    /// One nesting level deeper, opened at byte `at`.
    fn enter(nest: usize, at: usize) -> Result<usize, FormulaError> {
        if nest >= MAX_DEPTH {
            Err(FormulaError::TooDeep { at })
        } else {
            Ok(nest + 1)
        }
    }

    /// Appends `op`, folding it into a constant when its operands are constants.
    fn emit(&mut self, op: Op) -> Result<(), FormulaError> {
        let (pops, pushes) = op.effect();
        if pushes == 1 && pops > 0 && self.code.len() >= self.barrier + pops {
            let start = self.code.len() - pops;
            let mut args = [Fixed::ZERO; 3];
            let consts = self.code.get(start..).unwrap_or_default();
            let all_const = consts.len() == pops
                && args.len() >= pops
                && consts.iter().zip(args.iter_mut()).all(|(c, slot)| match c {
                    Op::Const(v) => {
                        *slot = *v;
                        true
                    }
                    _ => false,
                });
            if all_const && let Some(v) = op.fold(args.get(..pops).unwrap_or_default()) {
                self.code.truncate(start);
                self.code.push(Op::Const(v));
                self.depth = self.depth.saturating_sub(pops) + 1;
                return Ok(());
            }
        }
        if self.code.len() >= MAX_INSTRUCTIONS {
            return Err(FormulaError::TooManyInstructions);
        }
        self.code.push(op);
        self.depth = self.depth.saturating_sub(pops) + pushes;
        self.max_depth = self.max_depth.max(self.depth);
        if self.depth > MAX_STACK {
            return Err(FormulaError::StackTooDeep);
        }
        Ok(())
    }

    /// Appends a jump to be patched; returns its index.
    fn emit_jump(&mut self, op: Op) -> Result<usize, FormulaError> {
        self.emit(op)?;
        Ok(self.code.len() - 1)
    }

    /// Points the jump at `index` to the next instruction, which becomes a jump target.
    fn patch(&mut self, index: usize) {
        let target = self.code.len();
        let skip = target.saturating_sub(index + 1);
        if let Some(op) = self.code.get_mut(index) {
            *op = match *op {
                Op::JumpIfZero(_) => Op::JumpIfZero(skip),
                Op::Jump(_) => Op::Jump(skip),
                Op::AndJump(_) => Op::AndJump(skip),
                Op::OrJump(_) => Op::OrJump(skip),
                other => other,
            };
        }
        self.barrier = target;
    }

    /// An expression whose binary operators bind at least as tightly as `min_prec`.
    fn expression(&mut self, min_prec: u8, nest: usize) -> Result<(), FormulaError> {
        self.unary(nest)?;
        while let Some((prec, kind)) = binary(self.peek().tok) {
            if prec < min_prec {
                break;
            }
            self.advance();
            match kind {
                Binary::Op(op) => {
                    self.expression(prec + 1, nest)?;
                    self.emit(op)?;
                }
                Binary::And | Binary::Or => {
                    let jump = self.emit_jump(match kind {
                        Binary::And => Op::AndJump(0),
                        _ => Op::OrJump(0),
                    })?;
                    self.expression(prec + 1, nest)?;
                    self.emit(Op::Truth)?;
                    self.patch(jump);
                }
            }
        }
        Ok(())
    }

    /// A unary expression: `-x`, `!x`, or a primary.
    fn unary(&mut self, nest: usize) -> Result<(), FormulaError> {
        let token = self.peek();
        let op = match token.tok {
            Tok::Minus => Op::Neg,
            Tok::Bang => Op::Not,
            _ => return self.primary(nest),
        };
        let nest = Self::enter(nest, token.at)?;
        self.advance();
        self.unary(nest)?;
        self.emit(op)
    }

    /// A number, a variable, a call or a parenthesised expression.
    fn primary(&mut self, nest: usize) -> Result<(), FormulaError> {
        let token = self.peek();
        match token.tok {
            Tok::Num(v) => {
                self.advance();
                self.emit(Op::Const(v))
            }
            Tok::Ident(name) => {
                if self.peek_at(1).tok == Tok::LParen {
                    return self.call(name, token.at, nest);
                }
                if let Some(index) = self.variables.iter().position(|v| *v == name) {
                    self.advance();
                    return self.emit(Op::Load(index));
                }
                if Func::lookup(name).is_some() {
                    return Err(self.syntax(self.peek_at(1), "`(` after a function name"));
                }
                Err(FormulaError::UnknownVariable {
                    at: token.at,
                    name: name.to_owned(),
                    known: self.variables.iter().map(|v| (*v).to_owned()).collect(),
                })
            }
            Tok::LParen => {
                let nest = Self::enter(nest, token.at)?;
                self.advance();
                self.expression(0, nest)?;
                self.expect(Tok::RParen, "`)` or an operator")
            }
            _ => Err(self.syntax(token, OPERAND)),
        }
    }

    /// After argument number `count` of `func` (called at `at`): consumes a `,`, or fails with an
    /// arity error at `)` or a syntax error.
    fn next_argument(&mut self, func: Func, at: usize, count: usize) -> Result<(), FormulaError> {
        let token = self.peek();
        match token.tok {
            Tok::Comma => {
                self.advance();
                Ok(())
            }
            Tok::RParen => Err(FormulaError::Arity {
                at,
                name: func.name(),
                expected: func.arity(),
                found: count,
            }),
            _ => Err(self.syntax(token, "`,`, `)` or an operator")),
        }
    }

    /// Parses `, arg` repeatedly; returns how many.
    fn more_arguments(&mut self, nest: usize) -> Result<usize, FormulaError> {
        let mut count = 0;
        while self.peek().tok == Tok::Comma {
            self.advance();
            self.expression(0, nest)?;
            count += 1;
        }
        Ok(count)
    }

    /// A call of `name` at byte `at` (the next tokens are the name and `(`).
    fn call(&mut self, name: &str, at: usize, nest: usize) -> Result<(), FormulaError> {
        let func = Func::lookup(name).ok_or_else(|| FormulaError::UnknownFunction {
            at,
            name: name.to_owned(),
        })?;
        let nest = Self::enter(nest, at)?;
        self.advance();
        self.advance();
        let arity = |found| FormulaError::Arity {
            at,
            name: func.name(),
            expected: func.arity(),
            found,
        };
        if self.peek().tok == Tok::RParen {
            return Err(arity(0));
        }
        self.expression(0, nest)?;
        match func {
            Func::If => {
                self.next_argument(func, at, 1)?;
                let to_else = self.emit_jump(Op::JumpIfZero(0))?;
                let depth = self.depth;
                self.expression(0, nest)?;
                self.next_argument(func, at, 2)?;
                let to_end = self.emit_jump(Op::Jump(0))?;
                self.patch(to_else);
                self.depth = depth;
                self.expression(0, nest)?;
                let extra = self.more_arguments(nest)?;
                self.expect(Tok::RParen, "`,`, `)` or an operator")?;
                if extra > 0 {
                    return Err(arity(3 + extra));
                }
                self.patch(to_end);
            }
            Func::Min | Func::Max => {
                let op = if func == Func::Min { Op::Min } else { Op::Max };
                let mut count = 1;
                while self.peek().tok == Tok::Comma {
                    self.advance();
                    self.expression(0, nest)?;
                    self.emit(op)?;
                    count += 1;
                }
                self.expect(Tok::RParen, "`,`, `)` or an operator")?;
                if count < 2 {
                    return Err(arity(count));
                }
            }
            Func::Abs | Func::Floor | Func::Ceil | Func::Round | Func::Clamp => {
                let (wanted, op) = match func {
                    Func::Abs => (1, Op::Abs),
                    Func::Floor => (1, Op::Floor),
                    Func::Ceil => (1, Op::Ceil),
                    Func::Round => (1, Op::Round),
                    _ => (3, Op::Clamp),
                };
                let count = 1 + self.more_arguments(nest)?;
                self.expect(Tok::RParen, "`,`, `)` or an operator")?;
                if count != wanted {
                    return Err(arity(count));
                }
                self.emit(op)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const VARS: &[&str] = &["win", "bet", "x"];

    fn int(v: i64) -> Fixed {
        Fixed::from_int(v)
    }

    fn num(text: &str) -> Fixed {
        Fixed::parse(text).expect("a number")
    }

    /// Evaluates `source` over `win, bet, x`.
    fn run(source: &str, values: &[Fixed]) -> Result<Fixed, EvalError> {
        Formula::compile(source, VARS)
            .unwrap_or_else(|e| panic!("{source}: {e}"))
            .eval(values)
    }

    /// The value of a constant formula, as a string.
    fn show(source: &str) -> String {
        match run(source, &[]) {
            Ok(v) => v.to_string(),
            Err(e) => format!("{e:?}"),
        }
    }

    fn compile_err(source: &str) -> FormulaError {
        Formula::compile(source, VARS).expect_err(source)
    }

    /// Checks a program's structure by abstract interpretation: forward jumps that land inside
    /// the program (or at its end), consistent stack depths on every path, no underflow, at most
    /// `MAX_STACK` slots, exactly one value at the end.
    fn check_program(formula: &Formula) {
        let code = &*formula.code;
        assert!(code.len() <= MAX_INSTRUCTIONS);
        assert!(formula.stack <= MAX_STACK);
        let mut deepest = 0;
        let mut depth_at: Vec<Option<usize>> = vec![None; code.len() + 1];
        depth_at[0] = Some(0);
        let mut reachable_fallthrough = true;
        for (pc, op) in code.iter().enumerate() {
            let Some(depth) = depth_at[pc] else {
                assert!(!reachable_fallthrough, "unreachable instruction {pc}");
                continue;
            };
            let (pops, pushes) = op.effect();
            assert!(depth >= pops, "stack underflow at {pc} in {code:?}");
            let after = depth - pops + pushes;
            deepest = deepest.max(after);
            assert!(after <= formula.stack, "more slots than computed: {code:?}");
            let mut flow = |target: usize, d: usize| {
                assert!(target > pc && target <= code.len(), "bad jump at {pc}");
                match depth_at[target] {
                    None => depth_at[target] = Some(d),
                    Some(seen) => assert_eq!(seen, d, "inconsistent depth at {target}"),
                }
            };
            match *op {
                Op::Jump(skip) => {
                    flow(pc + 1 + skip, depth);
                    reachable_fallthrough = false;
                    continue;
                }
                Op::JumpIfZero(skip) => flow(pc + 1 + skip, depth - 1),
                Op::AndJump(skip) | Op::OrJump(skip) => flow(pc + 1 + skip, depth),
                _ => {}
            }
            flow(pc + 1, after);
            reachable_fallthrough = true;
        }
        assert_eq!(
            depth_at[code.len()],
            Some(1),
            "one value at the end: {code:?}"
        );
        assert!(deepest <= formula.stack);
    }

    // --- The brief's examples -----------------------------------------------------------------

    #[test]
    fn the_briefs_formula() {
        let f = Formula::compile("min(win / bet, 50) * 100", &["win", "bet"]).unwrap();
        assert_eq!(f.eval(&[int(500), int(100)]), Ok(int(500)));
        assert_eq!(f.eval(&[int(0), int(100)]), Ok(int(0)));
        assert_eq!(f.eval(&[int(10_000), int(50)]), Ok(int(5000)));
        assert_eq!(f.eval(&[int(500), int(0)]), Err(EvalError::DivisionByZero));
        assert_eq!(f.eval(&[int(500)]), Err(EvalError::DivisionByZero));
        assert_eq!(f.eval(&[int(1), int(3)]), Ok(num("33.3333333")));
        assert_eq!(f.source(), "min(win / bet, 50) * 100");
    }

    #[test]
    fn if_is_lazy() {
        let f = Formula::compile("if(bet > 0, win / bet, 0)", &["win", "bet"]).unwrap();
        assert_eq!(f.eval(&[int(500), int(0)]), Ok(int(0)));
        assert_eq!(f.eval(&[int(500), int(100)]), Ok(int(5)));
        assert_eq!(show("if(0, 1 / 0, 2)"), "2");
        assert_eq!(show("if(1, 2, 1 / 0)"), "2");
        assert_eq!(show("if(0.5, 7, 8)"), "7");
        assert_eq!(show("if(-1, 7, 8)"), "7");
        assert_eq!(show("if(1, if(0, 1, 2), 3) + 10"), "12");
        assert_eq!(show("if(0, 1, if(0, 2, 3)) * 2"), "6");
        assert_eq!(show("1 + if(0, 1, 2) + 3"), "6");
    }

    // --- Operators ----------------------------------------------------------------------------

    #[test]
    fn precedence_and_associativity() {
        assert_eq!(show("1 + 2 * 3"), "7");
        assert_eq!(show("(1 + 2) * 3"), "9");
        assert_eq!(show("10 - 4 - 3"), "3");
        assert_eq!(show("10 - (4 - 3)"), "9");
        assert_eq!(show("100 / 10 / 5"), "2");
        assert_eq!(show("2 * 3 % 4"), "2");
        assert_eq!(show("2 * (3 % 4)"), "6");
        assert_eq!(show("-2 * 3"), "-6");
        assert_eq!(show("- - 3"), "3");
        assert_eq!(show("2 - -3"), "5");
        assert_eq!(show("!0 + 1"), "2");
        assert_eq!(show("!(0 + 1)"), "0");
        assert_eq!(show("1 + 2 < 4"), "1");
        assert_eq!(show("1 + 2 < 3"), "0");
        assert_eq!(show("3 > 2 > 1"), "0");
        assert_eq!(show("1 < 2 == 2 < 3"), "1");
        assert_eq!(show("1 || 0 && 0"), "1");
        assert_eq!(show("(1 || 0) && 0"), "0");
        assert_eq!(show("0 && 1 || 1"), "1");
        assert_eq!(show("1 == 1 && 2 != 3"), "1");
        assert_eq!(show("1 + 1 == 2"), "1");
        assert_eq!(show(" \t1\n+\r\n2 "), "3");
    }

    #[test]
    fn multiplication_and_division_round_toward_minus_infinity() {
        assert_eq!(show("-7 / 2"), "-3.5");
        assert_eq!(show("7 / -2"), "-3.5");
        assert_eq!(show("1 / 3"), "0.333333333");
        assert_eq!(show("-1 / 3"), "-0.333333334");
        assert_eq!(show("1 / -3"), "-0.333333334");
        assert_eq!(show("-1 / -3"), "0.333333333");
        assert_eq!(show("2 / 3"), "0.666666666");
        assert_eq!(show("-(1 / 3)"), "-0.333333333");
        assert_eq!(show("0.000000001 * 0.5"), "0");
        assert_eq!(show("-0.000000001 * 0.5"), "-0.000000001");
        assert_eq!(show("0.000000003 * -0.5"), "-0.000000002");
        assert_eq!(show("1.5 * 1.5"), "2.25");
        assert_eq!(show("-1.5 * 1.5"), "-2.25");
        assert_eq!(show("1 / 0.000000001"), "1000000000");
        assert_eq!(show("0.000000001 / 2"), "0");
        assert_eq!(show("-0.000000001 / 2"), "-0.000000001");
        assert_eq!(show("1 / 0"), "DivisionByZero");
        assert_eq!(show("0 / 0"), "DivisionByZero");
    }

    #[test]
    fn remainder_is_floored() {
        assert_eq!(show("7 % 3"), "1");
        assert_eq!(show("-7 % 3"), "2");
        assert_eq!(show("7 % -3"), "-2");
        assert_eq!(show("-7 % -3"), "-1");
        assert_eq!(show("6 % 3"), "0");
        assert_eq!(show("-6 % 3"), "0");
        assert_eq!(show("5.5 % 2"), "1.5");
        assert_eq!(show("-5.5 % 2"), "0.5");
        assert_eq!(show("1 % 0.3"), "0.1");
        assert_eq!(show("7 % 0"), "DivisionByZero");
        let f = Formula::compile("win % bet", VARS).unwrap();
        assert_eq!(f.eval(&[int(5), int(0)]), Err(EvalError::DivisionByZero));
    }

    #[test]
    fn comparisons() {
        for (source, want) in [
            ("1 < 2", "1"),
            ("2 < 1", "0"),
            ("1 < 1", "0"),
            ("1 <= 1", "1"),
            ("1.000000001 <= 1", "0"),
            ("2 > 1", "1"),
            ("1 > 1", "0"),
            ("1 >= 1", "1"),
            ("0.999999999 >= 1", "0"),
            ("-1 < 0", "1"),
            ("0.5 == 0.50", "1"),
            ("0.5 == 0.500000001", "0"),
            ("0.5 != 0.500000001", "1"),
            ("3 != 3", "0"),
            ("1 / 3 * 3 == 1", "0"),
        ] {
            assert_eq!(show(source), want, "{source}");
        }
        let f = Formula::compile("win >= bet * 2", VARS).unwrap();
        assert_eq!(f.eval(&[int(200), int(100)]), Ok(int(1)));
        assert_eq!(f.eval(&[int(199), int(100)]), Ok(int(0)));
    }

    #[test]
    fn logic_short_circuits_and_yields_zero_or_one() {
        assert_eq!(show("2 && 3"), "1");
        assert_eq!(show("0.5 && -1"), "1");
        assert_eq!(show("2 && 0"), "0");
        assert_eq!(show("0 && 2"), "0");
        assert_eq!(show("0 || 5"), "1");
        assert_eq!(show("5 || 0"), "1");
        assert_eq!(show("0 || 0"), "0");
        assert_eq!(show("!5"), "0");
        assert_eq!(show("!0"), "1");
        assert_eq!(show("!!7"), "1");
        assert_eq!(show("0 && 1 / 0"), "0");
        assert_eq!(show("1 || 1 / 0"), "1");
        assert_eq!(show("1 && 1 / 0"), "DivisionByZero");
        assert_eq!(show("0 || 1 / 0"), "DivisionByZero");
        assert_eq!(show("(0 && 1 / 0) + 5"), "5");
        assert_eq!(show("(1 || 1 / 0) + 5"), "6");
        let f = Formula::compile("bet != 0 && win / bet > 1", VARS).unwrap();
        assert_eq!(f.eval(&[int(5), int(0)]), Ok(int(0)));
        assert_eq!(f.eval(&[int(5), int(2)]), Ok(int(1)));
        assert_eq!(f.eval(&[int(1), int(2)]), Ok(int(0)));
        let f = Formula::compile("bet == 0 || win / bet > 1", VARS).unwrap();
        assert_eq!(f.eval(&[int(5), int(0)]), Ok(int(1)));
        assert_eq!(f.eval(&[int(1), int(2)]), Ok(int(0)));
        let f = Formula::compile("win && bet || x", VARS).unwrap();
        for (w, b, x, want) in [(0, 0, 0, 0), (1, 0, 0, 0), (1, 1, 0, 1), (0, 1, 3, 1)] {
            assert_eq!(f.eval(&[int(w), int(b), int(x)]), Ok(int(want)));
        }
    }

    #[test]
    fn rounding_functions() {
        for (source, want) in [
            ("floor(1.5)", "1"),
            ("floor(-1.5)", "-2"),
            ("floor(-2)", "-2"),
            ("floor(-0.000000001)", "-1"),
            ("ceil(1.5)", "2"),
            ("ceil(-1.5)", "-1"),
            ("ceil(1.000000001)", "2"),
            ("ceil(-2)", "-2"),
            ("round(1.5)", "2"),
            ("round(2.5)", "3"),
            ("round(1.4999999999)", "invalid"),
            ("round(1.499999999)", "1"),
            ("round(-1.5)", "-2"),
            ("round(-2.5)", "-3"),
            ("round(-1.4)", "-1"),
            ("round(-0.5)", "-1"),
            ("round(0.4)", "0"),
            ("abs(-3.25)", "3.25"),
            ("abs(3)", "3"),
            ("clamp(5, 0, 3)", "3"),
            ("clamp(-1, 0, 3)", "0"),
            ("clamp(2, 0, 3)", "2"),
            ("clamp(2, 5, 3)", "3"),
            ("min(3, 1, 2)", "1"),
            ("max(3, 1, 2, 7.5, -1)", "7.5"),
            ("min(-1, -2)", "-2"),
        ] {
            if want == "invalid" {
                assert!(matches!(
                    compile_err(source),
                    FormulaError::InvalidNumber { .. }
                ));
            } else {
                assert_eq!(show(source), want, "{source}");
            }
        }
        let f = Formula::compile("round(win / 3)", VARS).unwrap();
        assert_eq!(f.eval(&[int(-5)]), Ok(int(-2)));
        assert_eq!(f.eval(&[int(-4)]), Ok(int(-1)));
        assert_eq!(f.eval(&[num("-4.5")]), Ok(int(-2)));
        let f = Formula::compile("floor(x) + ceil(x)", VARS).unwrap();
        assert_eq!(
            f.eval(&[int(0), int(0), Fixed::MAX]),
            Err(EvalError::Overflow)
        );
        assert_eq!(f.eval(&[int(0), int(0), num("-2.5")]), Ok(int(-5)));
        let f = Formula::compile("floor(x) - ceil(x)", VARS).unwrap();
        assert_eq!(
            f.eval(&[int(0), int(0), num("-9223372036854775806.5")]),
            Ok(int(-1))
        );
    }

    #[test]
    fn variables_and_missing_values() {
        let f = Formula::compile("win + 2 * bet - x", VARS).unwrap();
        assert_eq!(f.eval(&[int(1), int(2), int(3)]), Ok(int(2)));
        assert_eq!(f.eval(&[int(1), int(2)]), Ok(int(5)));
        assert_eq!(f.eval(&[int(1)]), Ok(int(1)));
        assert_eq!(f.eval(&[]), Ok(int(0)));
        assert_eq!(f.eval(&[int(1), int(2), int(3), int(4)]), Ok(int(2)));
        let g = Formula::compile("min(win / bet, 50)", VARS).unwrap();
        assert!(g.uses(0) && g.uses(1) && !g.uses(2) && !g.uses(99));
        let h = Formula::compile("if(1, 2, x)", VARS).unwrap();
        assert!(h.uses(2) && !h.uses(0));
        let dup = Formula::compile("a", &["a", "a"]).unwrap();
        assert!(dup.uses(0) && !dup.uses(1));
        // A variable named like a function is a variable without parentheses.
        let min = Formula::compile("min(min, 3)", &["min"]).unwrap();
        assert_eq!(min.eval(&[int(5)]), Ok(int(3)));
    }

    #[test]
    fn constants_are_folded_but_failures_are_deferred() {
        let f = Formula::compile("win * (2 * 50 + 1)", VARS).unwrap();
        assert_eq!(
            &*f.code,
            &[Op::Load(0), Op::Const(int(101)), Op::Mul],
            "folded"
        );
        assert_eq!(
            &*Formula::compile("-3", VARS).unwrap().code,
            &[Op::Const(int(-3))]
        );
        assert_eq!(
            &*Formula::compile("min(1, 2, 3) + max(4, 5)", VARS)
                .unwrap()
                .code,
            &[Op::Const(int(6))]
        );
        assert_eq!(show("1 / 0 * 0"), "DivisionByZero");
        assert_eq!(show("9223372036854775807 + 1 - 1"), "Overflow");
        assert_eq!(show("9223372036854775807 * 2 / 2"), "Overflow");
        assert_eq!(show("if(0, 9223372036854775807 + 1, 7)"), "7");
        for source in ["if(1, 2, 3) + 4", "(1 && 2) * 3", "(0 || 0) - 1"] {
            check_program(&Formula::compile(source, VARS).unwrap());
        }
        assert_eq!(show("if(1, 2, 3) + 4"), "6");
        assert_eq!(show("(1 && 2) * 3"), "3");
        assert_eq!(show("(0 || 0) - 1"), "-1");
    }

    // --- Range and overflow -------------------------------------------------------------------

    #[test]
    fn overflow_is_an_error_never_a_wrong_number() {
        let cube = Formula::compile("win * win * win", VARS).unwrap();
        assert_eq!(
            cube.eval(&[int(2_000_000)]),
            Ok(int(8_000_000_000_000_000_000))
        );
        assert_eq!(
            cube.eval(&[int(-2_000_000)]),
            Ok(int(-8_000_000_000_000_000_000))
        );
        assert_eq!(cube.eval(&[int(3_000_000)]), Err(EvalError::Overflow));
        assert_eq!(cube.eval(&[int(10_000_000_000)]), Err(EvalError::Overflow));
        assert_eq!(cube.eval(&[int(i64::MAX)]), Err(EvalError::Overflow));
        assert_eq!(cube.eval(&[int(-3_000_000_000)]), Err(EvalError::Overflow));
        let sum = Formula::compile("win + bet", VARS).unwrap();
        assert_eq!(sum.eval(&[Fixed::MAX, int(0)]), Ok(Fixed::MAX));
        assert_eq!(sum.eval(&[Fixed::MAX, Fixed(1)]), Err(EvalError::Overflow));
        assert_eq!(sum.eval(&[Fixed::MIN, Fixed(-1)]), Err(EvalError::Overflow));
        assert_eq!(sum.eval(&[Fixed::MAX, Fixed::MIN]), Ok(int(0)));
        let id = Formula::compile("win", VARS).unwrap();
        assert_eq!(id.eval(&[Fixed(LIMIT + 1)]), Err(EvalError::Overflow));
        assert_eq!(id.eval(&[Fixed(i128::MIN)]), Err(EvalError::Overflow));
        assert_eq!(id.eval(&[int(i64::MIN)]), Err(EvalError::Overflow));
        assert_eq!(id.eval(&[int(i64::MIN + 1)]), Ok(int(i64::MIN + 1)));
        // Unused out-of-range values are not read.
        assert_eq!(id.eval(&[int(1), Fixed(i128::MAX)]), Ok(int(1)));
        let quotient = Formula::compile("win / bet", VARS).unwrap();
        assert_eq!(
            quotient.eval(&[Fixed::MAX, num("0.5")]),
            Err(EvalError::Overflow)
        );
        assert_eq!(quotient.eval(&[Fixed::MAX, int(-1)]), Ok(Fixed::MIN));
        assert_eq!(
            quotient.eval(&[Fixed::MAX, Fixed(1)]),
            Err(EvalError::Overflow)
        );
        assert_eq!(show("-9223372036854775807 - 1"), "Overflow");
        assert_eq!(show("abs(-9223372036854775807)"), "9223372036854775807");
        assert_eq!(show("round(9223372036854775806.5)"), "9223372036854775807");
        assert_eq!(show("ceil(9223372036854775806.1)"), "9223372036854775807");
        assert_eq!(show("9223372036854775807 % -2"), "-1");
    }

    // --- Compile errors -----------------------------------------------------------------------

    #[test]
    fn unknown_names_are_named() {
        let e = Formula::compile("wins * 2", &["win", "bet"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown variable `wins` (known: win, bet) at byte 0"
        );
        let e = Formula::compile("x", &[]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown variable `x` (known: none) at byte 0"
        );
        let e = compile_err("1 + Win");
        assert!(e.to_string().contains("unknown variable `Win`"), "{e}");
        let e = compile_err("sqrt(win)");
        assert_eq!(
            e,
            FormulaError::UnknownFunction {
                at: 0,
                name: "sqrt".into()
            }
        );
        assert!(e.to_string().contains("unknown function `sqrt`"), "{e}");
        assert!(e.to_string().contains("min, max, abs"), "{e}");
        let e = compile_err("2 * win(3)");
        assert!(
            e.to_string().contains("unknown function `win` (known: "),
            "{e}"
        );
        let e = compile_err("min + 1");
        assert_eq!(
            e.to_string(),
            "syntax error at byte 4: expected `(` after a function name, found `+`"
        );
    }

    #[test]
    fn syntax_errors_have_positions() {
        let syntax_at = |source: &str| match compile_err(source) {
            FormulaError::Syntax { at, .. } => at,
            other => panic!("{source}: {other:?}"),
        };
        assert_eq!(syntax_at("win +"), 5);
        assert_eq!(syntax_at("win + * 2"), 6);
        assert_eq!(syntax_at("(win"), 4);
        assert_eq!(syntax_at("win bet"), 4);
        assert_eq!(syntax_at("win)"), 3);
        assert_eq!(syntax_at("()"), 1);
        assert_eq!(syntax_at("min(1,)"), 6);
        assert_eq!(syntax_at("min(1 2)"), 6);
        assert_eq!(syntax_at("win = bet"), 4);
        assert_eq!(syntax_at("win & bet"), 4);
        assert_eq!(syntax_at("win | bet"), 4);
        assert_eq!(syntax_at("if(1, 2, 3"), 10);
        assert_eq!(
            compile_err("win +").to_string(),
            "syntax error at byte 5: expected a number, a variable, a function call, `(`, `-` or \
             `!`, found the end of the formula"
        );
        assert_eq!(
            compile_err("(win").to_string(),
            "syntax error at byte 4: expected `)` or an operator, found the end of the formula"
        );
        assert_eq!(
            compile_err("win bet").to_string(),
            "syntax error at byte 4: expected an operator or the end of the formula, found `bet`"
        );
        assert_eq!(
            compile_err("1 + #").to_string(),
            "invalid character `#` at byte 4"
        );
        assert_eq!(
            compile_err("win.bet"),
            FormulaError::InvalidCharacter { at: 3, found: '.' }
        );
        assert_eq!(
            compile_err("1 + é"),
            FormulaError::InvalidCharacter { at: 4, found: 'é' }
        );
        assert_eq!(
            compile_err("é + 1"),
            FormulaError::InvalidCharacter { at: 0, found: 'é' }
        );
    }

    #[test]
    fn number_errors() {
        let number = |source: &str| match compile_err(source) {
            FormulaError::InvalidNumber { at, text, reason } => (at, text, reason),
            other => panic!("{source}: {other:?}"),
        };
        assert_eq!(number("2 * 1.").1, "1.");
        assert_eq!(number("2 * 1.").0, 4);
        assert_eq!(number("1.0000000001").2, "more than 9 decimals");
        assert_eq!(number("1e5").1, "1e5");
        assert_eq!(number("2x").1, "2x");
        assert_eq!(number("1.2.3").1, "1.2.3");
        assert!(number(".5").2.contains("0.5"));
        assert!(number("9223372036854775808").2.contains("out of range"));
        assert!(number("9223372036854775807.1").2.contains("out of range"));
        assert!(
            number("99999999999999999999999999999999999999999999")
                .2
                .contains("out of range")
        );
        assert_eq!(show("9223372036854775807"), "9223372036854775807");
        assert_eq!(
            show("9223372036854775806.999999999"),
            "9223372036854775806.999999999"
        );
        assert_eq!(show("0.123456789"), "0.123456789");
        assert_eq!(show("007.50"), "7.5");
        assert_eq!(
            compile_err("1e5").to_string(),
            "invalid number `1e5` at byte 0: a number is digits, optionally followed by `.` and 1 \
             to 9 decimals (no exponent, no unit)"
        );
    }

    #[test]
    fn arity_errors() {
        let arity = |source: &str| match compile_err(source) {
            FormulaError::Arity { name, found, .. } => (name, found),
            other => panic!("{source}: {other:?}"),
        };
        assert_eq!(arity("abs(1, 2)"), ("abs", 2));
        assert_eq!(arity("abs()"), ("abs", 0));
        assert_eq!(arity("floor(1, 2, 3)"), ("floor", 3));
        assert_eq!(arity("clamp(1, 2)"), ("clamp", 2));
        assert_eq!(arity("clamp(1, 2, 3, 4)"), ("clamp", 4));
        assert_eq!(arity("min(1)"), ("min", 1));
        assert_eq!(arity("max()"), ("max", 0));
        assert_eq!(arity("if(1)"), ("if", 1));
        assert_eq!(arity("if(1, 2)"), ("if", 2));
        assert_eq!(arity("if(1, 2, 3, 4, 5)"), ("if", 5));
        assert_eq!(
            compile_err("1 + clamp(win, 2)").to_string(),
            "`clamp` at byte 4 takes exactly 3 arguments, got 2"
        );
        assert_eq!(
            compile_err("min(win)").to_string(),
            "`min` at byte 0 takes at least 2 arguments, got 1"
        );
    }

    #[test]
    fn limits() {
        assert_eq!(compile_err(""), FormulaError::Empty);
        assert_eq!(compile_err(" \n\t "), FormulaError::Empty);
        assert_eq!(compile_err("").to_string(), "the formula is empty");
        // Length: 1024 bytes compile, 1025 do not.
        let ok = format!("{}1", " ".repeat(MAX_SOURCE_LEN - 1));
        assert_eq!(show(&ok), "1");
        let long = format!("{}1", " ".repeat(MAX_SOURCE_LEN));
        assert_eq!(compile_err(&long), FormulaError::TooLong { len: 1025 });
        assert_eq!(
            compile_err(&long).to_string(),
            "the formula is 1025 bytes long; at most 1024 bytes are allowed"
        );
        // Depth: 32 nested levels compile, 33 do not.
        let nested = |n: usize| format!("{}win{}", "(".repeat(n), ")".repeat(n));
        assert!(Formula::compile(&nested(32), VARS).is_ok());
        assert_eq!(compile_err(&nested(33)), FormulaError::TooDeep { at: 32 });
        assert!(
            compile_err(&nested(33))
                .to_string()
                .contains("too deeply at byte 32")
        );
        assert_eq!(
            compile_err(&format!("{}1", "-".repeat(33))),
            FormulaError::TooDeep { at: 32 }
        );
        assert_eq!(show(&format!("{}1", "-".repeat(32))), "1");
        let calls = |n: usize| format!("{}win{}", "abs(".repeat(n), ")".repeat(n));
        assert!(Formula::compile(&calls(32), VARS).is_ok());
        assert_eq!(compile_err(&calls(33)), FormulaError::TooDeep { at: 128 });
        // Instructions: 256 additions of a variable need 511, 257 need 513.
        let chain = |n: usize| vec!["x"; n].join("+");
        let f = Formula::compile(&chain(256), VARS).unwrap();
        assert_eq!(f.code.len(), 511);
        assert_eq!(f.eval(&[int(0), int(0), int(2)]), Ok(int(512)));
        assert_eq!(compile_err(&chain(257)), FormulaError::TooManyInstructions);
        // A long constant chain folds to one instruction.
        assert_eq!(
            Formula::compile(&vec!["1"; 400].join("+"), VARS)
                .unwrap()
                .code
                .len(),
            1
        );
        // Stack: each level keeps four operands pending.
        let pending = |n: usize| format!("{}x{}", "x == x < x + x * (".repeat(n), ")".repeat(n));
        let f = Formula::compile(&pending(15), VARS).unwrap();
        check_program(&f);
        assert_eq!(compile_err(&pending(16)), FormulaError::StackTooDeep);
        assert!(
            compile_err(&pending(16))
                .to_string()
                .contains("too complex")
        );
    }

    // --- Fixed --------------------------------------------------------------------------------

    #[test]
    fn fixed_api() {
        assert_eq!(Fixed::ZERO, Fixed(0));
        assert_eq!(Fixed::default(), Fixed::ZERO);
        assert_eq!(Fixed::from_int(-3), Fixed(-3 * SCALE));
        assert_eq!(Fixed::from_ratio(150_000_000, 100_000_000), Ok(num("1.5")));
        assert_eq!(Fixed::from_ratio(-1, 3), Ok(num("-0.333333334")));
        assert_eq!(Fixed::from_ratio(1, -3), Ok(num("-0.333333334")));
        assert_eq!(Fixed::from_ratio(2, 3), Ok(num("0.666666666")));
        assert_eq!(Fixed::from_ratio(1, 0), Err(EvalError::DivisionByZero));
        assert_eq!(Fixed::from_ratio(i64::MIN, -1), Err(EvalError::Overflow));
        assert_eq!(Fixed::from_ratio(i64::MIN, 1), Err(EvalError::Overflow));
        assert_eq!(Fixed::from_ratio(i64::MAX, 1), Ok(Fixed::MAX));
        assert_eq!(Fixed::from_ratio(i64::MIN, 2), Ok(int(i64::MIN / 2)));
        assert_eq!(num("-1.5").floor_i64(), Ok(-2));
        assert_eq!(num("1.5").floor_i64(), Ok(1));
        assert_eq!(num("-0.000000001").floor_i64(), Ok(-1));
        assert_eq!(int(i64::MIN).floor_i64(), Ok(i64::MIN));
        assert_eq!(Fixed::MAX.floor_i64(), Ok(i64::MAX));
        assert_eq!(Fixed(i128::MAX).floor_i64(), Err(EvalError::Overflow));
        assert_eq!(
            Fixed(i64::MIN as i128 * SCALE - 1).floor_i64(),
            Err(EvalError::Overflow)
        );
        for (text, raw) in [
            ("12", 12 * SCALE),
            ("0.5", SCALE / 2),
            ("-3.25", -3_250_000_000),
            ("0.000000001", 1),
            ("-0", 0),
            ("9223372036854775807", LIMIT),
            ("-9223372036854775807", -LIMIT),
        ] {
            assert_eq!(Fixed::parse(text), Some(Fixed(raw)), "{text}");
        }
        for text in [
            "",
            "-",
            "+1",
            " 1",
            "1 ",
            ".5",
            "5.",
            "1e5",
            "1.0000000001",
            "--1",
            "1.-5",
            "0x10",
            "9223372036854775808",
            "-9223372036854775808",
            "١",
        ] {
            assert_eq!(Fixed::parse(text), None, "{text}");
        }
        for (raw, text) in [
            (25 * SCALE / 10, "2.5"),
            (-3 * SCALE, "-3"),
            (1, "0.000000001"),
            (-1, "-0.000000001"),
            (-SCALE / 2, "-0.5"),
            (0, "0"),
            (LIMIT, "9223372036854775807"),
            (123_456_789_012, "123.456789012"),
        ] {
            assert_eq!(Fixed(raw).to_string(), text);
        }
        assert_eq!(
            Fixed(i128::MIN).to_string(),
            "-170141183460469231731687303715.884105728"
        );
    }

    #[test]
    fn error_messages() {
        assert_eq!(EvalError::DivisionByZero.to_string(), "division by zero");
        assert!(EvalError::Overflow.to_string().contains("overflow"));
        assert!(
            FormulaError::TooManyInstructions
                .to_string()
                .contains("512 instructions")
        );
    }

    // --- Properties ---------------------------------------------------------------------------

    /// A random formula over `win, bet, x` using every construct (and, rarely, a wrong argument
    /// count).
    fn formula_text() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            3 => prop::sample::select(vec!["0", "1", "0.5", "0.000000001", "9223372036854775807"])
                .prop_map(str::to_owned),
            2 => (0u32..1000).prop_map(|n| n.to_string()),
            6 => prop::sample::select(vec!["win", "bet", "x"]).prop_map(str::to_owned),
        ];
        leaf.prop_recursive(6, 64, 4, |inner| {
            let op = prop::sample::select(vec![
                "+", "-", "*", "/", "%", "<", "<=", ">", ">=", "==", "!=", "&&", "||",
            ]);
            let unary = prop::sample::select(vec!["-", "!", "abs", "floor", "ceil", "round"]);
            let three = prop::sample::select(vec!["clamp", "if", "if"]);
            let many = prop::sample::select(vec!["min", "max", "clamp", "if", "abs", "round"]);
            prop_oneof![
                4 => (inner.clone(), op.clone(), inner.clone())
                    .prop_map(|(a, o, b)| format!("({a} {o} {b})")),
                4 => (inner.clone(), op, inner.clone()).prop_map(|(a, o, b)| format!("{a} {o} {b}")),
                3 => (unary, inner.clone()).prop_map(|(u, a)| format!("{u}({a})")),
                2 => (prop::bool::ANY, prop::collection::vec(inner.clone(), 2..5)).prop_map(
                    |(min, args)| format!("{}({})", if min { "min" } else { "max" }, args.join(", "))
                ),
                3 => (three, inner.clone(), inner.clone(), inner.clone())
                    .prop_map(|(f, a, b, c)| format!("{f}({a}, {b}, {c})")),
                1 => (many, prop::collection::vec(inner, 0..5))
                    .prop_map(|(f, args)| format!("{f}({})", args.join(", "))),
            ]
        })
    }

    fn any_value() -> impl Strategy<Value = Fixed> {
        prop_oneof![
            any::<i128>().prop_map(Fixed),
            (-LIMIT..=LIMIT).prop_map(Fixed),
            (-1000i64..1000).prop_map(Fixed::from_int),
            (-1_000_000_000_000i128..1_000_000_000_000).prop_map(Fixed),
            Just(Fixed::ZERO),
            Just(Fixed::MAX),
            Just(Fixed::MIN),
        ]
    }

    /// An integer expression tree over `+ - *` (and unary minus).
    #[derive(Clone, Debug)]
    enum Tree {
        Lit(i64),
        Var(usize),
        Neg(Box<Tree>),
        Bin(char, Box<Tree>, Box<Tree>),
    }

    impl Tree {
        fn precedence(&self) -> u8 {
            match self {
                Tree::Lit(_) | Tree::Var(_) | Tree::Neg(_) => 3,
                Tree::Bin('*', ..) => 2,
                Tree::Bin(..) => 1,
            }
        }

        /// Minimal parentheses (left-associative), or full ones.
        fn render(&self, full: bool) -> String {
            match self {
                Tree::Lit(v) => v.to_string(),
                Tree::Var(i) => VARS[*i].to_owned(),
                Tree::Neg(a) => {
                    let inner = a.render(full);
                    if a.precedence() < 3 || full {
                        format!("-({inner})")
                    } else {
                        format!("-{inner}")
                    }
                }
                Tree::Bin(op, a, b) => {
                    let p = self.precedence();
                    let l = a.render(full);
                    let r = b.render(full);
                    let l = if full || a.precedence() < p {
                        format!("({l})")
                    } else {
                        l
                    };
                    let r = if full || b.precedence() <= p {
                        format!("({r})")
                    } else {
                        r
                    };
                    format!("{l} {op} {r}")
                }
            }
        }

        /// Exact evaluation: `None` if any intermediate value leaves ±`i64::MAX`.
        fn eval(&self, vars: &[i64]) -> Option<i128> {
            let v = match self {
                Tree::Lit(v) => i128::from(*v),
                Tree::Var(i) => i128::from(vars[*i]),
                Tree::Neg(a) => -a.eval(vars)?,
                Tree::Bin(op, a, b) => {
                    let (a, b) = (a.eval(vars)?, b.eval(vars)?);
                    match op {
                        '+' => a + b,
                        '-' => a - b,
                        _ => a * b,
                    }
                }
            };
            (v.abs() <= i128::from(i64::MAX)).then_some(v)
        }
    }

    fn tree() -> impl Strategy<Value = Tree> {
        let leaf = prop_oneof![
            (0i64..100).prop_map(Tree::Lit),
            (0usize..3).prop_map(Tree::Var),
        ];
        leaf.prop_recursive(5, 48, 2, |inner| {
            prop_oneof![
                inner.clone().prop_map(|a| Tree::Neg(Box::new(a))),
                (
                    prop::sample::select(vec!['+', '-', '*']),
                    inner.clone(),
                    inner
                )
                    .prop_map(|(op, a, b)| Tree::Bin(op, Box::new(a), Box::new(b))),
            ]
        })
    }

    fn var_value() -> impl Strategy<Value = i64> {
        prop_oneof![-100i64..100, -3_000_000_000i64..3_000_000_000, any::<i64>()]
    }

    /// A formula tree over the whole language, rendered fully parenthesised, with an independent
    /// recursive (lazy where the language is lazy) reference evaluation.
    #[derive(Clone, Debug)]
    enum Expr {
        Num(Fixed),
        Var(usize),
        Not(Box<Expr>),
        Bin(&'static str, Box<Expr>, Box<Expr>),
        Call(&'static str, Vec<Expr>),
    }

    impl Expr {
        fn render(&self) -> String {
            match self {
                Expr::Num(v) => format!("({v})"),
                Expr::Var(i) => VARS[*i].to_owned(),
                Expr::Not(a) => format!("!({})", a.render()),
                Expr::Bin(op, a, b) => format!("({} {op} {})", a.render(), b.render()),
                Expr::Call(f, args) => {
                    let args: Vec<String> = args.iter().map(Expr::render).collect();
                    format!("{f}({})", args.join(", "))
                }
            }
        }

        fn eval(&self, vars: &[Fixed]) -> Result<Fixed, EvalError> {
            Ok(match self {
                Expr::Num(v) => *v,
                Expr::Var(i) => in_range(vars.get(*i).map_or(0, |v| v.0))?,
                Expr::Not(a) => truth(a.eval(vars)?.0 == 0),
                Expr::Bin("&&", a, b) => truth(a.eval(vars)?.0 != 0 && b.eval(vars)?.0 != 0),
                Expr::Bin("||", a, b) => truth(a.eval(vars)?.0 != 0 || b.eval(vars)?.0 != 0),
                Expr::Bin(op, a, b) => {
                    let (a, b) = (a.eval(vars)?, b.eval(vars)?);
                    match *op {
                        "+" => add(a, b)?,
                        "-" => sub(a, b)?,
                        "*" => mul(a, b)?,
                        "/" => div(a, b)?,
                        "%" => rem(a, b)?,
                        "<" => truth(a < b),
                        "<=" => truth(a <= b),
                        ">" => truth(a > b),
                        ">=" => truth(a >= b),
                        "==" => truth(a == b),
                        _ => truth(a != b),
                    }
                }
                Expr::Call("if", args) => {
                    if args[0].eval(vars)?.0 != 0 {
                        args[1].eval(vars)?
                    } else {
                        args[2].eval(vars)?
                    }
                }
                Expr::Call(f, args) => {
                    let values = args
                        .iter()
                        .map(|a| a.eval(vars))
                        .collect::<Result<Vec<_>, _>>()?;
                    match *f {
                        "min" => values.into_iter().min().unwrap(),
                        "max" => values.into_iter().max().unwrap(),
                        "clamp" => values[0].max(values[1]).min(values[2]),
                        "abs" => abs(values[0])?,
                        "floor" => floor(values[0])?,
                        "ceil" => ceil(values[0])?,
                        _ => round(values[0])?,
                    }
                }
            })
        }
    }

    fn expr() -> impl Strategy<Value = Expr> {
        let leaf = prop_oneof![
            prop::sample::select(vec![
                "0",
                "1",
                "2",
                "3",
                "0.5",
                "-1.5",
                "2.5",
                "-0.000000001",
                "100",
                "50",
                "9223372036854775807",
                "-9223372036854775807",
                "4294967296",
            ])
            .prop_map(|t| Expr::Num(Fixed::parse(t).unwrap())),
            (0usize..3).prop_map(Expr::Var),
        ];
        leaf.prop_recursive(6, 64, 4, |inner| {
            let arithmetic = prop::sample::select(vec!["+", "-", "*", "/", "%"]);
            let logic = prop::sample::select(vec!["<", "<=", ">", ">=", "==", "!=", "&&", "||"]);
            let unary = prop::sample::select(vec!["abs", "floor", "ceil", "round"]);
            prop_oneof![
                5 => (arithmetic, inner.clone(), inner.clone())
                    .prop_map(|(o, a, b)| Expr::Bin(o, Box::new(a), Box::new(b))),
                2 => (logic, inner.clone(), inner.clone())
                    .prop_map(|(o, a, b)| Expr::Bin(o, Box::new(a), Box::new(b))),
                1 => inner.clone().prop_map(|a| Expr::Not(Box::new(a))),
                1 => (unary, inner.clone()).prop_map(|(f, a)| Expr::Call(f, vec![a])),
                1 => (prop::bool::ANY, prop::collection::vec(inner.clone(), 2..5)).prop_map(
                    |(min, args)| Expr::Call(if min { "min" } else { "max" }, args)
                ),
                2 => (prop::bool::ANY, prop::collection::vec(inner, 3))
                    .prop_map(|(clamp, args)| Expr::Call(if clamp { "clamp" } else { "if" }, args)),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn compile_never_panics_on_arbitrary_text(source in any::<String>()) {
            let _ = Formula::compile(&source, VARS);
        }

        #[test]
        fn compile_never_panics_on_formula_like_text(
            source in "[a-z0-9_ +*/%<>=!&|(),.-]{0,80}",
            long in "[(x1+*!-]{900,1100}",
        ) {
            if let Ok(f) = Formula::compile(&source, VARS) {
                check_program(&f);
            }
            if let Ok(f) = Formula::compile(&long, VARS) {
                check_program(&f);
            }
        }

        #[test]
        fn eval_never_panics(
            source in formula_text(),
            values in prop::collection::vec(any_value(), 0..4),
        ) {
            if let Ok(f) = Formula::compile(&source, VARS) {
                check_program(&f);
                let result = f.eval(&values);
                if let Ok(v) = result {
                    prop_assert!((Fixed::MIN..=Fixed::MAX).contains(&v));
                }
                prop_assert_eq!(result, f.eval(&values), "deterministic");
            }
        }

        #[test]
        fn integer_trees_match_an_exact_reference(
            tree in tree(),
            vars in prop::collection::vec(var_value(), 3),
            full in any::<bool>(),
        ) {
            let source = tree.render(full);
            let f = Formula::compile(&source, VARS).map_err(|e| TestCaseError::fail(format!("{source}: {e}")))?;
            check_program(&f);
            let values: Vec<Fixed> = vars.iter().map(|&v| Fixed::from_int(v)).collect();
            let got = f.eval(&values);
            match tree.eval(&vars) {
                Some(want) => prop_assert_eq!(got, Ok(Fixed(want * SCALE)), "{}", source),
                None => prop_assert_eq!(got, Err(EvalError::Overflow), "{}", source),
            }
        }

        #[test]
        fn whole_language_matches_a_lazy_reference(
            expr in expr(),
            values in prop::collection::vec(any_value(), 0..4),
        ) {
            let source = expr.render();
            let f = Formula::compile(&source, VARS)
                .map_err(|e| TestCaseError::fail(format!("{source}: {e}")))?;
            check_program(&f);
            prop_assert_eq!(f.eval(&values), expr.eval(&values), "{}", source);
        }

        #[test]
        fn floored_division_and_remainder_agree(
            a in prop_oneof![-LIMIT..=LIMIT, -10_000_000_000_000i128..10_000_000_000_000],
            b in prop_oneof![-LIMIT..=LIMIT, -10_000_000_000_000i128..10_000_000_000_000],
        ) {
            let f = Formula::compile("bet * floor(win / bet) + win % bet", VARS).unwrap();
            let r = Formula::compile("win % bet", VARS).unwrap();
            let (a, b) = (Fixed(a), Fixed(b));
            if b == Fixed::ZERO {
                prop_assert_eq!(f.eval(&[a, b]), Err(EvalError::DivisionByZero));
            } else {
                let rem = r.eval(&[a, b]).unwrap();
                prop_assert!(rem.0 == 0 || (rem.0 < 0) == (b.0 < 0));
                prop_assert!(rem.0.abs() < b.0.abs());
                if let Ok(v) = f.eval(&[a, b]) {
                    prop_assert_eq!(v, a);
                }
            }
        }

        #[test]
        fn multiplication_floors_exactly(a in -LIMIT..=LIMIT, b in -10_000_000_000i128..10_000_000_000) {
            let f = Formula::compile("win * bet", VARS).unwrap();
            let exact = a * b;
            let want = exact.div_euclid(SCALE);
            let got = f.eval(&[Fixed(a), Fixed(b)]);
            if (-LIMIT..=LIMIT).contains(&want) {
                prop_assert_eq!(got, Ok(Fixed(want)));
                prop_assert!(want * SCALE <= exact && exact < (want + 1) * SCALE);
            } else {
                prop_assert_eq!(got, Err(EvalError::Overflow));
            }
        }

        #[test]
        fn division_by_scale_is_floored(n in prop_oneof![
            any::<i128>(),
            -10_000_000_000_000i128..10_000_000_000_000,
            Just(i128::MIN),
            Just(i128::MAX),
        ]) {
            prop_assert_eq!(floor_div_rem(n, SCALE), Ok((n.div_euclid(SCALE), n.rem_euclid(SCALE))));
        }

        #[test]
        fn floor_div_rem_matches_euclid_for_positive_divisors(n in any::<i128>(), d in 1..i128::MAX) {
            prop_assert_eq!(floor_div_rem(n, d), Ok((n.div_euclid(d), n.rem_euclid(d))));
            prop_assert_eq!(floor_div_rem(n, 7), Ok((n.div_euclid(7), n.rem_euclid(7))));
        }

        #[test]
        fn parse_and_display_round_trip(raw in -LIMIT..=LIMIT) {
            let text = Fixed(raw).to_string();
            prop_assert_eq!(Fixed::parse(&text), Some(Fixed(raw)));
            let formula = Formula::compile(&text, VARS).unwrap();
            prop_assert_eq!(formula.eval(&[]), Ok(Fixed(raw)));
        }
    }
}
