"""Text that reads as an instruction to an AI: recognised wherever dxprep reads or quotes.

Used by the briefing pipeline (evidence, notes, model output) and the alignment map (what it
quotes from the material); it lives here, below both, so data flows one way.
"""

from __future__ import annotations

import re

__all__ = ["INJECTION", "looks_like_injection"]

#: Text that reads as an instruction to an AI, in several phrasings and languages, or a chat
#: template's role marker. Matched case-insensitively on evidence and output. Each branch needs
#: words that ordinary business prose does not put together ("ignore the noise in the weekly
#: numbers" and "new instructions for the pickers" do not match).
_EARLIER = r"(?:previous|prior|above|earlier|preceding|foregoing|original|initial|system)"
_ORDERS = r"(?:instructions?|prompts?|rules|directions|commands|guidelines|context)"
INJECTION = re.compile(
    # English: "ignore all previous instructions", "disregard the above", "forget everything you were told"
    rf"\b(?:ignore|disregard|forget|override|bypass)\s+(?:all\s+|any\s+|every\s+)?(?:of\s+)?(?:the\s+|your\s+|my\s+|these\s+|those\s+)?"
    rf"{_EARLIER}\s+{_ORDERS}\b"
    r"|\b(?:ignore|disregard|forget)\s+(?:all\s+(?:of\s+)?|everything\s+)?(?:the\s+|that\s+is\s+|written\s+)?above\b(?![- ]mentioned)"
    r"|\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+)?(?:of\s+)?your\s+(?:instructions|rules|programming|guidelines|training)\b"
    r"|\bforget\s+(?:everything|all|what)\s+(?:(?:that\s+)?you(?:'ve|\s+have)?\s+(?:were|been|was)\s+told|you\s+know|above|before)"
    r"|\byou\s+must\s+now\s+(?:act|behave|respond|answer|reply|write|say|output|print|ignore|follow|obey|tell|reveal|pretend|only)\b"
    r"|\byou\s+are\s+now\s+(?:a|an|the|in)\b|\bsystem\s+prompt\b|\bas\s+an\s+ai\s+(?:language\s+)?model\b"
    r"|\bnew\s+instructions\s*:|\b(?:do\s+not|don't)\s+(?:tell|mention|reveal)\s+(?:this|the\s+reader)\b"
    r"|\b(?:note|message|instructions?)\s+(?:to|for)\s+(?:the\s+|any\s+)?(?:ai|assistant|model|llm|language\s+model|chatbot)\b"
    r"|\b(?:reveal|print|show|repeat|output|disclose)\s+(?:me\s+)?(?:your\s+(?:system\s+|hidden\s+|original\s+|initial\s+)?"
    r"|the\s+(?:system|hidden|original|initial)\s+)(?:instructions|prompt|rules)\b"
    r"|\b(?:print|dump|output|reveal|exfiltrate)\s+(?:out\s+)?(?:all\s+(?:of\s+)?)?(?:the\s+|any\s+)?(?:confidential|secret|hidden|restricted)\b"
    # chat templates and role markers: <|im_start|>, <|system|>, [INST], <<SYS>>, "### system"
    r"|<\|[a-z_]{2,20}\|>|\[/?inst\]|<</?sys>>|^[ \t]*#{2,}[ \t]*system(?:[ \t]+(?:prompt|message))?[ \t]*:?[ \t]*$"
    # French, German, Spanish, Italian, Portuguese, Dutch, Swedish
    r"|\b(?:ignor(?:e|ez|er)|oubli(?:e|ez|er))\s+(?:toutes\s+)?(?:les|vos|tes)\s+(?:instructions|consignes|règles)"
    r"|\b(?:ignorier(?:e|en)?|vergiss|vergessen)\s+(?:sie\s+)?(?:bitte\s+)?(?:alle\s+)?(?:deine\s+|ihre\s+)?"
    r"(?:vorherigen\s+|vorigen\s+|bisherigen\s+|obigen\s+|früheren\s+)?(?:anweisungen|instruktionen|regeln|befehle)"
    r"|\b(?:ignora|ignore|olvida|olvide)\s+(?:todas\s+)?(?:las\s+|tus\s+|sus\s+)(?:instrucciones|indicaciones|reglas)"
    r"|\b(?:ignora|ignorate|dimentica|dimenticate)\s+(?:tutte\s+)?(?:le\s+)?(?:istruzioni|indicazioni|regole)\s*(?:precedenti)?"
    r"|\b(?:ignore|ignora|esqueça|esqueca|desconsidere)\s+(?:todas\s+)?(?:as\s+)?(?:instruções|instrucoes|orientações|regras)"
    r"|\b(?:negeer|vergeet)\s+(?:alle\s+)?(?:de\s+|je\s+)?(?:vorige\s+|eerdere\s+|voorgaande\s+|bovenstaande\s+)?(?:instructies|aanwijzingen|opdrachten)"
    r"|\bignorera\s+(?:alla\s+)?(?:tidigare\s+)?instruktioner"
    # Chinese and Japanese: "ignore (all) previous instructions"
    r"|忽略(?:之前|以上|上述|前面|先前)?的?(?:所有|全部|一切)?的?(?:指令|指示)|(?:指示|命令)を(?:すべて|全て)?無視",
    re.IGNORECASE | re.MULTILINE,
)


def looks_like_injection(text: str) -> bool:
    return bool(INJECTION.search(text))
