"""Pure normalisation of the keys identity is matched on: emails, names, domains."""
from __future__ import annotations

import hashlib
import re
import unicodedata

# Providers that ignore dots in the local part (so j.o.e@gmail.com is joe@gmail.com).
DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}
# Consumer mail: the domain says nothing about the employer.
FREE_MAIL = frozenset(
    "gmail.com googlemail.com yahoo.com yahoo.co.uk hotmail.com outlook.com live.com msn.com icloud.com me.com "
    "aol.com proton.me protonmail.com gmx.de gmx.net web.de mail.com yandex.ru qq.com 163.com zoho.com fastmail.com".split()
)
# Local parts that name a function, not a human: always a shared inbox.
ROLE_LOCAL_PARTS = frozenset(
    "support billing info team admin administrator noreply no-reply donotreply do-not-reply help helpdesk sales "
    "contact hello office accounts accounting finance it ops operations hr security feedback service services "
    "customerservice customer-service webmaster postmaster enquiries inquiries orders procurement legal marketing "
    "dev devops engineering notifications alerts root mail".split()
)
_ROLE_PREFIX = re.compile(r"^(?:support|billing|info|team|admin|noreply|no-reply|help|sales|ops|it|finance|accounts)[._\-+]")

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(email: str | None) -> str | None:
    """Lower-case, drop +tags, drop dots for gmail; None when it is not an address."""
    if not email:
        return None
    e = email.strip().strip("<>").lower()
    if e.startswith("mailto:"):
        e = e[7:]
    if not EMAIL_RE.match(e):
        return None
    local, domain = e.rsplit("@", 1)
    local = local.split("+", 1)[0] or local
    if domain in DOTLESS_DOMAINS:
        domain = DOTLESS_DOMAINS[domain]
        local = local.replace(".", "")
    return f"{local}@{domain}"


def split_email(email: str) -> tuple[str, str]:
    local, domain = email.rsplit("@", 1)
    return local, domain


def is_role_address(email: str) -> bool:
    local, _ = split_email(email)
    return local in ROLE_LOCAL_PARTS or bool(_ROLE_PREFIX.match(local))


def is_free_mail(domain: str) -> bool:
    return domain in FREE_MAIL


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def normalize_name(name: str | None) -> str:
    """'Dr. María  O'Neil (Support)' -> 'maria oneil'."""
    if not name:
        return ""
    n = re.sub(r"\(.*?\)", " ", name)
    if n.count(",") == 1:  # "Lewis, Arjun" -> "Arjun Lewis"
        last, first = n.split(",")
        if first.strip() and last.strip() and len(last.split()) <= 2:
            n = f"{first} {last}"
    n = strip_accents(n).lower()
    n = re.sub(r"\b(?:mr|mrs|ms|miss|dr|prof)\b\.?", " ", n)
    n = re.sub(r"['’`]", "", n)
    n = re.sub(r"[^a-z0-9]+", " ", n)
    return " ".join(n.split())


def key_hash(kind: str, value: str) -> str:
    """A stable, non-reversible key for decisions and audit records (`email:3f2a...`)."""
    return f"{kind}:" + hashlib.sha256(value.strip().lower().encode("utf-8")).hexdigest()[:20]


# Common English short forms: "Bob Smith" and "Robert Smith" can be one human.
NICKNAMES = {
    "bob": "robert", "rob": "robert", "bobby": "robert", "bill": "william", "will": "william", "liz": "elizabeth",
    "beth": "elizabeth", "kate": "katherine", "katie": "katherine", "cathy": "catherine", "mike": "michael",
    "dan": "daniel", "danny": "daniel", "alex": "alexander", "ben": "benjamin", "tom": "thomas", "jess": "jessica",
    "sam": "samuel", "nate": "nathan", "pat": "patrick", "steve": "steven", "vale": "valentina", "jim": "james",
    "jimmy": "james", "jamie": "james", "joe": "joseph", "chris": "christopher", "matt": "matthew", "nick": "nicholas",
    "tony": "anthony", "andy": "andrew", "dave": "david", "greg": "gregory", "jen": "jennifer", "jenny": "jennifer",
    "meg": "megan", "sue": "susan", "ed": "edward", "ted": "edward", "dick": "richard", "rick": "richard",
    "peggy": "margaret", "maggie": "margaret", "abby": "abigail", "ally": "alexandra", "sandy": "sandra",
    "zach": "zachary", "josh": "joshua", "jon": "jonathan", "johnny": "john", "jack": "john", "isa": "isabella",
    "bella": "isabella", "vicky": "victoria", "tori": "victoria", "nico": "nicolas", "fred": "frederick",
}


def canonical_given_name(token: str) -> str:
    return NICKNAMES.get(token, token)
