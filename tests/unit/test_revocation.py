"""The revocation classifier against labelled messages: revocations in many forms and
languages are acted on, ordinary messages that contain the trigger words are not, and
what is neither is held for the agent (routing/revocation.py)."""

from __future__ import annotations

import pytest

from smartnumber.routing.revocation import Verdict, classify

REVOKE = [
    # the standard words, alone or with politeness, any case, misspelt
    "STOP", "stop", "Stop.", "STOP!!!", "stop please", "Please stop", "pls stop", "STOPP",
    "Stopp!", "stoooop", "stp", "STOP STOP STOP", "ok stop", "Stop now", "stop it",
    "unsubscribe", "Unsubcribe", "unsubscibe", "unsuscribe", "Unsubscribe me", "UNSUB",
    "opt out", "Opt-out please", "optout", "cancel", "Cancel please", "END", "quit",
    "revoke", "Off", "remove", "Remove me", "no more", "Enough!", "stop all", "STOPALL",
    # multi-word requests
    "quit messaging me", "please stop sending these", "Stop texting me",
    "stop sending me these texts", "Can you stop texting me please",
    "stop contacting me", "Stop calling and texting me", "no more texts",
    "No more messages please", "don't text me again", "Do not contact me",
    "never text me again", "Dont message me anymore", "please don't text this number",
    "stop the texts", "Stop these messages", "I asked you to stop texting me",
    "Stop bothering me", "stop spamming me", "quit texting me, I'm not interested",
    "Please remove me from your list", "take me off your list", "Remove my number",
    "delete my number from your system", "lose my number", "leave me alone",
    "opt me out", "Unsubscribe me from this", "STOP. Not interested.",
    "Stop! Who is this?", "Not interested. Stop.", "I'm not selling, stop",
    "stop or I'll report you", "Please stop or I will call my lawyer",
    "wrong number", "Wrong number!", "You have the wrong number", "wrong person",
    # Spanish and French
    "basta", "Basta ya", "alto", "no me escriban más", "No me escribas mas por favor",
    "no me manden mensajes", "Deja de escribirme", "dejen de enviarme mensajes",
    "no más mensajes", "No quiero mas mensajes", "número equivocado", "quítame de la lista",
    "darme de baja", "cancelar suscripción", "para", "no me molesten",
    "arrêtez de m'envoyer des messages", "désabonner",
    # negated contact, not a negated stop: still a request to stop
    "don't ever contact me", "Never text me again!", "No, stop texting me",
    "Do not message me. Don't stop by either.", "no me escribas nunca más",
]  # fmt: skip

ORDINARY = [
    "we'll stop by the office at noon", "is that the last stop?",
    "can we cancel Tuesday's showing and do Wednesday?", "Don't stop, this is great",
    "I can't stop thinking about that kitchen", "Let's meet at the bus stop",
    "Can you stop at the house on your way?", "Stopped by yesterday, loved it",
    "Is there a stop sign at the corner?", "Please cancel my appointment tomorrow",
    "I need to cancel the inspection", "See you this weekend", "At the end of the day, yes",
    "The end unit looks perfect", "I quit my job so I'm flexible now",
    "We opted for the 30 year fixed", "Can you remove the old listing photo?",
    "Yes, text me the address", "Call me after 5", "What's the price?",
    "Thanks, sounds good!", "Is the house still available?", "Can I see it Saturday?",
    "Send me the disclosures please", "Please send more listings like this",
    "Text me when you're there", "I'll message you later", "Who is this?",
    "Great, thanks for the info", "Perfect, see you then", "ok", "Yes", "Sounds good",
    "Can we do a nonstop flight of showings Saturday?", "It's at the end of Elm Street",
    "The weekend works", "I'll stop in on Monday", "Can you send it by email instead?",
    "My wife will call you", "Give me a call tomorrow", "Send the contract over",
    "Is the HOA fee included?", "Let's end the day at the Oak St house",
    "Off to the open house now!", "The deal on Pine is off.", "Para cuándo es la visita?",
    # a stop negated asks for more (issue 23): never an opt-out
    "Don't stop texting me!", "never stop sending me these", "Do not stop messaging me",
    "please don't stop the texts, they help", "I don't want you to stop texting me",
    "Don't ever stop sending me listings like this", "I never said to stop texting",
    "No dejes de escribirme", "no dejen de enviarme mensajes", "Nunca dejes de mandarme casas",
    # rescheduling and questions about something else: no hold either
    "Need to cancel Tuesday, is Wednesday ok?", "Can we cancel Tuesday and do Wednesday?",
    "Have to cancel Friday. Saturday?", "We need to cancel for 3pm, can we do 5?",
    "Cancel tomorrow please, I'll text you a new time", "Can we reschedule? I have to cancel",
    "Necesito cancelar el martes, ¿puede ser el miércoles?", "Tengo que cancelar hoy",
    "The seller wants to stop the sale", "I got a stop notice from the city",
    "Is there a cancellation fee?", "What does opt out mean in the contract?",
    "How do I opt out of the HOA?", "How do I unsubscribe from Zillow emails?",
    "I unsubscribed from their newsletter, not yours", "Can I end my lease early?",
    "The buyer wants to cancel the contract?", "Is the stop payment fee refundable?",
    "What's the termination clause? Can we cancel the escrow?",
]  # fmt: skip

AMBIGUOUS = [
    "I want to stop", "not interested", "Not interested thanks", "I might unsubscribe",
    "I'll report you", "This is harassment", "Is this spam?",
    "Wrong number, try 310-555-0100", "no thanks", "Go away", "Can't make it Tuesday. Cancel.",
    "I'm going to block this number", "my lawyer will hear about this",
]  # fmt: skip


def test_there_are_at_least_a_hundred_labelled_messages() -> None:
    assert len(REVOKE) + len(ORDINARY) + len(AMBIGUOUS) >= 100


def test_both_error_rates_on_the_whole_table() -> None:
    """No ordinary message opts a lead out (a lost lead), none is held (a needless step
    for the agent), and no request to stop is missed: each rate 0 over the table."""
    false_optouts = [m for m in ORDINARY if classify(m).verdict is Verdict.REVOKE]
    needless_holds = [m for m in ORDINARY if classify(m).verdict is Verdict.AMBIGUOUS]
    missed = [m for m in REVOKE if classify(m).verdict is not Verdict.REVOKE]
    assert (false_optouts, needless_holds, missed) == ([], [], [])


@pytest.mark.parametrize("message", REVOKE)
def test_a_request_to_stop_is_a_revocation(message: str) -> None:
    reading = classify(message)
    assert reading.verdict is Verdict.REVOKE, reading
    assert reading.rule


@pytest.mark.parametrize("message", ORDINARY)
def test_an_ordinary_message_is_not(message: str) -> None:
    assert classify(message).verdict is Verdict.NONE, classify(message)


@pytest.mark.parametrize("message", AMBIGUOUS)
def test_a_message_that_is_neither_is_held_for_the_agent(message: str) -> None:
    reading = classify(message)
    assert reading.verdict is Verdict.AMBIGUOUS, reading
    assert reading.rule


def test_an_admins_phrase_is_a_revocation_by_that_rule() -> None:
    assert classify("Take a hike, buddy").verdict is Verdict.NONE
    reading = classify("Take a hike, buddy", phrases=["take a hike"])
    assert reading.verdict is Verdict.REVOKE and reading.rule == "admin phrase 'take a hike'"
    assert classify("Take a hiker along?", phrases=["take a hike"]).verdict is Verdict.NONE
