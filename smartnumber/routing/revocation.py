"""Is this text a request to stop texting? Pure, table-tested (SPEC 6, issue 17).

Since 11 April 2025 the FCC's rule (47 CFR 64.1200(a)(10)) lets a consumer revoke
consent "in any reasonable manner": the words stop, quit, end, revoke, opt out, cancel
and unsubscribe always count, and other wording counts when a reasonable person would
read it as a request to stop (the FCC's 2024 Report and Order, FCC 24-24, names texts
in other words and in other languages). So a text is read three ways:

- REVOKE: clearly a request to stop. It is acted on like STOP: the number is opted out
  and gets the one confirmation the rule allows.
- AMBIGUOUS: it uses a word of stopping but neither clearly asks to stop nor is clearly
  about something else ("I want to stop", "not interested"). The agent is shown it,
  and their next text to the number waits for them to confirm they read it.
- NONE: an ordinary message, even with a trigger word in it ("we'll stop by at noon",
  "is that the last stop?", "can we cancel Tuesday's showing?").

Each verdict names the rule that decided it (`Reading.rule`), for the timeline. Admins
add their own phrases (`smartnumber optout phrase add`): containing one is a REVOKE.
The rules are listed in docs/compliance.md with their sources.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    REVOKE = "revoke"
    AMBIGUOUS = "ambiguous"
    NONE = "none"


@dataclass(frozen=True)
class Reading:
    verdict: Verdict
    rule: str  # which rule decided it ("" for an ordinary message)


# Words that on their own (with politeness around them) ask to stop.
_STOP_WORDS = {
    "stop", "stopall", "quit", "end", "revoke", "optout", "cancel", "unsubscribe", "unsub",
    "off", "remove", "enough", "basta", "alto", "parar", "para", "cancelar", "baja", "fin",
    "arret", "arrete", "arretez",
}  # fmt: skip
_STRONG = {"stop", "stopall", "unsubscribe", "unsub", "optout", "revoke", "basta"}
_STOP_PAIRS = {"opt out", "stop all", "no more", "remove me", "unsubscribe me", "opt me out"}
_POLITE = {
    "please", "pls", "plz", "now", "thanks", "thank", "you", "thx", "ok", "okay", "just",
    "already", "sir", "maam", "por", "favor", "ya", "gracias", "me", "asap", "immediately",
    "seriously", "again", "i", "said", "asked", "k", "it",
}  # fmt: skip
_STOP_TYPO = re.compile(r"^s+t+o+p+s?$|^(stp|sotp|stpo|stoo|stopit|stoppp*)$")
_CONTACT = (
    r"(text|texts|texting|txt|txts|txting|message|messages|messaging|msg|msgs|msging|sms"
    r"|contact|contacting|call|calls|calling|send|sending|spam|spamming|bother|bothering"
    r"|harass|harassing|email|emails|emailing)"
)
_REVOKE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        (
            "stop-contacting",  # stop texting me / please stop sending these
            rf"\b(stop|quit|cease|end)( (it|now|all|the|with|all the|these|those))? {_CONTACT}\b",
        ),
        (
            "stop-the-texts",  # stop the texts / end these messages
            r"\b(stop|quit|cease|end|no more)( (the|these|those|your|all|all the|all these"
            r"|this|any|any more))? (texts|txts|messages|msgs|sms|spam|calls|emails|texting"
            r"|messaging)\b",
        ),
        (
            "do-not-contact",  # don't text me / do not contact me again / never message me
            rf"\b(dont|do not|never|no longer|quit|stop)( ever)? {_CONTACT} (me|us|this number"
            r"|my number|my phone|my cell|again|anymore|any more|ever)\b",
        ),
        (
            "remove-me",  # remove me from your list / take me off the list
            r"\b(remove|delete|take|drop|erase) (me|my number|this number|my phone|my cell"
            r"|my info)( (from|off|out of) (your|the|this|ur) (list|lists|database|system"
            r"|contacts|texts|mailing list))?\b"
            r"|\btake me off\b|\b(unsubscribe|unsub|opt) (me|us|this number|my number)\b"
            r"|\blose my number\b|\bleave me alone\b|\bdo not disturb\b",
        ),
        ("stop-or-else", r"^(please |pls )?(stop|quit)( it| now| this)? or\b"),
        ("wrong-number", r"\bwrong (number|person|#)\b|\bnumero equivocado\b"),
        (
            "spanish",
            r"\bno me (escribas|escriban|escriba|mandes|manden|mande|envies|envien|envie"
            r"|contactes|contacten|contacte|llames|llamen|molestes|molesten)\b"
            r"|\bdej(a|en|e|ad) de (escribirme|enviarme|mandarme|molestarme|contactarme"
            r"|llamarme|mandar|enviar|escribir)\b"
            r"|\bno (mas|quiero( mas)?) (mensajes|textos|msj)\b"
            r"|\b(borra|borre|borren|quita|quite|quiten|saca|saquen)(me|n)? (mi numero|de"
            r" (la|su|tu) lista)\b|\bquitame de\b|\b(darme|dame|denme) de baja\b"
            r"|\bcancelar (suscripcion|mensajes)\b",
        ),
        (
            "french",
            r"\barret(e|ez|er) (de m ?envoyer|les messages|les textos|les sms)\b"
            r"|\b(desabonner|desinscrire|desabonnez moi|desinscrivez moi)\b",
        ),
    )
)
# A stop that is negated asks for more, not less ("don't stop texting me", "never stop
# sending these", "I don't want you to stop", "no dejen de escribirme"): read as "keep"
# before any rule of stopping looks at it. (Not "don't text me": no stop is negated.)
_NEGATED_STOP = re.compile(
    r"\b(dont|do not|never|please dont|pls dont|cant|can not|cannot|wont|didnt|did not)"
    r"( ever)? (stop|quit|cease|end)\b"
    r"|\b(dont|do not|didnt|did not|never|wont) (want|need|ask|asked|mean|meant|say|said"
    r"|tell|told) (you |u |anyone |anybody |them )?(to )?(stop|quit|cease|end)\b"
    r"|\b(no|nunca) (dej(a|as|e|es|en|ad)|pare|pares|paren) de\b"
)
# Ordinary uses of trigger words, taken out before looking for what is left.
_DAY = (
    r"(mon|tues|wednes|thurs|fri|satur|sun)(day|days)?|today|todays|tomorrow|tomorrows"
    r"|tonight|this (morning|afternoon|evening|week|weekend)|next week|the (\d+|\w+ \d+)"
    r"|(at|for) \d+( ?(am|pm))?|lunes|martes|miercoles|jueves|viernes|sabado|domingo|hoy"
    r"|manana"
)
_BENIGN = re.compile(
    # rescheduling: "need to cancel Tuesday, is Wednesday ok?"
    rf"\bcancel(l?ed|l?ing|ar)?( (on|el|for|the|our|my|your))? ({_DAY})\b"
    # about something else: the sale, a notice, a clause, a third party's list
    r"|\b(stop|cancel|end|quit)(ped|led|ed|ing|s)? (the |a |an |my |our |his |her |their )?"
    r"(sale|payment|closing|construction|work|notice|order|foreclosure|process|listing"
    r"|lease|contract|escrow|deal|offer|loan|subscription to|membership|insurance"
    r"|policy|utilities|service at)\b"
    r"|\b(stop|cancellation|cancel|opt out|termination) (clause|notice|fee|date|period"
    r"|option|provision|letter|form)s?\b"
    r"|\bwhat (does|is|s|do) (an |a |the )?(opt out|stop|cancel\w*|unsubscrib\w*)\b"
    r"|\b(unsubscrib\w*|opt(ed|ing)? out) (of|from) (their|his|her|the|that|zillow|redfin"
    r"|realtor\w*|trulia|hoa|my|our) (?!texts|messages|list|number)\w+"
    r"|\b(seller|sellers|buyer|buyers|bank|lender|city|he|she|they|landlord|tenant|owner"
    r"|hoa|wife|husband) (wants|want|wanted|tried|is trying|are trying|needs|need) to "
    r"(stop|cancel|end|quit)\b"
    r"|\bstop(ped|ping)? (by|in|over|at|on|for|to|and look|and see|there|here|off)\b"
    r"|\b(bus|last|next|first|one|pit|truck|full|rest|train|subway|metro) stop\b"
    r"|\bstop (sign|light|lights)\b|\bnon ?stop\b"
    r"|\b(cant|cannot|can not|wont|dont|didnt|never) stop\b"
    r"|\bcancel(l?ed|l?ing)?( (the|my|our|your|this|that|tomorrows|todays|tuesdays|mondays"
    r"|wednesdays|thursdays|fridays|saturdays|sundays|it))* (showing|appointment|appt|meeting"
    r"|tour|viewing|visit|call|order|reservation|inspection|closing|offer|contract|it)\b"
    r"|\b(week|weekend|end of|the end|in the end|back end|end up|ends up|east end|west end"
    r"|dead end|high end|low end|end unit|end table)\b"
    r"|\bquit (my|his|her|their|the) (job|work)\b|\bquit smoking\b"
    r"|\bopt(ed|ing)? (for|in)\b|\bremove(d)? (the|a|an|that|this|those|these) "
    r"(?!number|texts|messages)\w+",
)
# A message that reschedules: any cancel in it is about the appointment.
_RESCHEDULING = re.compile(
    r"\b(reschedul\w*|move it|push it|another (day|time)|new time|other day|otro dia)\b"
)
_TRIGGERS = re.compile(
    r"\b(stop|stopp+|quit|cancel|unsubscribe|unsub|remove|basta|alto|opt|block|blocking"
    r"|report|reporting|harass|harassment|spam|spamming|lawyer|attorney|sue|tcpa|dnc"
    r"|not interested|no interesa|no gracias|no thanks|go away)\b"
)
_SENTENCE = re.compile(r"[.!?\n;,]+")
_LONG_NUMBER = re.compile(r"\d[\d\s().-]{6,}\d")


def normalised(text: str) -> str:
    """Case, accents, apostrophes and punctuation gone; words separated by one space."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    plain = re.sub("['\u2019`]", "", plain)  # apostrophes, straight and curly
    return " ".join(re.sub(r"[^0-9a-z#]+", " ", plain).split())


def _stop_token(word: str, strong: bool = False) -> bool:
    """A word of stopping; `strong`: one that means it even inside a longer message
    (not "cancel", "end", "off"...: "Can't make it. Cancel." may be about a showing)."""
    if _STOP_TYPO.match(word) or word in _STRONG:
        return True
    if word.startswith(("uns", "unsu", "unsb")) and len(word) >= 7:
        return difflib.SequenceMatcher(None, word, "unsubscribe").ratio() >= 0.75
    return not strong and word in _STOP_WORDS


def _only_stop(words: list[str], strong: bool = False) -> bool:
    """Only words of stopping and politeness, at least one of stopping."""
    joined = " ".join(words)
    for pair in _STOP_PAIRS:
        joined = joined.replace(pair, "stop")
    tokens = joined.split()
    stops = [t for t in tokens if _stop_token(t, strong)]
    return bool(stops) and all(_stop_token(t, strong) or t in _POLITE for t in tokens)


def classify(body: str, phrases: Sequence[str] = ()) -> Reading:
    """What this text is, and the rule that says so."""
    text = normalised(body)
    if not text:
        return Reading(Verdict.NONE, "")
    for phrase in phrases:
        wanted = normalised(phrase)
        if wanted and re.search(rf"\b{re.escape(wanted)}\b", text):
            return Reading(Verdict.REVOKE, f"admin phrase {wanted!r}")
    if _only_stop(text.split()):
        return Reading(Verdict.REVOKE, "a word of stopping")
    text = _NEGATED_STOP.sub("keep", text)
    for sentence in _SENTENCE.split(body):
        words = _NEGATED_STOP.sub("keep", normalised(sentence)).split()
        if words and len(words) <= 4 and _only_stop(words, strong=True):
            return Reading(Verdict.REVOKE, "a sentence of stopping")
    for name, pattern in _REVOKE_RULES:
        if pattern.search(text):
            if name == "wrong-number" and _LONG_NUMBER.search(body):
                return Reading(Verdict.AMBIGUOUS, "wrong number, with another number given")
            return Reading(Verdict.REVOKE, name)
    rest = _BENIGN.sub(" ", text)
    if _RESCHEDULING.search(rest):
        rest = re.sub(r"\bcancel\w*", " ", _RESCHEDULING.sub(" ", rest))
    found = _TRIGGERS.search(rest)
    if found is not None:
        return Reading(Verdict.AMBIGUOUS, f"the word {found.group(0)!r}")
    return Reading(Verdict.NONE, "")
