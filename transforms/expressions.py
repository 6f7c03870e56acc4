"""ImageKit's arithmetic expressions: `iw_div_2`, `ih_mul_0.8_add_iw_mul_0.4`, `ch_mod_5`.

An expression is values joined by operators, all separated by "_": a value is a variable
(VARIABLES) or a positive number, an operator one of OPERATORS. The operators are applied
in ImageKit's documented calculation sequence ("Arithmetic expressions in
transformations", docs.imagekit.io), which is not the usual one: mul and div first, then
add and sub, then mod, then pow, each level left to right. So `ih_mul_0.8_add_iw_mul_0.4`
is 0.8 ih + 0.4 iw as usual, but `iw_add_10_mod_7` is (iw + 10) mod 7 and
`2_pow_2_pow_3` is (2 ** 2) ** 3. There are no parentheses and no `eval`: the text is
split into tokens, checked, and folded by a small evaluator.

A `Formula` joins two values by one operator, for what a dialect derives from values that
may be expressions (the side `ar` gives: `w / ar`; a region's corner from its centre).
The parser builds it, never the URL's text, so its depth is the code's, not the input's.

Bounded before anything runs: at most MAX_CHARS characters and MAX_OPERATORS operators;
a power's exponent at most MAX_EXPONENT; any intermediate result past MAX_MAGNITUDE, a
division or modulo by zero, answers 400 naming the parameter.

The variables are known only once the image is (transforms/steps/expressions.py): the
initial size (iw, ih, iar: the original, upright), the current one (cw, ch, car: the
picture this step of a chain starts from) and the base (bw, bh, bar: outside a layer,
the current picture too).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from transforms.errors import ParamError

MAX_CHARS = 100
MAX_OPERATORS = 10
MAX_EXPONENT = 8
MAX_MAGNITUDE = 1e9
VARIABLES = ("iw", "ih", "iar", "cw", "ch", "car", "bw", "bh", "bar")
OPERATORS = ("add", "sub", "mul", "div", "mod", "pow")
_NUMBER = re.compile(r"[0-9]{1,6}(?:\.[0-9]{1,6})?")
# ImageKit's calculation sequence: each level in turn, left to right within it.
LEVELS = (("mul", "div"), ("add", "sub"), ("mod",), ("pow",))


@dataclass(frozen=True)
class Expression:
    """A parsed expression: operands and operators alternating (a variable name or a number)."""

    tokens: tuple[str | float, ...]

    def __str__(self) -> str:  # the canonical string (cache key, ETag) names it so
        return "_".join(t if isinstance(t, str) else _text(t) for t in self.tokens)

    @property
    def variables(self) -> frozenset[str]:
        return frozenset(t for t in self.tokens[::2] if isinstance(t, str))

    def evaluate(self, values: Mapping[str, float], param: str) -> float:
        """The value, with each variable from `values`; ParamError naming `param`."""
        operands = [values[t] if isinstance(t, str) else t for t in self.tokens[::2]]
        operators = [t for t in self.tokens[1::2] if isinstance(t, str)]
        return _fold(operands, operators, param)


def is_expression(text: str) -> bool:
    """Whether a value is written as an expression (a variable, or an operator in it)."""
    return any(text.startswith(name) for name in VARIABLES) or "_" in text


@dataclass(frozen=True)
class Formula:
    """`a op b`, where each side is a number, an Expression or a Formula (see the module's
    docstring); its string names it apart from any expression's (brackets)."""

    op: str  # one of OPERATORS
    a: Value
    b: Value
    param: str  # the key that wrote it (`ar`, `xc`), named in its errors

    def __str__(self) -> str:
        return f"({_value_text(self.a)}){self.op}({_value_text(self.b)})"

    def evaluate(self, values: Mapping[str, float], param: str) -> float:
        a, b = value_of(self.a, values, self.param), value_of(self.b, values, self.param)
        return _apply(self.op, a, b, self.param)


Value = float | Expression | Formula


def is_deferred(value: object) -> bool:
    """Whether a value is known only once the image is (an Expression or a Formula)."""
    return isinstance(value, Expression | Formula)


def value_of(value: Value, values: Mapping[str, float], param: str) -> float:
    return value.evaluate(values, param) if isinstance(value, Expression | Formula) else value


def _value_text(value: Value) -> str:
    return _text(float(value)) if isinstance(value, int | float) else str(value)


def parse_expression(text: str, param: str) -> Expression:
    """Check and tokenize; ParamError naming `param` for anything malformed or too long."""
    if len(text) > MAX_CHARS:
        raise ParamError(param, f"an expression is at most {MAX_CHARS} characters")
    parts = text.split("_")
    if len(parts) % 2 == 0:
        raise ParamError(param, "an expression is values joined by operators: iw_div_2")
    if len(parts) // 2 > MAX_OPERATORS:
        raise ParamError(param, f"an expression has at most {MAX_OPERATORS} operators")
    tokens: list[str | float] = []
    for index, part in enumerate(parts):
        if index % 2:
            if part not in OPERATORS:
                raise ParamError(param, f"{part!r} is not an operator ({', '.join(OPERATORS)})")
            tokens.append(part)
        elif part in VARIABLES:
            tokens.append(part)
        elif _NUMBER.fullmatch(part):
            tokens.append(float(part))
        else:
            raise ParamError(param, f"{part!r} is neither a positive number nor one of "
                             f"{', '.join(VARIABLES)}")
    return Expression(tuple(tokens))


def _fold(operands: list[float], operators: list[str], param: str) -> float:
    """Evaluate level by level (LEVELS), each left to right: at most MAX_OPERATORS
    reductions in all."""
    values, ops = list(operands), list(operators)
    for level in LEVELS:
        i = 0
        while i < len(ops):
            if ops[i] in level:
                values[i : i + 2] = [_apply(ops[i], values[i], values[i + 1], param)]
                del ops[i]
            else:
                i += 1
    return values[0]


def _apply(op: str, a: float, b: float, param: str) -> float:
    if op in ("div", "mod") and b == 0:
        raise ParamError(param, "the expression divides by zero")
    if op == "pow" and abs(b) > MAX_EXPONENT:
        raise ParamError(param, f"a power's exponent is at most {MAX_EXPONENT}")
    if op == "pow" and a < 0 and not float(b).is_integer():
        raise ParamError(param, "the expression takes a root of a negative number")
    result = {
        "add": lambda: a + b,
        "sub": lambda: a - b,
        "mul": lambda: a * b,
        "div": lambda: a / b,
        "mod": lambda: math.fmod(a, b),
        "pow": lambda: a**b,
    }[op]()
    if not math.isfinite(result) or abs(result) > MAX_MAGNITUDE:
        raise ParamError(param, "the expression's value is out of range")
    return result


def _text(number: float) -> str:
    return str(int(number)) if number.is_integer() else repr(number)
