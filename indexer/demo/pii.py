"""Plausible, checksum-valid PII values to plant in customer text (and the sentences that carry them).

Every value is synthetic: card numbers use test-card prefixes with a valid Luhn digit, IBANs use
valid mod-97 check digits over random account numbers, phone numbers use fictional ranges.
"""
from __future__ import annotations

import random
import string

BASE62 = string.digits + string.ascii_letters
B64URL = string.ascii_letters + string.digits + "-_"


def luhn_complete(digits: str) -> str:
    """Append the Luhn check digit to `digits`."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:  # these positions are doubled once the check digit is appended
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return digits + str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def credit_card(rng: random.Random) -> str:
    kind = rng.choice(["visa", "visa", "mc", "amex"])
    if kind == "amex":
        body = rng.choice(["34", "37"]) + "".join(rng.choice(string.digits) for _ in range(12))
        num = luhn_complete(body)
        sep = rng.choice([" ", "-", ""])
        return sep.join([num[:4], num[4:10], num[10:]])
    prefix = "4" if kind == "visa" else rng.choice(["51", "52", "53", "54", "55"])
    body = prefix + "".join(rng.choice(string.digits) for _ in range(15 - len(prefix)))
    num = luhn_complete(body)
    sep = rng.choice([" ", "-", "", " "])
    return sep.join(num[i:i + 4] for i in range(0, 16, 4))


_IBAN_SHAPES = {  # country: (bank/branch part, account digits)
    "DE": ("", 18), "FR": ("", 23), "NL": ("ABNA", 10), "ES": ("", 20), "GB": ("NWBK", 14), "IT": ("X", 22),
}


def _iban_check(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    numeric = "".join(str(int(c, 36)) for c in rearranged)
    return f"{98 - int(numeric) % 97:02d}"


def iban(rng: random.Random, country: str | None = None) -> str:
    country = country if country in _IBAN_SHAPES else rng.choice(sorted(_IBAN_SHAPES))
    letters, ndigits = _IBAN_SHAPES[country]
    bban = letters + "".join(rng.choice(string.digits) for _ in range(ndigits))
    code = country + _iban_check(country, bban) + bban
    if rng.random() < 0.6:
        return " ".join(code[i:i + 4] for i in range(0, len(code), 4))
    return code


def iban_valid(value: str) -> bool:
    code = value.replace(" ", "")
    rearranged = code[4:] + code[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def api_key(rng: random.Random) -> str:
    kind = rng.choice(["vx_live", "vx_live", "vx_test", "sk", "jwt"])
    if kind.startswith("vx_"):
        return kind + "_" + "".join(rng.choice(BASE62) for _ in range(32))
    if kind == "sk":
        return "sk-" + "".join(rng.choice(BASE62) for _ in range(48))
    mid = "".join(rng.choice(B64URL) for _ in range(rng.randint(40, 60)))
    sig = "".join(rng.choice(B64URL) for _ in range(43))
    return "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + mid + "." + sig


def phone(rng: random.Random, region: str | None) -> str:
    d = lambda n: "".join(rng.choice(string.digits) for _ in range(n))  # noqa: E731
    if region == "EU":
        return rng.choice([
            f"+49 30 {d(8)}", f"+44 20 7946 0{d(3)}", f"+33 1 {d(2)} {d(2)} {d(2)} {d(2)}", f"+31 20 {d(3)} {d(4)}",
            f"07700 900{d(3)}", f"+34 91 {d(3)} {d(2)} {d(2)}", f"030 {d(7)}"])
    if region == "APAC":
        return rng.choice([f"+61 2 {d(4)} {d(4)}", f"+81 3-{d(4)}-{d(4)}", f"+65 {d(4)} {d(4)}", f"+91 98{d(3)} {d(5)}"])
    if region == "LATAM":
        return rng.choice([f"+55 11 9{d(4)}-{d(4)}", f"+52 55 {d(4)} {d(4)}", f"+54 11 {d(4)}-{d(4)}"])
    area = rng.choice(["415", "212", "646", "312", "617", "206", "512", "303"])
    return rng.choice([f"+1 ({area}) 555-01{d(2)}", f"{area}-555-01{d(2)}", f"({area}) 555 01{d(2)}",
                       f"+1 {area} 555 01{d(2)}", f"{area}.555.01{d(2)}"])


_US_STREETS = ["Market Street", "Main St", "Oak Avenue", "Mission St", "Elm Street", "Pine Ave", "Broadway",
               "Lakeview Drive", "5th Avenue", "Harbor Blvd"]
_US_CITIES = [("San Francisco", "CA", "941"), ("Austin", "TX", "787"), ("Seattle", "WA", "981"),
              ("Boston", "MA", "021"), ("Denver", "CO", "802"), ("Chicago", "IL", "606")]
_EU_ADDR = [("Friedrichstraße", "10117 Berlin"), ("Hauptstraße", "80331 München"), ("Rue de Rivoli", "75001 Paris"),
            ("Keizersgracht", "1015 CJ Amsterdam"), ("Calle de Alcalá", "28014 Madrid"), ("Via Roma", "20121 Milano")]
_UK_STREETS = ["Baker Street", "Kingsland Road", "High Street", "Church Lane", "Station Road"]


def address(rng: random.Random, region: str | None) -> str:
    n = rng.randint(1, 480)
    if region == "EU":
        if rng.random() < 0.25:
            pc = f"{rng.choice(['N1', 'E2', 'SW1A', 'EC1V', 'W1D'])} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTU')}"
            return f"{n} {rng.choice(_UK_STREETS)}, London {pc}"
        street, city = rng.choice(_EU_ADDR)
        return f"{street} {n}, {city}"
    city, state, zip3 = rng.choice(_US_CITIES)
    suite = f", Suite {rng.randint(1, 9)}00" if rng.random() < 0.4 else ""
    return f"{n} {rng.choice(_US_STREETS)}{suite}, {city}, {state} {zip3}{rng.randint(10, 99)}"


# Sentences that carry one planted value ({v}); grouped by the PII type they carry.
SENTENCES = {
    "EMAIL_ADDRESS": ["You can reach me directly at {v}.", "Please reply to {v}, I don't check this inbox often.",
                      "cc {v} on this please.", "My colleague {v} is seeing the same thing.",
                      "Send any updates to {v} please."],
    "PHONE_NUMBER": ["Call me at {v} if that's easier.", "My number is {v}.", "Feel free to ring me on {v}.",
                     "Best to call {v}, I'm in meetings all day.", "phone: {v}"],
    "CREDIT_CARD": ["The card is {v}.", "Both charges are on card {v}.", "card number {v} in case you need it.",
                    "It's the card ending in... actually here's the full number {v}."],
    "IBAN_CODE": ["Please send the refund to our account {v}.", "Our IBAN is {v}.", "Bank details for the refund: {v}."],
    "ADDRESS": ["Our billing address is {v}.", "The invoice should go to {v}.", "We moved, new address is {v}."],
    "API_KEY": ["Here's the key we're using: {v}", "The failing request uses the token {v}",
                "Authorization: Bearer {v}", "our key is {v}, it worked yesterday."],
}
GREETING_NAME = ["Hi, this is {full} from {company}.", "Hello, {full} here.", "Hey, it's {first} from {company}.",
                 "Hi, {full} ({company}) here."]
SIGNOFF_NAME = ["Thanks, {full}", "Best, {first}", "Cheers, {first}", "Regards, {full}", "- {first}",
                "Thank you, {full}"]
