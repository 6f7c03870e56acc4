"""ImageKit's arithmetic expressions: `iw_div_2`, `ih_mul_0.8_add_iw_mul_0.4`, `ch_mod_5`.

An expression is values joined by operators, all separated by "_": a value is a variable
(VARIABLES) or a positive number, an operator one of OPERATORS. The usual precedence
holds (pow, then mul, div and mod, then add and sub, each left to right but pow), as the
docs' example `ih_mul_0.8_add_iw_mul_0.4` reads. There are no parentheses and no `eval`:
the text is split into tokens, checked, and folded by a small evaluator.

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
_PRECEDENCE = {"add": 1, "sub": 1, "mul": 2, "div": 2, "mod": 2, "pow": 3}


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
    """Evaluate with precedence: reduce the highest-precedence operators first (pow right
    to left, the others left to right). At most MAX_OPERATORS reductions."""
    values, ops = list(operands), list(operators)
    for i in reversed([i for i, op in enumerate(ops) if op == "pow"]):  # 2_pow_2_pow_3: 2 ** 8
        values[i : i + 2] = [_apply("pow", values[i], values[i + 1], param)]
        del ops[i]
    for level in (2, 1):
        i = 0
        while i < len(ops):
            if _PRECEDENCE[ops[i]] == level:
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
