"""Adds two numbers posted as an HTML form, for a user whose credentials match the environment.

POST a=2&b=40&username=...&password=... (application/x-www-form-urlencoded) -> {"sum": 42}.
GET (and HEAD) answer a short usage text; other methods get 405.
"""

from __future__ import annotations

import hmac
import math
import re
import sys
from decimal import Decimal, Overflow

USAGE = (
    "POST a form (application/x-www-form-urlencoded) with the fields a, b, username and "
    "password; the answer is JSON {\"sum\": a + b}.\n"
    "Example: curl -d a=2 -d b=40 -d username=USER -d password=PASSWORD URL\n"
)
ALLOWED = "GET, HEAD, POST"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# ASCII digits only, with an optional sign, fraction and exponent: float() alone would also
# take "nan", "inf", "1_000" and non-ASCII digits, which are not what a form user means.
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
INTEGER = re.compile(r"[+-]?[0-9]+")
MAX_NUMBER_CHARS = 100


NOT_CONFIGURED_LOG = "adder: ADDER_USERNAME and ADDER_PASSWORD are not set: every sum will be refused"

# (user, password), read once in each worker by start(); None when either is not set.
credentials: tuple[str, str] | None = None


class BadNumber(ValueError):
    pass


def start(cfg):
    """A lifecycle hook: the invoker calls it once in each worker before it serves, with the
    environment as cfg. Configuration is read here once, not on every request."""
    global credentials
    user, password = cfg.get("ADDER_USERNAME"), cfg.get("ADDER_PASSWORD")
    credentials = (user, password) if user and password else None
    if credentials is None:
        print(NOT_CONFIGURED_LOG, file=sys.stderr, flush=True)


def handler(req):
    if req.method in ("GET", "HEAD"):
        return USAGE
    if req.method != "POST":
        return {"error": f"{req.method} is not supported: POST the form (GET shows how)"}, 405, {"Allow": ALLOWED}
    if req.mimetype not in FORM_TYPES:
        return {"error": "send the fields as a form (Content-Type: application/x-www-form-urlencoded)"}, 415

    if credentials is None:
        # Fail closed: without configured credentials nobody may use the function.
        return {"error": "the adder is not configured: set ADDER_USERNAME and ADDER_PASSWORD in its environment"}, 500

    expected_user, expected_password = credentials
    form = req.form
    user_ok = same_secret(form.get("username", ""), expected_user)
    password_ok = same_secret(form.get("password", ""), expected_password)
    if not (user_ok and password_ok):
        # RFC 9110 §15.5.2: a 401 carries a challenge; this one names the form fields.
        return (
            {"error": "wrong or missing credentials: send the form fields username and password"},
            401,
            {"WWW-Authenticate": 'Form realm="adder", fields="username password"'},
        )

    try:
        a = parse_number("a", form.get("a"))
        b = parse_number("b", form.get("b"))
        total = add(a, b)
    except BadNumber as bad:
        return {"error": str(bad)}, 400
    return {"sum": total}


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison, so response times do not reveal how much of a secret matched.

    compare_digest only takes ASCII str, so both sides are compared as UTF-8 bytes.
    """
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def parse_number(name: str, text: str | None) -> int | Decimal:
    """An int when the text is an integer, else a Decimal; the messages never repeat the value."""
    if text is None or not text.strip():
        raise BadNumber(f'the form field "{name}" is missing: send two numbers, a and b')
    text = text.strip()
    if len(text) > MAX_NUMBER_CHARS:
        raise BadNumber(f'the form field "{name}" is longer than {MAX_NUMBER_CHARS} characters')
    if not NUMBER.fullmatch(text):
        raise BadNumber(f'the form field "{name}" is not a number (examples: 42, -1.5, 2e3)')
    if INTEGER.fullmatch(text):
        return int(text)
    return Decimal(text)


def add(a: int | Decimal, b: int | Decimal) -> int | float:
    """Integers add exactly; other numbers add as decimals (0.1 + 0.2 is 0.3, not
    0.30000000000000004) and the sum becomes the nearest JSON (double) number."""
    if isinstance(a, int) and isinstance(b, int):
        return a + b
    try:
        total = float(a + b)  # int + Decimal is a Decimal
    except Overflow:
        total = math.inf
    if not math.isfinite(total):
        raise BadNumber("the sum is too large to represent")
    return total
