"""The safeguarding screen's rules for Polish: disclosures typed in Polish, with or without
Polish letters, noticed as the English rules notice English ones.

    REVIEW NEEDED. These rules were written by an engineer from the English rule table
    (``analysis/safeguarding.py``), not by a Polish-speaking safeguarding professional. Before
    they are relied on, a Polish-speaking safeguarding lead should read every rule and every
    line of ``tests/fixtures/safeguarding-pl.jsonl``, add the ways young people and parents in
    Leeds actually write, and check each decision recorded under "Figures of speech" below.
    Until then, treat them as a safety net under human review, not as a tested instrument.

Every answer is screened by both rule tables, whatever language the person chose: a Polish
speaker may have picked English wording and still write in Polish, and the other way round.

How a sentence is read (:func:`fold`): lower case; Polish letters typed or not ("się",
"sie"); and the spelling mistakes children with dyslexia and people on phones make most —
"ó"/"u", "ż"/"rz", "h"/"ch" — read the same, so "chcę", "chce" and "hce" are one word, as
are "samobójstwo" and "samobujstwo", "uderzył" and "udeżył". Letters typed again and again
count once ("nieeee"), and common chat shorthand is spelled out ("sb" → "sobie", "niechce" →
"nie chcę"). The rules below are written in ordinary Polish and folded the same way when
compiled, so they stay readable for the reviewer.

Polish puts words in a freer order than English and marks person, aspect and gender in
endings, so the rules:

* accept "się" before or after its verb, a few words away ("chcę się zabić", "się chyba
  zabiję", "zabiję się"), but not across "że", "jak", "bo" and the like, nor past an object
  pronoun — "zabiję go, jak znowu się spóźni" is about someone else;
* accept the person's object before or after the verb ("ojczym mnie bije", "bije mnie");
* name verb forms rather than stems where a stem would catch other words ("cięłam" but not
  "ciało"; "sens" but not "sensoryczne").

Figures of speech (decided here; the reviewer should check each):

* "szkoła mnie zabija tymi papierami", "to czekanie mnie zabija": the imperfective "is
  killing me" is frustration, as "this wait is killing me" is in English: no rule.
* "mama mnie zabije, jak zobaczy oceny": the perfective "will kill me" alone is only a
  hint, and is let go next to school marks, reports or losing things. "Mówi, że mnie
  zabije" (a threat reported) is strong, and so is any "mnie pobije" / "dostanę lanie":
  a beating promised for bad marks is a disclosure, not a figure of speech.
* "zabiję go, jak znowu się spóźni": a speaker's exasperation about someone else (usually a
  late taxi or a professional) is not a risk to the child; like "I'd kill him" in English
  it raises nothing.
* "umieram ze śmiechu", "umrę ze wstydu", "padam z nóg", "umieram z głodu": no rule.
* "wolałbym umrzeć, niż iść na tę wycieczkę" is let go, as "I'd rather die than go on that
  school trip" is in English.
* "xD", "haha", "lol" let go of threats and hyperbole, but never of a first-person
  statement about suicide or self-harm: teenagers often soften exactly those with "xD".
* a game, film, lesson or news item *about* the subject lets a sentence go ("na lekcji o
  samobójstwach", "zabiłem się w Minecrafcie"), except for exploitation, where online games
  are where grooming starts.
* "to mnie bardzo dotyka" (this affects me) and "nie lubię, jak ktoś mnie dotyka" (sensory
  dislike of being touched, common among autistic children) are let go; "wujek mnie dotyka"
  is not.
* a parent describing their own child's meltdowns ("syn mnie kopie, kiedy ma atak złości")
  is let go for abuse, as in English.
"""

# The rule table keeps each pattern on one line, so it reads as a list: long lines allowed.
# ruff: noqa: E501
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

# The standard library's own parser for regular expressions, to index the rules by how a
# match can begin. It is private, so anything it does unexpectedly makes a rule run always.
from re import _constants as _sre  # type: ignore[attr-defined]
from re import _parser as _sre_parse  # type: ignore[attr-defined]
from typing import Any

# The same scale as analysis.safeguarding: a strong cue is enough alone, two hints are needed.
STRONG, HINT = 1.0, 0.5


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule that matched a sentence: what it suggests and the words that matched."""

    category: str
    weight: float
    immediate: bool  # the rule alone means danger now (a note written, tablets saved)
    now: bool  # the sentence says "now", "tonight"…; urgent if the cue is strong
    reason: str


# ------------------------------------------------------------------ reading Polish text

_TOKEN = re.compile(r"[^\W_](?:[^\W_]|[\u0300-\u036f])*")
_REPEATS = re.compile(r"(.)\1{2,}")
# Letters that Unicode decomposition leaves whole.
_BARE = str.maketrans({"ł": "l", "đ": "d", "ø": "o", "ß": "ss"})


def _spell(text: str) -> str:
    """Lower case without diacritics, with ó/u, ż/rz and h/ch read alike."""
    lowered = unicodedata.normalize("NFKD", text.lower()).translate(_BARE)
    bare = "".join(c for c in lowered if not unicodedata.combining(c))
    return bare.replace("rz", "z").replace("ch", "h").replace("u", "o")


# Chat shorthand and joined negations, spelled out (keys and values are read by _spell).
_SHORTHAND = {
    _spell(k): _spell(v)
    for k, v in {
        "sb": "sobie",
        "se": "sobie",
        "cb": "ciebie",
        "mn": "mnie",
        "mie": "mnie",
        "mię": "mnie",
        "mnom": "mną",
        "nmg": "nie mogę",
        "nwm": "nie wiem",
        "wgl": "w ogóle",
        "wogóle": "w ogóle",
        "bd": "będę",
        "tb": "tobie",
        "sę": "się",
        "siem": "się",
        "sje": "się",
        "niechcę": "nie chcę",
        "niechciałem": "nie chciałem",
        "niechciałam": "nie chciałam",
        "niechciałbym": "nie chciałbym",
        "niechciałabym": "nie chciałabym",
        "niemogę": "nie mogę",
        "niewiem": "nie wiem",
        "nieczuję": "nie czuję",
        "niemam": "nie mam",
        "niemamy": "nie mamy",
        "niema": "nie ma",
        "niedam": "nie dam",
        "niedaję": "nie daję",
        "niewolno": "nie wolno",
        "nielubię": "nie lubię",
        "niejestem": "nie jestem",
    }.items()
}


@lru_cache(maxsize=65536)
def _fold_word(word: str) -> tuple[str, ...]:
    spelled = _REPEATS.sub(r"\1", _spell(word))
    return tuple(_SHORTHAND.get(spelled, spelled).split())


def fold(text: str) -> str:
    """``text`` as the Polish rules read it: folded words separated by single spaces."""
    return " ".join([w for token in _TOKEN.findall(text) for w in _fold_word(token)])


def _quote(sentence: str, match: re.Match[str]) -> str:
    """The words the person typed that a match on the folded sentence covers."""
    starts, spans, at = [], [], 0
    for m in _TOKEN.finditer(sentence):
        for w in _fold_word(m.group(0)):
            starts.append(at)
            spans.append((m.start(), m.end()))
            at += len(w) + 1
    first = spans[bisect_right(starts, match.start()) - 1]
    last = spans[bisect_right(starts, max(match.end() - 1, match.start())) - 1]
    return " ".join(sentence[first[0] : last[1]].split())


# ------------------------------------------------------------------ building the rules


@dataclass(frozen=True, slots=True)
class _Rule:
    category: str
    weight: float
    pattern: re.Pattern[str]
    immediate: bool = False
    unless: re.Pattern[str] | None = None  # a context in the sentence that lets this rule go


def _compile(pattern: str) -> str:
    """A rule written in ordinary Polish, read the same way as the text it is matched to.

    Only letters change (no rule uses ``\\u`` escapes, or r/z or c/h side by side in a
    character class), so the regular expression's structure is kept.
    """
    return _spell(pattern)


def _rule(
    category: str,
    weight: float,
    pattern: str,
    *,
    immediate: bool = False,
    unless: str | None = None,
) -> _Rule:
    return _Rule(
        category,
        weight,
        re.compile(rf"\b(?:{_compile(pattern)})\b"),
        immediate,
        re.compile(rf"\b(?:{_compile(unless)})\b") if unless else None,
    )


# A few words in between, none of which ends the clause or is someone else as the object:
# "chcę się chyba zabić" but not "zabiję go, jak znowu się spóźni".
# ("ją" is left out: folded, it is "ja", I.)
_STOP = r"że|bo|jak|jeśli|jeżeli|gdy|kiedy|i|a|ale|czy|żeby|aby|gdyby|jakby|niż|albo|lub|go|je|ich|cię|was|jego|jej|niego|niej|nich|ciebie|tego|to"
_W = rf"(?:(?!(?:{_STOP})\b)\w+ )"


def _gap(most: int) -> str:
    return f"{_W}{{0,{most}}}"


# Between "się" and a verb after it, only the small words people put there ("się chyba
# zabiję", "się w końcu potnę"): a "się" further back belongs to another verb, as in "się
# spóźnia, zabiję kierowcę" (folding drops the comma that shows it).
_FILLER = (
    r"(?:(?:chyba|już|po prostu|prostu|dzisiaj|dziś|jutro|w końcu|naprawdę|kiedyś|zaraz|normalnie"
    r"|serio|chcę|chce|chciał\w*|muszę|mogę|pewnie|też|znowu|znów|w nocy|sam|sama|tylko|no"
    r"|wreszcie|teraz|spróbuję|próbował\w*|próbuję|myślę|ja|kurwa|kurde|do końca) )"
)


def _reflexive(verb: str) -> str:
    """``verb`` with "się" (or "siebie") on either side: Polish puts it almost anywhere."""
    return rf"(?:(?:się|siebie) {_FILLER}{{0,3}}(?:{verb})|(?:{verb}) {_gap(2)}(?:się|siebie))"


# "u nas w szkole biją się", "dla mnie": the pronoun after a preposition is not the object.
# ("ze" is left out: folded, it is also "że", as in "mówi, że mnie zabije".)
_PREPOSITIONS = [
    "u",
    "o",
    "w",
    "z",
    "we",
    "na",
    "za",
    "do",
    "od",
    "ode",
    "dla",
    "przy",
    "bez",
    "beze",
    "nad",
    "nade",
    "pod",
    "pode",
    "przed",
    "przez",
]


def _not_after_preposition(words: str) -> str:
    """Each of ``words``, unless a preposition comes just before it (checked once it matched)."""
    return "|".join(
        word + "".join(rf"(?<!\b{p} {word})" for p in _PREPOSITIONS) for word in words.split("|")
    )


def _done_to(verb: str, whom: str, before: str | None = None) -> str:
    """``verb`` with its object on either side: "ojczym mnie bije", "bije mnie".

    ``before`` narrows the objects that may come first, to those that cannot be a subject.
    """
    first = _not_after_preposition(before or whom)
    return rf"(?:(?:{first}) {_gap(2)}(?:{verb})(?! się\b)|(?:{verb}) {_gap(1)}(?:{whom}))"


# Hitting, kicking, pushing, choking and hurting, in the forms people use about someone
# else (he/she/they, present, past and the perfective future: "pobije" is a real threat).
_HURTS = (
    r"(?:po|z|na|s)?bi(?:je|ją|jesz|ł|ła|li|łeś|łaś)|zbił\w*|pobił\w*|pobije|pobiją|zbije|zbiją"
    r"|(?:z|prze|na)?la(?:ł|ła|li)|(?:z|prze|na)?lej(?:e|ą)|tłucze|tłuką|(?:s|po|wy)?tłukł\w*"
    r"|uderz(?:a|ają|ał|ała|ali|ył|yła|yli|y|ą)"
    r"|(?:s|wy|po)?kop(?:ie|ią|ał|ała|ali|nął|nęła|nęli)"
    r"|(?:po|wy)?szarp(?:ie|ią|ał|ała|ali|nął|nęła|nęli)"
    r"|popych(?:a|ają|ał|ała|ali)|(?:po|wy|ze)?pchn(?:ął|ęła|ęli|ie)|pcha|pchał|pchała"
    r"|(?:pod|przy)?dusi(?:ł|ła|li)?|(?:pod|przy)dusz(?:a|ą|ał|ała)"
    r"|spoliczkował\w*|spoliczkuje|policzkuje|policzkował\w*|(?:u)?szczyp(?:ie|ią|ał|ała|nął|nęła)"
    r"|s?krzywdz(?:i|ą|ił|iła|ili)|przypala|przypalał\w*|okład(?:a|ają|ał|ała)|maltret\w*|tarmosi\w*"
)
_ME = r"mnie|nas"
# Someone else's child or sibling as the one being hurt: a parent or child telling of it.
# Before the verb only the forms that cannot be its subject ("dzieci kopią piłkę").
_CHILD = r"go|ją|je|ich|dzieci|dziecko|brata|siostrę|rodzeństwo|syna|córkę|synka|córeczkę"
_CHILD_BEFORE = r"go|ich|brata|siostrę|rodzeństwo|syna|córkę|synka|córeczkę"
# Being hit by a thought, a cough or an electric shock; being beaten at chess.
_NOT_HIT = r"na głowę|w szach\w*|w wyścig\w*|rekord\w*|prąd\w*|kaszel|kaszl\w*|astm\w*|(?:dusi|ściska) mnie w (?:środku|gardle|piersi)|myśl\w*|(?:uderza|uderzyło) mnie (?:to|że|fakt)|(?:wiadomość|decyzja|odmowa|informacja|list|pismo|diagnoza|sytuacja|sprawa) (?:\w+ ){0,2}mnie (?:\w+ )?uderz\w*"
_FEAR = r"boję|boje|boi|boimy|boją|boisz|bałem|bałam|bał|bała|bali|strach|przeraż\w*|przerażon\w*"
_YEARS = r"lat|lata|latek|latka|latki|latkiem|latkami|letni\w*"
_MUM = r"mamę|mamusię|matkę|żonę|partnerkę"
_PARTNER = r"mąż|męża|partner|partnera|konkubent|narzeczony|eks|ex|żona|partnerka|mój były|moja była|mojego byłego"
# The people a child might be afraid of, in the genitive ("boję się ojczyma").
_WHOM = (
    r"taty|taty|ojca|ojczyma|mamy|matki|macochy|brata|siostry|wujka|wuja|cioci|ciotki|dziadka|babci"
    r"|kuzyna|kuzynki|chłopaka|partnera|partnerki|konkubenta|męża|żony|byłego|byłej|opiekuna|opiekunki"
    r"|nauczyciela|nauczycielki|trenera|księdza|sąsiada|sąsiadki|faceta|mężczyzny|pana|pani|jego|jej|go|ich|niego|niej|nich"
)
# Hyperbole people use for a parent's anger ("mama mnie zabije"): a hint, never alone.
_WILL_KILL = r"zabije|zabiją|zatłucze|zatłuką|udusi|zamorduje|zajebie|zajebią|wykończy|zakatrupi"
_THREAT = rf"{_WILL_KILL}|pobije|pobiją|skrzywdzi|skrzywdzą|dźgnie|dźgną|zadźga|potnie|potną|załatwi|załatwią|połamie"
_PILLS = r"tabletek|tabletki|leków|leki|pigułek|pigułki|prochów|prochy|paracetamolu|paracetamol|apapu|ibupromu|pastylek|lekarstw"
# "Jak zobaczy oceny, to mnie zabije": school marks, reports and lost things make a threat
# to kill hyperbole.
_TRIVIA = r"ocen\w*|jedynk\w*|pał\w*|uwag\w*|wywiadówk\w*|świadectw\w*|kartkówk\w*|sprawdzian\w*|klasówk\w*|dziennik\w*|szlaban\w*|zgubi\w*|zgubię|zepsuj\w*|zepsuł\w*|bałagan\w*|spóźni\w*"
_TELL = (
    r"powiem|powiedziałbym|powiedziałabym|powiedziałem|powiedziałam|wygadam|poskarżę|naskarżę|pisnę"
)
_TOLD_WHO = r"komuś|komukolwiek|policji|pani|panu|nauczyciel\w*|wychowaw\w*|w szkole|mamie|tacie|babci|dziadkowi|opiece|socjal\w*|pedagog\w*|psycholog\w*"
_BODY = r"ręce|rękę|ramiona|ramię|przedramiona|nadgarstki|nadgarstek|nogi|nogę|uda|udo|skórę|brzuch"
_CUTS = (
    r"(?:po|na)?(?:tnę|tnie|tniesz|tną|ciąć|ciąłem|cięłam|ciął|cięła|cięli|ciąłeś|cięłaś)|potnę|pociach\w*|ciach\w*"
    r"|o?kalecz\w*|s?krzywdz(?:ę|i|isz|ić|ił|iła|iłem|iłam)|rani(?:ć|ę|sz|łem|łam)|głodz(?:ę|ić|isz|i|ił|iła|iłem|iłam)"
)
_NOW = re.compile(
    r"\b(?:"
    + _compile(
        r"teraz|w tej chwili|w tym momencie|dzisiaj|dziś|tej nocy|zaraz|za chwilę|właśnie"
        r"|right now|now|tonight|today|this minute|as we speak|at the moment"
    )
    + r")\b"
)


_RULES: tuple[_Rule, ...] = (
    # suicide: direct, indirect, plans and means
    _rule(
        "suicide",
        STRONG,
        _reflexive(
            r"zabi(?:ć|ję|jesz|je|jemy|j|łem|łam|łeś|łaś|ł|ła|łbym|łabym|łby|łaby|cie|ciu|ciem)"
        ),
        # "mogliśmy się zabić", "o mało się nie zabiłem": a near miss on the road, not intent
        unless=rf"mog(?:ł|ła|li|liśmy|łyśmy|łem|łam|łeś|łaś|ło) {_gap(1)}(?:się )?zabi\w*|o mało",
    ),
    _rule("suicide", STRONG, r"samobój\w*|samobójcz\w*|suicyd\w*"),
    _rule(
        "suicide",
        STRONG,
        _reflexive(r"powiesić|powieszę|powiesi|powiesił\w*|powieszeni\w*|wieszać|wieszam|targn\w*"),
    ),
    _rule(
        "suicide",
        STRONG,
        r"(?:odebrać|odebrał\w*|odbiorę|odbiore|odbierze|odbierać) sobie życi\w*|życie sobie (?:odebrać|odbiorę)",
    ),
    _rule(
        "suicide",
        STRONG,
        rf"(?:skończ|zakończ)\w* {_gap(2)}ze sobą|ze sobą {_gap(2)}(?:skończ|zakończ)\w*",
    ),
    _rule(
        "suicide",
        STRONG,
        r"(?:skończ|zakończ)\w* (?:z )?(?:tym|to) wszystk\w*|(?:skończ|zakończ)\w* ze wszystkim|(?:skończ|zakończ)\w* (?:swoje |moje |to )?życi\w*",
    ),
    _rule("suicide", STRONG, rf"nie ?chc\w* {_gap(3)}(?:żyć|istnieć|być na tym świecie)"),
    # "Rano nie chce się obudzić": a parent about school mornings, not a wish not to wake.
    _rule(
        "suicide",
        STRONG,
        rf"nie ?chc\w* (?:{_gap(2)}się {_gap(1)}obudzić|{_gap(2)}obudzić się)",
        unless=r"rano|rankiem|do szkoły|do przedszkola|na autobus|budzik\w*",
    ),
    _rule("suicide", STRONG, r"nie chce mi się żyć|odechci\w* mi się żyć|odechciewa mi się żyć"),
    # "Nie chcę tu być" is often about a place, as in English ("at this school, I mean").
    _rule(
        "suicide",
        STRONG,
        rf"nie ?chc\w* {_gap(2)}(?:tu być|być tutaj|być tu|tutaj być|już być)",
        unless=r"(?:w|na|do|z) (?:tej |tym |mojej |moim |tamtej |tamtym |naszej |naszym |nowej |nowym )?(?:szkol\w*|klas\w*|prac\w*|miejsc\w*|ośrod\w*|grup\w*|świetlic\w*|placówc\w*|internac\w*|przedszkol\w*|college\w*)|to znaczy|znaczy|tzn|chodzi mi o|mam na myśli",
    ),
    _rule(
        "suicide",
        STRONG,
        rf"(?:chc\w*|wol\w*|lepiej|pragn\w*|marz\w*) {_gap(3)}(?:umrzeć|nie żyć|nie istnieć|być martw\w*|zdechnąć|odejść z tego świata|zejść z tego świata)",
        # "wolałbym umrzeć, niż iść na tę wycieczkę" (as "I'd rather die than go on that
        # school trip"); "wolę umrzeć, niż tak żyć" or "niż wrócić do domu" still alerts.
        unless=r"niż (?:\w+ ){0,4}(?:wycieczk\w*|lekcj\w*|matm\w*|sprawdzian\w*|klasówk\w*|kartkówk\w*|wf\w*|basen\w*|apel\w*|dentyst\w*|fryzjer\w*|zakup\w*|sklep\w*|sprząta\w*|przedstawieni\w*|występ\w*|odpowiada\w*)",
    ),
    _rule(
        "suicide",
        STRONG,
        rf"zasn\w* i {_gap(2)}nie {_gap(1)}obudzi\w*|(?:chc\w*|obym|wol\w*) {_gap(2)}(?:się )?(?:już )?nie obudzi\w*|nie obudzi\w* się (?:już )?(?:więcej|nigdy)",
    ),
    # First person only: "żałuję, że syn urodził się w sierpniu" is about school admissions.
    _rule(
        "suicide",
        STRONG,
        rf"(?:żałuj\w*|szkoda|po co) (?:że |iż )?{_gap(2)}(?:się )?(?:w ogóle )?(?:urodziłem|urodziłam|urodziłeś|urodziłaś|urodzić)|(?:wolał|chciał)\w* {_gap(2)}(?:się )?(?:nigdy )?nie urodzić",
    ),
    _rule(
        "suicide",
        STRONG,
        rf"(?:lepiej|łatwiej|szczęśliw\w*) {_gap(3)}beze mnie|beze mnie {_gap(3)}(?:lepiej|łatwiej|szczęśliw\w*)",
    ),
    _rule(
        "suicide",
        STRONG,
        # Not "nikt się nim nie zajmie, jak umrę": a parent's fear for their child's future.
        r"(?:lepiej|najlepiej|łatwiej|wszystkim|ulg\w*|szczęśliw\w*|ucieszy\w*)(?: \w+){0,5} (?:gdybym|jakbym|jeśli|jeżeli|jak|kiedy|gdy|gdyby|jakby|żeby|żebym|abym) (?:\w+ )?(?:umarł\w*|zniknął|zniknęła|nie żył\w*|umrę|zniknę|mnie nie było|mnie nie będzie|mnie zabraknie|mnie nie ma)",
    ),
    _rule(
        "suicide",
        STRONG,
        rf"(?:nikt|nikogo|nikomu)(?: \w+){{0,3}} by(?: \w+){{0,3}} (?:zauważ\w*|tęskni\w*|płaka\w*|obesz\w*|obchodzi\w*|brakowa\w*|przejął\w*)|by nikt {_gap(2)}nie (?:zauważ\w*|tęskni\w*|płaka\w*)",
    ),
    # The future needs "me" in it: "nikogo nie będzie obchodzić ta ankieta" is not about them.
    _rule(
        "suicide",
        STRONG,
        r"(?:nikt|nikogo|nikomu)(?: \w+){0,2} będzie(?: \w+){0,2} (?:mnie|mną|mi) (?:\w+ )?(?:brakowa\w*|tęskni\w*|płaka\w*|zauważ\w*|żałowa\w*)",
    ),
    _rule(
        "suicide",
        STRONG,
        rf"(?:nie ma|nie widzę|bez|jaki (?:jest|ma)) {_gap(1)}sens(?:u)? (?:żeby |abym |żebym |by )?{_gap(2)}(?:żyć|życia|życiu|istnie\w*|dalej żyć|żył\w*)|(?:życie|istnienie) {_gap(2)}(?:nie ma|bez) sensu|po co {_gap(3)}(?:żyć|żyję|istnieć|istnieję)|nie mam (?:już )?(?:po co|dla kogo) żyć|bez sensu {_gap(1)}żyć",
    ),
    _rule(
        "suicide",
        STRONG,
        rf"(?:dość|dosyć|zmęczon\w*) {_gap(2)}(?:życia|życiem)|(?:nie mam|brak\w*|straci\w*) {_gap(1)}sił\w* {_gap(1)}(?:żyć|do życia)",
    ),
    _rule(
        "suicide",
        STRONG,
        r"(?:list|liścik|wiadomość)\w* pożegnaln\w*|pożegnaln\w* (?:list|liścik|wiadomość)\w*",
        immediate=True,
    ),
    _rule(
        "suicide",
        STRONG,
        rf"(?:skocz\w*|wyskocz\w*|rzuc\w* się|rzucę się|położ\w* się|skoczę) {_gap(2)}(?:z|pod|przez|na) {_gap(1)}(?:mostu|dachu|okna|balkonu|bloku|wieżowca|wiaduktu|piętra|pociąg\w*|samochód|auto|tira|ciężarówkę|tramwaj|autobus|tory|torach|przepaść)",
        immediate=True,
    ),
    # Not "chowa leki": parents lock medicines away.
    _rule(
        "suicide",
        STRONG,
        rf"(?:zbier|gromadz|chomikuj|oszczędza)\w* {_gap(2)}(?:{_PILLS})",
        immediate=True,
    ),
    _rule(
        "suicide",
        STRONG,
        rf"planuj\w* {_gap(1)}(?:jak|kiedy) (?:to )?{_gap(1)}(?:zrobić|skończyć|się zabić|odejść)",
        immediate=True,
    ),
    _rule(
        "suicide",
        STRONG,
        rf"(?:podciąć|podcinam|podcina|podciął\w*|podcięła\w*|podetnę|podetnie|przeciąć|przetnę) {_gap(1)}(?:sobie )?żył\w*",
    ),
    # Intent, not a report: "taksówka wjechała w słup" is a transport complaint.
    _rule(
        "suicide",
        STRONG,
        rf"(?:wjechać|wjadę|wjechałbym|wjechałabym|rozbić się|rozbiję się|roztrzaskać się|roztrzaskam się) {_gap(2)}(?:w|do|o) (?:drzewo|ścianę|mur|słup|ciężarówkę|tira|rzekę|most)",
    ),
    _rule(
        "suicide",
        STRONG,
        r"(?:swoj|własn)\w* śmier\w*",
        unless=r"po (?:swojej|mojej|własnej) śmierci",
    ),
    _rule("suicide", HINT, r"sznur\w*|stryczek|stryczk\w*|pętl\w*"),
    _rule(
        "suicide",
        HINT,
        rf"nie (?:daję|dam|dajem) {_gap(1)}rady|nie wytrzymam|nie mogę już {_gap(1)}(?:tak|dłużej)|mam dość wszystkiego|nie mam już siły|nie dam rady dłużej",
    ),
    _rule("suicide", HINT, rf"chc\w* {_gap(2)}zniknąć|znikn\w* na (?:zawsze|dobre)"),
    _rule(
        "suicide",
        HINT,
        rf"myśl\w* {_gap(1)}o śmierci|(?:mój|swój|moim|swoim|mojego|swojego|własn\w*) pogrzeb\w*|nienawidz\w* (?:swojego |mojego )?życia",
    ),
    # self-harm
    # "uczy się ciąć nożyczkami": cutting paper, hair or nails is not self-harm.
    _rule(
        "self_harm",
        STRONG,
        _reflexive(_CUTS),
        unless=r"przez przypadek|przypadkiem|niechcący|nożyczk\w*|papier\w*|włos\w*|paznok\w*|warzyw\w*|uczy\w* się",
    ),
    _rule("self_harm", STRONG, r"samookalecz\w*|samouszkodz\w*|autoagresj\w*|autoagresywn\w*"),
    _rule(
        "self_harm",
        STRONG,
        rf"(?:{_CUTS}|drap\w*|rozdrap\w*|gryz\w*|skub\w*|szczyp\w*|walę|wali|walił\w*|tłuk\w*|uderzam) {_gap(1)}(?:sobie )?(?:swoje |moje )?(?:{_BODY})",
        unless=r"przez przypadek|przypadkiem|niechcący|myj\w*|krem\w*|but\w*|obuwi\w*",
    ),
    _rule(
        "self_harm",
        STRONG,
        rf"(?:pocię|poharata|pokaleczo|pociacha)\w* {_gap(1)}(?:{_BODY})|(?:{_BODY}) {_gap(1)}(?:pocię|poharata|pokaleczo|pociacha)\w*",
    ),
    _rule(
        "self_harm",
        STRONG,
        rf"(?:przypal\w*|poparz\w*|parz\w*) {_gap(1)}(?:się|sobie) {_gap(1)}(?:{_BODY}|zapalniczką|papierosem|żelazkiem)|przypalam się|przypalać się zapalniczką",
    ),
    _rule(
        "self_harm",
        STRONG,
        rf"(?:drap|gryz|skub|szczyp|rozdrap|obgryz|rani|tnę|tnie|cięłam|ciąłem|cięła|ciął)\w* {_gap(3)}do krwi|(?:drap|gryz|skub|szczyp|uderz|walę|wali|bij|tnę|tnie|rani)\w* {_gap(4)}(?:aż|dopóki|póki) (?:nie )?(?:zaboli|boli|poleci krew|krwawi\w*|leci krew|krew)",
    ),
    _rule(
        "self_harm",
        STRONG,
        rf"(?:uderza|bije|wali|tłucze|okłada|uderzam|biję|walę|tłukę)\w* się {_gap(1)}(?:pięściami |pięścią |ręką |rękami )?(?:w głowę|w twarz|po głowie|po twarzy|w brzuch)",
    ),
    _rule(
        "self_harm",
        STRONG,
        rf"(?<!jakbym )(?<!jakby )(?:uderzam|walę|wale|tłukę|bij\w*|obijam) {_gap(1)}(?:się )?głową (?:w|o) (?:ścian\w*|podłog\w*|stół|drzwi|biurk\w*)",
    ),
    _rule(
        "self_harm",
        STRONG,
        rf"(?:robi\w*|zrobi\w*) {_gap(1)}sobie {_gap(1)}(?:krzywd\w*|coś złego|rany)|coś {_gap(1)}sobie {_gap(1)}zrobi\w*|sobie coś zrobi\w*",
        unless=r"do jedzenia|do picia|na obiad|na kolację|na śniadanie|kanapk\w*|herbat\w*|przez przypadek|przypadkiem|niechcący|spadnie|upadnie|przewróci\w*|poślizgn\w*",
    ),
    _rule(
        "self_harm",
        STRONG,
        rf"(?:łyk\w*|połk\w*|połyka\w*) {_gap(1)}(?:wszystkie|całe opakowanie|całą paczkę|garść|za dużo|kilka opakowań|opakowanie|paczkę|dużo|naraz) {_gap(1)}(?:{_PILLS})|nałyk\w* {_gap(2)}(?:{_PILLS})|(?:biorę|bierze|brał|brała|brać|wzięła|wziął|wziąłem|wzięłam|wezmę|wezmie|zażyła|zażył|zażyłam|zażyłem|zażywa) {_gap(2)}(?:więcej|za dużo|całe opakowanie|całą paczkę|garść|kilka opakowań|dodatkow\w*|nadmiar|wszystkie naraz|wszystkie na raz|podwójn\w*) {_gap(2)}(?:{_PILLS})",
        unless=r"lekarz\w*|przepisa\w*|recept\w*|psychiatr\w*|neurolog\w*|pediatr\w*",
    ),
    _rule("self_harm", STRONG, r"przedawkow\w*", immediate=True),
    _rule(
        "self_harm",
        STRONG,
        r"zmusza\w* się do wymiot\w*|prowokuj\w* wymiot\w*|wywołuj\w* (?:u siebie )?wymiot\w*|palce do gardła",
    ),
    _rule("self_harm", HINT, r"specjalnie|celowo|umyślnie|naumyślnie"),
    _rule("self_harm", HINT, r"żyletk\w*|żyletek|blizn\w*"),
    # abuse: someone hurting the child or young person, secrets and threats
    _rule("abuse", STRONG, _done_to(_HURTS, _ME), unless=_NOT_HIT),
    _rule("abuse", STRONG, _done_to(_HURTS, _CHILD, before=_CHILD_BEFORE), unless=_NOT_HIT),
    _rule(
        "abuse",
        STRONG,
        _done_to(
            r"dotyka|dotykają|dotykał|dotykała|dotykali|dotknął|dotknęła|dotknęli|maca|macają|macał|macała|obmacuj\w*|obmacywał\w*|pomacał\w*",
            r"mnie|nas|go|ją",
            before=r"mnie|nas|go",
        ),
        unless=(
            # "to mnie dotyka", "ta decyzja mnie dotknęła": being affected, not touched
            rf"to {_gap(2)}(?:mnie )?(?:\w+ )?(?:dotyk|dotkn)\w*|(?:dotyk|dotkn)\w* mnie (?:\w+ )?to|dotknęło"
            r"|(?:sytuacja|sprawa|problem|decyzja|krytyka|słowa|uwaga|uwagi|temat|brak|komentarz\w*|opinia|odmowa|list|pismo|zachowanie|odpowiedź) (?:\w+ ){0,3}(?:mnie )?(?:dotyk|dotkn)\w*"
            r"|(?:dotyk|dotkn)\w* mnie (?:\w+ ){0,2}(?:sytuacja|sprawa|problem|decyzja|krytyka|słowa|uwaga|uwagi|temat|brak|komentarz\w*|opinia|odmowa|list|pismo|do żywego)"
            # "nie lubię, jak ktoś mnie dotyka": sensory dislike of being touched by anyone
            r"|(?:nie lubi|nie znosz|nienawidz|przeszkadza|nie cierpi|denerwuj)\w*(?: \w+){0,3} (?:ktoś|ktokolwiek|ludzie|inni|obcy|dzieci|koledzy|koleżanki)"
            r"|sensoryczn\w*"
        ),
    ),
    _rule(
        "abuse",
        STRONG,
        r"gwałt(?!own)\w*|zgwałci\w*|gwałci\w*|molestuj\w*|molestował\w*|molestowa\w*|pedofil\w*|wykorzyst\w* (?:\w+ ){0,2}seksualn\w*|seksualn\w* (?:\w+ )?(?:wykorzyst\w*|molest\w*|napaś\w*|napastow\w*)|napastuj\w*|napastował\w*|przemoc\w* seksualn\w*",
    ),
    _rule(
        "abuse",
        STRONG,
        rf"(?:pokazuje|pokazywał\w*|pokazał\w*|wysyła|wysłał\w*) (?:mi|nam) {_gap(2)}(?:swojego|siusiak\w*|penis\w*|filmy dla dorosłych|porno\w*|nagie\w*|świńskie|sprośne|intymne\w*)",
    ),
    _rule(
        "abuse",
        STRONG,
        rf"(?:każe|kazał\w*|zmusza\w*|zmusił\w*|namawia\w*) (?:mi|mnie) {_gap(2)}(?:się )?(?:rozbiera\w*|rozebrać|zdjąć {_gap(1)}(?:ubranie|majtki|spodnie|bluzkę|koszulkę)|dotyka\w*|dotknąć|całować|pocałować|robić {_gap(1)}rzeczy)",
    ),
    _rule("abuse", STRONG, rf"(?:zrobi|zrobią) (?:mi|nam|mamie) {_gap(1)}krzywd\w*"),
    _rule(
        "abuse",
        STRONG,
        rf"(?:robi|robił\w*|robią|robili|zrobił\w*) (?:mi|ze mną|nam) {_gap(1)}(?:rzeczy|coś złego|takie rzeczy|złe rzeczy|dziwne rzeczy|brzydkie rzeczy|krzywd\w*)",
    ),
    _rule(
        "abuse",
        STRONG,
        rf"nasz\w* {_gap(1)}(?:sekret\w*|tajemnic\w*)|(?:dotrzym|trzyma|zachowa|zachowywa)\w* {_gap(2)}(?:sekret\w*|tajemnic\w*|w tajemnicy)",
    ),
    # "Mówi, że to tajemnica" is also a birthday present: a hint, where "nasz sekret" is strong.
    _rule(
        "abuse",
        HINT,
        rf"(?:mówi|mówił\w*|powiedział\w*|każe|kazał\w*|twierdzi) {_gap(2)}(?:że )?(?:to )?(?:jest )?(?:sekret|tajemnic\w*)|(?<=\bto )(?:sekret|tajemnica)|(?<=\bto jest )(?:sekret|tajemnica)",
    ),
    _rule(
        "abuse",
        STRONG,
        rf"nie wolno mi {_gap(1)}nikomu {_gap(1)}(?:mówić|powiedzieć|pokazywać)|(?:kazał\w*|każe|mówi|mówił\w*|zabroni\w*|zabrania\w*) {_gap(3)}nikomu {_gap(1)}nie (?:mówić|mówił\w*|powiedzieć|mów)",
    ),
    _rule(
        "abuse",
        STRONG,
        rf"nikt {_gap(1)}(?:mi )?(?:nie )?(?:uwierzy|uwierzył\w*|uwierzą)|nikt by mi nie uwierzył\w*",
    ),
    _rule("abuse", HINT, r"nikt mi nie wierzy|nie mów nikomu|nikomu nie mów"),
    # Secrecy in general: named "unsafe" so it does not outweigh a partner's violence.
    _rule(
        "unsafe",
        HINT,
        r"nie (?:mogę|wolno mi) (?:o tym )?nikomu (?:o tym )?(?:powiedzieć|mówić)|nikomu nie mogę (?:o tym )?(?:powiedzieć|mówić)",
    ),
    _rule(
        "abuse",
        STRONG,
        rf"(?:jak|jeśli|jeżeli|gdy|kiedy|gdybym|jakbym) {_gap(2)}(?:{_TELL})(?: \w+){{0,2}} (?:{_TOLD_WHO})|(?:jak|jeśli|jeżeli|gdy|kiedy|gdybym|jakbym) {_gap(1)}(?:{_TOLD_WHO}) {_gap(1)}(?:{_TELL})",
        unless=_TRIVIA,
    ),
    _rule(
        "abuse",
        HINT,
        rf"(?:jak|jeśli|jeżeli|gdy|kiedy|gdybym|jakbym) {_gap(2)}(?:{_TELL})",
        unless=_TRIVIA,
    ),
    _rule(
        "abuse",
        HINT,
        r"zabiorą (?:mnie|nas)|oddadzą mnie|odbiorą mnie|domu dziecka|(?:będzie|to) moja wina|będę mia\w* kłopoty",
    ),
    _rule(
        "abuse",
        STRONG,
        rf"(?:zamyka|zamykają|zamknął|zamknęła|zamknęli|zamykał\w*) (?:mnie|nas|go|ją) {_gap(1)}(?:w pokoju|w łazience|w piwnicy|w szafie|na klucz|na balkonie|na dworze|w komórce)",
    ),
    _rule(
        "abuse",
        STRONG,
        rf"(?:dostaję|dostaje|dostałem|dostałam|dostał|dostała|dostanę|dostanie|dostajemy) {_gap(1)}(?:lanie|lania|w skórę|klapsa|klapsy|pasem|paskiem|po twarzy|po głowie|po pupie|po tyłku|po dupie|po mordzie|po gębie|po łbie)",
    ),
    _rule(
        "abuse",
        STRONG,
        rf"(?:bije|bił\w*|leje|lał\w*|tłucze|zlał\w*|uderz\w*|okłada\w*|dostaj\w*|dostał\w*|dostan\w*) {_gap(3)}(?:pasem|paskiem|kablem|kijem|ścierką|łyżką|smyczą|rózgą|sznurem|ładowarką)",
    ),
    _rule(
        "abuse",
        STRONG,
        r"(?:da|dał|dała|daje|dają) (?:mi|nam) (?:w twarz|w pysk|po twarzy|w mordę|klapsa|klapsy)",
    ),
    _rule(
        "abuse",
        STRONG,
        r"brutaln\w* (?:dla|wobec|w stosunku do) (?:niego|niej|mnie|nas|dzieci|dziecka|syna|córki)|rzuca (?:\w+ )?(?:we|w) (?:mnie|nas)",
    ),
    _rule(
        "abuse",
        STRONG,
        rf"znęca\w* {_gap(1)}(?:się )?nad(?:e)? (?:mną|nami|nim|nią|dzieckiem|dziećmi|synem|córką)|(?:się )?nad(?:e)? (?:mną|nami|nim|nią|dzieckiem|dziećmi|synem|córką) {_gap(1)}(?:się )?znęca\w*",
    ),
    _rule("abuse", STRONG, rf"przemoc\w* {_gap(1)}(?:fizyczn\w*|psychiczn\w*|emocjonaln\w*)"),
    _rule(
        "abuse",
        HINT,
        r"siniak\w*|sińc(?:ami|ach|ów)|sińce (?:na|po|od)|siniec|ślad\w* (?:po |od )?(?:palc\w*|pasa|pasie|uderzeni\w*)",
    ),
    _rule(
        "abuse",
        HINT,
        rf"(?:{_FEAR}) się (?:mojego |mojej |swojego |swojej |własnego |własnej |tego |tej )?(?:{_WHOM})",
    ),
    _rule(
        "abuse",
        HINT,
        rf"(?:krzyczy|płacze|trzęsie się|panikuje|chowa się|sztywnieje) {_gap(2)}(?:kiedy|gdy|jak|na widok) {_gap(1)}(?:go|ją|widzi|busa|opiekun\w*|jego|jej)",
    ),
    _rule(
        "abuse",
        HINT,
        r"wykorzystuje mnie|wykorzystał\w* mnie|oberwał\w*|obrywam|oberwę|dostał\w* w twarz",
    ),
    # domestic violence
    _rule("domestic_violence", STRONG, _done_to(_HURTS, _MUM)),
    _rule(
        "domestic_violence",
        STRONG,
        rf"\b(?:{_PARTNER})\b(?: \w+){{0,8}} {_done_to(_HURTS, 'mnie')}",
    ),
    _rule(
        "domestic_violence",
        STRONG,
        unless=r"piosenk\w*|muzyk\w*|wzrusz\w*|emocj\w*",
        pattern=rf"(?:łapie|złapał\w*|chwyta|chwycił\w*|trzyma|trzymał\w*|ściska|ścisnął|ciągnie|ciągnął|ciągnęła|szarpie|szarpał\w*|dusi|dusił\w*|podnosi|podniósł) {_gap(2)}za (?:szyję|gardło|włosy|kark)",
    ),
    _rule(
        "domestic_violence",
        STRONG,
        rf"kontrol\w* {_gap(2)}(?:pieniądze|pieniędzy|finanse|finansów|kasę|konto|wydatki|wypłatę)|wydziela {_gap(1)}(?:mi )?(?:pieniądze|pieniędzy|kasę)",
    ),
    _rule(
        "domestic_violence",
        STRONG,
        rf"(?:{_FEAR}) się {_gap(1)}(?:co|tego co) (?:on |ona )?{_gap(2)}(?:zrobi|zrobią|może zrobić|zrobiłby|zrobiłaby|by zrobił)",
    ),
    _rule(
        "domestic_violence",
        STRONG,
        rf"przemoc\w* {_gap(1)}(?:domow\w*|w domu|w rodzinie|w związku|ekonomiczn\w*|ze strony (?:męża|partnera|byłego|ojca|taty|ojczyma))|niebiesk\w* (?:kart\w*|lini\w*)",
    ),
    _rule(
        "domestic_violence",
        STRONG,
        rf"(?:krzyczy|wrzeszczy|drze się) i {_gap(1)}(?:rzuca|rzucał\w*|tłucze|niszczy|rozbija)",
    ),
    _rule(
        "domestic_violence",
        HINT,
        rf"nie pozwala (?:mi|nam) {_gap(1)}(?:wychodzić|wyjść|widywać|widzieć|spotykać|jechać|zabrać|zabierać|mieć|dzwonić|pracować|odejść|wyjechać)",
    ),
    _rule(
        "domestic_violence",
        HINT,
        rf"(?:mówi|nazywa mnie|wyzywa mnie|twierdzi) {_gap(2)}(?:że )?(?:jestem )?(?:bezużyteczn\w*|beznadziejn\w*|nic nie wart\w*|do niczego|głup\w*|zerem|nikim|idiotk\w*|idiot\w*|śmieciem|nieudacznik\w*)",
    ),
    _rule(
        "domestic_violence",
        HINT,
        r"(?:dzieci|dzieciaki) (?:\w+ )?(?:chowają się|się chowają|uciekają na górę|uciekają do pokoju)|chowamy się|się chowamy",
    ),
    _rule(
        "domestic_violence",
        HINT,
        r"zabiera (?:mi )?(?:\w+ )?(?:wypłatę|pensję|zasiłek|pieniądze|kartę)|nie daje mi (?:żadnych )?pieniędzy",
    ),
    # neglect
    _rule(
        "neglect",
        STRONG,
        rf"nie ma {_gap(2)}(?:jedzenia|nic do jedzenia|co jeść|żadnego jedzenia)(?: \w+){{0,2}} (?:w domu|w mieszkaniu|w lodówce)|(?:w domu|w mieszkaniu|w lodówce) {_gap(2)}nie ma {_gap(2)}(?:jedzenia|co jeść|nic do jedzenia)",
    ),
    _rule(
        "neglect",
        STRONG,
        rf"nie mamy (?:\w+ )?(?:co jeść|jedzenia|nic do jedzenia)|nie mam {_gap(1)}co jeść {_gap(1)}w domu|w domu {_gap(2)}nie mam {_gap(1)}co jeść",
    ),
    _rule(
        "neglect",
        HINT,
        r"nie mam (?:\w+ )?(?:co jeść|nic do jedzenia)|(?:lodówka (?:jest )?pusta|pusta lodówka)",
    ),
    _rule(
        "neglect",
        STRONG,
        rf"(?:ciągle|zawsze|cały czas|bardzo często|codziennie|non stop|wiecznie) {_gap(2)}głodn\w*|głodn\w* {_gap(1)}(?:cały czas|codziennie|cały dzień|całymi dniami|przez cały dzień|większość dni|prawie codziennie|do szkoły|do łóżka|spać)",
    ),
    _rule(
        "neglect",
        STRONG,
        rf"nie dostaję {_gap(1)}(?:jedzenia|jeść|obiadu|kolacji|śniadania)|nikt {_gap(1)}(?:mi |nam )?nie (?:daje|robi|gotuje) (?:mi |nam )?(?:jeść|jedzenia|obiadu|kolacji|śniadania)",
    ),
    _rule(
        "neglect",
        STRONG,
        rf"bez (?:kolacji|obiadu|śniadania|jedzenia) {_gap(3)}(?:codziennie|często|znowu|prawie|większość|każd\w*|ciągle|zwykle|wieczorami)|(?:codziennie|często|znowu|prawie zawsze|ciągle|zwykle) {_gap(3)}bez (?:kolacji|obiadu|śniadania|jedzenia)",
    ),
    _rule("neglect", STRONG, r"(?:głodz\w*|głodzi\w*) (?:mnie|nas|go|ją|dzieci)"),
    _rule(
        "neglect",
        STRONG,
        rf"nikt {_gap(1)}(?:mnie|mi|nas|nam|po mnie|po nas) {_gap(1)}nie (?:pierze|pierzą|myje|kąpie|karmi|gotuje|odbiera|przebiera|przewija|pilnuje|szuka|zmienia|przychodzi|przyjeżdża)|nikt nie (?:pierze|myje|zmienia|pilnuje)(?: \w+){{0,2}} (?:moich|mojej|moje|mi|mnie|pościeli)|nikt się (?:mną|nami) nie (?:zajmuje|opiekuje|interesuje)|nikt (?:jej|go|ich) nie szuka",
    ),
    _rule(
        "neglect",
        STRONG,
        rf"(?:zostawia\w*|zostawił\w*|zostaję|zostaje|zostawiają) {_gap(2)}(?:sam|sama|samego|samą|same|samych|samemu) {_gap(2)}(?:na noc|na całą noc|na całe noce|na kilka dni|na parę dni|przez całą noc|na weekend|na cały weekend|na całe dnie|do rana|całymi dniami|na dwa dni|na trzy dni|w nocy)",
    ),
    _rule("neglect", HINT, rf"śpi\w* w {_gap(1)}ubrani\w*"),
    _rule(
        "neglect",
        HINT,
        r"(?:łóżko|pościel|materac) (?:\w+ )?(?:jest )?(?:mokr\w*|brudn\w*|zasikan\w*|śmierdz\w*)|(?:mokr\w*|brudn\w*|zasikan\w*) (?:łóżk\w*|pościel\w*|materac\w*)",
    ),
    _rule(
        "neglect",
        HINT,
        r"(?:mamy|są|jest|widać|biegają) (?:\w+ ){0,2}(?:myszy|szczury|szczur|karaluchy|pluskwy)|(?:myszy|szczury|karaluchy|pluskwy) (?:\w+ )?(?:w domu|w mieszkaniu|w kuchni|w pokoju)",
    ),
    _rule(
        "neglect",
        HINT,
        r"nie (?:ma|mamy) (?:\w+ )?(?:prądu|ogrzewania|gazu|ciepłej wody|światła)|(?:odcięli|odcięto|wyłączyli) (?:nam )?(?:prąd|gaz|wodę|ogrzewanie)",
    ),
    _rule(
        "neglect",
        HINT,
        r"(?:mówią|mówi|śmieją się|wyzywają)(?: \w+){0,3} (?:że )?(?:śmierdzę|brzydko pachnę|cuchnę|jestem brudn\w*)|brudn\w* ubra\w*",
    ),
    _rule(
        "neglect",
        HINT,
        rf"(?:sam|sama|samemu) {_gap(2)}(?:robię|robić|gotuję|szykuję|przygotowuję|zrobić) (?:sobie )?(?:jedzenie|obiad|kolację|śniadanie|coś do jedzenia)|muszę (?:sam |sama )?(?:sobie )?(?:robić|zrobić|gotować|ugotować) (?:sobie )?(?:jedzenie|obiad|kolację)",
    ),
    _rule(
        "neglect",
        HINT,
        rf"(?:śpi|leży) {_gap(2)}(?:cały dzień|całymi dniami|całe dnie|do popołudnia|ciągle)",
    ),
    _rule(
        "neglect",
        HINT,
        rf"(?:opiekuj\w*|zajmuj\w*|pilnuj\w*|opiekować|pilnować) {_gap(3)}(?:młodsz\w* )?(?:brat\w*|siostr\w*|rodzeństw\w*)",
    ),
    _rule("neglect", HINT, r"(?:w samej|tylko w) (?:pieluszce|pieluch\w*|pielusze)"),
    _rule(
        "neglect",
        HINT,
        rf"na (?:ulicy|dworze|podwórku|klatce) {_gap(3)}(?:w nocy|o północy|o 2[0-3]|o 1[01]|późnym wieczorem|po nocach)|(?:w nocy|po nocach|o północy|o 2[0-3]|o 1[01]) {_gap(3)}na (?:ulicy|dworze|podwórku)",
    ),
    # exploitation
    _rule(
        "exploitation",
        STRONG,
        rf"(?:przewo|przeno|nosz|nosi|wożę|wozi|dostarcza|dostarcz|rozno|rozwo|zawo|podrzuca|przekaz)\w* {_gap(2)}(?:paczki|paczk\w*|paczuszk\w*|pakunk\w*|towar\w*|działk\w*|przesyłk\w*)",
    ),
    _rule(
        "exploitation",
        STRONG,
        rf"(?:każ\w*|kazał\w*|zmusza\w*|zmusił\w*|namawia\w*|namówił\w*|wciągnęli|werbuj\w*) (?:mi|mnie|go|ją) {_gap(2)}(?:sprzeda\w*|diluj\w*|dilow\w*|handlow\w*|rozprowadza\w*|przewozi\w*|przewieźć|przechowywać|przechować|ukryć|dostarcz\w*|kraść|ukraść)",
    ),
    _rule(
        "exploitation",
        STRONG,
        rf"(?:sprzeda\w*|diluj\w*|dilow\w*|handluj\w*|handlow\w*|rozprowadza\w*|przewo\w*|przechowuj\w*|chowam|ukrywa\w*) (?:dla (?:nich|niego|kogoś) )?{_gap(2)}(?:narkotyk\w*|drag\w*|trawk\w*|zioło|ziołem|marihuan\w*|koks\w*|kokain\w*|mefedron\w*|mef\w*|dopalacz\w*|amfetamin\w*|prochy|maryśk\w*)",
    ),
    _rule(
        "exploitation",
        STRONG,
        rf"(?:nagi\w*|rozebran\w*|intymn\w*|gołe|gołych|bez ubrania|w bieliźnie|w majtkach|w staniku) {_gap(1)}(?:zdjęci\w*|zdjęć|fotk\w*|foty|fotek|selfie|nagra\w*|filmik\w*)|(?:zdjęci\w*|zdjęć|fotk\w*|foty|fotek|selfie|nagra\w*|filmik\w*) {_gap(1)}(?:nago|bez ubrania|w bieliźnie|w majtkach|w staniku|nagi\w*|rozebran\w*)|nudeski|nudesy|nudesów|nudeska",
    ),
    _rule(
        "exploitation",
        STRONG,
        rf"(?:prosi|prosił\w*|chce|chciał\w*|każe|kazał\w*|namawia\w*|wymaga\w*|żąda\w*) (?:mnie|mi|ode mnie) {_gap(2)}(?:o )?(?:moje |moich |swoje )?(?:zdjęci\w*|zdjęć|fotk\w*|foty|fotek|selfie|nagrania|filmik\w*)",
    ),
    _rule(
        "exploitation",
        HINT,
        rf"(?:wysła\w*|wysyła\w*|wyślę|wysłać) {_gap(1)}(?:mu|im|jej|temu) {_gap(1)}(?:zdjęci\w*|fotk\w*|foty|fotki)",
    ),
    _rule(
        "exploitation",
        HINT,
        rf"(?:poznał\w*|poznaliśmy|gadam|gada|piszę|pisze|rozmawiam|rozmawia) {_gap(3)}(?:na|w|przez) (?:snap\w*|insta\w*|tiktok\w*|tik tok\w*|discord\w*|roblox\w*|grze|grach|internecie|necie|sieci|messenger\w*|facebook\w*|fejsie|fb)",
    ),
    _rule(
        "exploitation",
        STRONG,
        rf"(?:płac|zapłac|opłac)\w* (?:mi|nam) {_gap(2)}(?:e papieros\w*|e fajk\w*|epapieros\w*|efajk\w*|vap\w*|wap\w*|trawk\w*|zioło|narkotyk\w*|drag\w*|gotówk\w*|w kasie|butami|ciuchami|alkohol\w*)",
    ),
    _rule(
        "exploitation",
        STRONG,
        rf"(?:dostaję|dostałem|dostałam|dają mi|dali mi|daje mi|dał mi|dała mi|dają nam) {_gap(2)}(?:trawk\w*|zioło|narkotyk\w*|drag\w*|alkohol\w*|wódk\w*|piw\w*|e papieros\w*|e fajk\w*|vap\w*|wap\w*|papieros\w*|fajki)",
    ),
    _rule("exploitation", HINT, rf"(?:dają mi|dali mi|płacą mi) {_gap(1)}(?:kasę|pieniądze|hajs)"),
    _rule(
        "exploitation",
        STRONG,
        rf"(?:mieszkań|domach|domów|mieszkaniach) {_gap(2)}dla (?:nich|niego|kogoś|starszych)",
    ),
    _rule(
        "exploitation",
        STRONG,
        rf"(?:przechow|trzym|chowa|ukrywa|schowa)\w* {_gap(2)}(?:nóż|noża|broń|pistolet\w*|spluw\w*|maczet\w*|narkotyk\w*|paczk\w*|towar\w*|trawk\w*) {_gap(2)}dla (?:niego|nich|kogoś|starszych|kolegi|kolegów)",
    ),
    _rule(
        "exploitation",
        STRONG,
        rf"(?:znika|zniknął|zniknęła|znikał\w*|ucieka|uciekł\w*|nie wraca\w*|nie wrócił\w*) {_gap(3)}(?:na noc|na całą noc|na całe noce|na kilka dni|na parę dni|przez całą noc|do rana|w nocy|całą noc|na weekend)|zgłosi\w* {_gap(1)}zaginięci\w*",
    ),
    _rule(
        "exploitation",
        STRONG,
        rf"(?:dużo|o wiele|znacznie|sporo) starsz\w* {_gap(2)}(?:mężczyzn\w*|facet\w*|chłopak\w*|koleg\w*|gości|gościu|kolesi\w*|panów|pan\w*|chłopcy|chłopców)",
    ),
    _rule(
        "exploitation",
        HINT,
        r"starsz\w* (?:chłopacy|chłopaki|chłopak\w*|koledzy|kolesie|faceci|mężczyźni|goście|panowie|kumple|ziomk\w*|ziomal\w*)",
    ),
    _rule(
        "exploitation",
        HINT,
        r"(?:facet|mężczyzna|ktoś|chłopak|koleś|gość|dorosły)(?: \w+){0,2} (?:z internetu|z neta|z sieci|z gry|z discorda|z tiktoka|ze snapa|z insta|online|w internecie|z czatu)",
    ),
    _rule(
        "exploitation",
        HINT,
        r"(?:chce|chcą|chciał\w*) (?:się )?(?:ze mną |z nią |z nim )?(?:spotkać|spotkania|zobaczyć na żywo)",
    ),
    _rule(
        "exploitation",
        HINT,
        rf"(?:mówi|mówił\w*|pisze|napisał\w*|twierdzi) {_gap(2)}(?:że )?(?:mnie |ją |go )?kocha",
    ),
    _rule(
        "exploitation",
        HINT,
        rf"nikomu {_gap(1)}nie (?:powiedział\w*|mówił\w*)|nie (?:powiedział\w*|mówił\w*) {_gap(1)}nikomu",
    ),
    _rule(
        "exploitation",
        HINT,
        r"(?:nowe|drogie|markowe) (?:\w+ )?(?:buty|adidasy|telefon\w*|ciuchy|kurtk\w*)|dwa telefony|drugi telefon",
    ),
    _rule(
        "exploitation",
        HINT,
        rf"(?:1[89]|2[0-9]) ?(?:{_YEARS})\b.{{0,60}}\b1[0-5] ?(?:{_YEARS})|1[0-5] ?(?:{_YEARS})\b.{{0,60}}\b(?:1[89]|2[0-9]) ?(?:{_YEARS})",
    ),
    _rule(
        "exploitation",
        HINT,
        rf"alkohol\w* {_gap(1)}(?:i )?(?:podwo\w*)|(?:dają|daje|dawali|kupują|kupuje) (?:jej|mu|im) {_gap(1)}alkohol\w*",
    ),
    _rule("exploitation", HINT, rf"(?:kłam\w*|okłamuje|ukrywa) {_gap(2)}(?:gdzie|dokąd|z kim)"),
    _rule("exploitation", HINT, r"gangu|gangiem|gangach|gangów|gangsterzy|gangsterów|diler\w*"),
    # unsafe: at home, with someone, nowhere to sleep, weapons, threats
    _rule(
        "unsafe",
        STRONG,
        rf"nie {_gap(1)}czuj\w* się {_gap(3)}bezpieczn\w*|(?:czuj\w* się|jest mi|jest tu|jest tam) {_gap(2)}(?:niebezpieczn\w*|zagrożon\w*)",
    ),
    _rule(
        "unsafe",
        STRONG,
        rf"nie (?:jestem|jest|będę) {_gap(2)}bezpieczn\w* (?:w domu|tu|tutaj|tam|z nim|z nią|przy nim|przy niej|u taty|u mamy|w mieszkaniu)|niebezpiecznie {_gap(1)}(?:w domu|tu|tutaj|z nim|z nią|przy nim)|(?:w domu|z nim|z nią|przy nim|przy niej|u taty|u mamy) {_gap(2)}nie (?:jest|jestem|było|będzie) {_gap(1)}bezpieczn\w*",
    ),
    _rule(
        "unsafe",
        STRONG,
        rf"(?:{_FEAR}) {_gap(2)}(?:wracać|wrócić|iść|pójść|chodzić|jechać|być|zostać|zostawać|spać) {_gap(1)}(?:do domu|w domu|z nim|z nią|u niego|u niej|u taty|u mamy|do taty|do mamy|do niego|do niej)|(?:{_FEAR}) się {_gap(1)}w domu|(?:przerażon|przestraszon|wystraszon)\w* {_gap(1)}(?:w domu|przy nim|przy niej)",
    ),
    _rule("unsafe", STRONG, rf"(?:{_FEAR}) się {_gap(1)}o (?:swoje|moje|własne) życie"),
    _rule(
        "unsafe",
        STRONG,
        rf"(?:śpię|spałem|spałam|spał|spała|nocuję|nocowałem|nocowałam|nocuje|śpi|sypiam|śpimy|spaliśmy) {_gap(2)}(?:na ulicy|w parku|na dworcu|w samochodzie|w aucie|na klatce|pod mostem|na ławce|w namiocie|na działkach|w pustostanie|na dworze|pod gołym niebem)",
    ),
    _rule(
        "unsafe",
        HINT,
        rf"(?:śpię|spałem|spałam|nocuję|nocowałem|nocowałam|sypiam|mieszkam) {_gap(2)}u (?:różnych )?(?:kolegów|kolegi|znajomych|kumpli|koleżanek|koleżanki|kumpla|ludzi)|(?:śpię|sypiam) {_gap(1)}na (?:kanapie|kanapach|sofie|podłodze) u",
    ),
    _rule(
        "unsafe",
        STRONG,
        rf"nie (?:mam|mamy) {_gap(1)}gdzie {_gap(1)}(?:spać|mieszkać|nocować|się podziać|się zatrzymać|przenocować|iść spać)|(?:jestem|jesteśmy|zostałem|zostałam|zostaliśmy) {_gap(1)}bezdomn\w*",
    ),
    _rule(
        "unsafe",
        STRONG,
        rf"(?:mówi|mówił\w*|powiedział\w*|grozi|groził\w*|zagroził\w*|obiecał\w*|krzyczy|krzyczał\w*|pisze|napisał\w*|twierdzi|straszy|straszył\w*)(?: \w+){{0,3}} (?:{_done_to(_THREAT, 'mnie|nas|mamę')}|(?:zrobi|zrobią) (?:mi|nam|mamie) {_gap(1)}krzywd\w*)",
        unless=_TRIVIA,
    ),
    _rule(
        "unsafe",
        STRONG,
        rf"groz\w* (?:mi|nam|mamie) {_gap(1)}(?:nożem|bronią|pistoletem|śmiercią|maczetą|siekierą)",
        immediate=True,
    ),
    _rule(
        "unsafe",
        STRONG,
        rf"(?:użyje|użyć|użył\w*|wyciągnie|wyciągnął|wyjmie|przyłoży|przyłożył\w*) {_gap(2)}(?:go|jej|noża|nóż|broni|pistoletu|maczety|siekiery) {_gap(2)}(?:na mnie|przeciwko mnie|do mnie|do gardła|na nas|do szyi)|(?:go|jej|nóż|noża|broń|broni) (?:na mnie|przeciwko mnie|na nas) {_gap(1)}(?:użyje|użyć|wyciągnie)|(?:dźgnie|dźgnąć|dźgnął|zadźga|pchnie nożem) {_gap(1)}(?:mnie|nas)",
        immediate=True,
    ),
    # "albo mnie pobiją" is a threat; "bo mama mnie zabije" (because mum will kill me) is
    # usually an excuse, and left to the hint below.
    _rule(
        "unsafe",
        STRONG,
        rf"(?:albo|inaczej) {_gap(1)}(?:mnie|nas|mamę|moją mamę) {_gap(1)}(?:{_THREAT})",
        unless=_TRIVIA,
    ),
    _rule("unsafe", HINT, _done_to(_WILL_KILL, "mnie|nas"), unless=_TRIVIA),
    _rule("unsafe", STRONG, rf"(?:uciek\w*|ucieka\w*|ucieczk\w*|uciec|ucieknę) {_gap(1)}z domu"),
    _rule(
        "unsafe",
        STRONG,
        rf"(?:wyrzuci\w*|wyrzuca\w*|wywali\w*|wywala\w*|wygoni\w*|wygania\w*) {_gap(1)}(?:mnie |nas )?z domu",
    ),
    _rule("unsafe", HINT, r"wyrzucili mnie|wywalili mnie|wyrzucona|wyrzucony"),
    _rule(
        "unsafe",
        HINT,
        rf"nie {_gap(1)}(?:chcę|chciałbym|chciałabym) {_gap(1)}(?:wracać|wrócić|iść|jechać|pójść) {_gap(1)}do domu",
    ),
    _rule(
        "unsafe",
        HINT,
        rf"pijan\w*|nawalon\w*|nachlan\w*|schlan\w*|upit\w*|naćpan\w*|zaćpan\w*|chleje|chla|chlał\w*|pije {_gap(1)}(?:codziennie|ciągle|znowu|co wieczór|całymi dniami|od rana|wódkę)",
    ),
    _rule(
        "unsafe",
        HINT,
        rf"(?:rozwal\w*|rozbi\w*|połama\w*|zdemol\w*|demol\w*|zniszcz\w*|roztrzaska\w*|stłukł\w*) {_gap(2)}(?:telewizor\w*|drzwi|meble|wszystko|szyby|szybę|talerze|naczynia|okno|ścian\w*)",
    ),
    _rule(
        "unsafe",
        HINT,
        r"nóż|noża|nożem|noże|noży|pistolet\w*|spluw\w*|maczet\w*|siekier\w*|kastet\w*|broń(?! boże)|bronią",
    ),
    _rule(
        "unsafe",
        HINT,
        r"(?:mówi|mówił\w*) (?:\w+ )?(?:poważnie|serio)|nie żartuje|nie (?:był|było) żart\w*",
    ),
    _rule(
        "unsafe",
        HINT,
        rf"(?:{_FEAR}) się (?:mojego |mojej |swojego |swojej |własnego |własnej |tego |tej )?(?:{_WHOM})",
    ),
)

# ------------------------------------------------------------------ a quick first look
#
# Most answers are in English and match no Polish rule, and running 140 expressions over every
# sentence would halve the screen's speed. So each rule is indexed by every way a match of it
# can begin (its first four characters, worked out from the parsed expression); a sentence runs
# only the rules whose openings occur at the start of one of its words. A rule whose opening
# cannot be bounded (it begins with any word at all) runs on every sentence, so the look can
# never hide a match: tests check that on every labelled sentence.

_OPENING = 4
_WALK_BUDGET = 200_000


class _Unbounded(Exception):
    """A rule whose opening cannot be listed: it must run on every sentence."""


def _openings(pattern: str) -> frozenset[str] | None:
    """Every string of up to four characters a match of ``pattern`` can begin with, or None."""
    try:
        found: set[str] = set()
        budget = [_WALK_BUDGET]
        _walk(((list(_sre_parse.parse(pattern)), 0),), "", found, budget)
    except (_Unbounded, RecursionError, TypeError, ValueError, IndexError):
        return None
    if any(not opening[:1].isalnum() for opening in found):
        return None  # a match could begin at a word's end: no word start to look for
    return frozenset(found)


def _walk(
    stack: tuple[tuple[list[Any], int], ...], acc: str, found: set[str], budget: list[int]
) -> None:
    """Follow the parsed expression from its start, collecting openings of ``_OPENING`` characters.

    ``stack`` holds what is left to match: (items, index) frames, innermost first.
    """
    budget[0] -= 1
    if budget[0] < 0:
        raise _Unbounded
    if len(acc) >= _OPENING or not stack:
        found.add(acc[:_OPENING])  # long enough, or the whole match is this short
        return
    (items, i), rest = stack[0], stack[1:]
    if i >= len(items):
        _walk(rest, acc, found, budget)
        return
    op, av = items[i]
    after = ((items, i + 1), *rest)
    if op is _sre.LITERAL:
        _walk(after, acc + chr(av), found, budget)
    elif op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):
        _walk(after, acc, found, budget)  # zero width: it only narrows what matches
    elif op is _sre.SUBPATTERN:
        _walk(((list(av[-1]), 0), *after), acc, found, budget)
    elif op is _sre.BRANCH:
        for branch in av[1]:
            _walk(((list(branch), 0), *after), acc, found, budget)
    elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT):
        low, high, sub = av
        if low == 0:
            _walk(after, acc, found, budget)
        if high != 0:
            left = high if high is _sre.MAXREPEAT else high - 1
            again = [(op, (max(low - 1, 0), left, sub))]
            _walk(((list(sub), 0), (again, 0), *after), acc, found, budget)
    elif op is _sre.IN and (chars := _few_chars(av)):
        for char in chars:
            _walk(after, acc + char, found, budget)
    elif acc:
        found.add(acc)  # a class of characters or the like: the opening is known this far
    else:
        raise _Unbounded


def _few_chars(items: list[tuple[Any, Any]]) -> list[str]:
    """The characters of a class like ``[0-5]`` or ``[89]``; empty for ``\\w`` or ``[^…]``."""
    chars: list[str] = []
    for kind, value in items:
        if kind is _sre.LITERAL:
            chars.append(chr(value))
        elif kind is _sre.RANGE and value[1] - value[0] < 16:
            chars.extend(map(chr, range(value[0], value[1] + 1)))
        else:
            return []
    return chars


def _index(rules: tuple[_Rule, ...]) -> tuple[tuple[int, ...], dict[str, tuple[int, ...]]]:
    """The rules that always run, and the rules to run for each opening."""
    always, by_opening = [], {}
    for number, rule in enumerate(rules):
        openings = _openings(rule.pattern.pattern)
        if openings is None:
            always.append(number)
            continue
        for opening in openings:
            by_opening.setdefault(opening, []).append(number)
    return tuple(always), {k: tuple(v) for k, v in by_opening.items()}


_ALWAYS, _BY_OPENING = _index(_RULES)
# The first characters at each word start ("w do" spans a short word and the next).
_WINDOW = re.compile(rf"(?<![^ ])(?=(.{{1,{_OPENING}}}))")


@lru_cache(maxsize=65536)
def _window_rules(window: str) -> frozenset[int]:
    """The rules a match of which can begin with ``window`` or any start of it."""
    return frozenset(
        n for length in range(1, len(window) + 1) for n in _BY_OPENING.get(window[:length], ())
    )


def _candidates(words: str) -> list[_Rule]:
    """The rules that could match ``words`` (folded), in table order."""
    chosen = set(_ALWAYS).union(*map(_window_rules, set(_WINDOW.findall(words))))
    return [_RULES[n] for n in sorted(chosen)]


# Laughter and chat markers: hyperbole and jokes, but never a first-person statement about
# suicide or self-harm (see the module's notes).
_JOKING = re.compile(
    r"\b(?:"
    + _compile(
        r"xd+|haha\w*|hehe\w*|hihi\w*|lol|lmao|rotfl|jk|(?<!\bnie )(?:żartuję|żartowałem|żartowałam)"
    )
    + r")\b"
)
_LAUGHING = re.compile(r"[😂🤣]")
_IDIOM = re.compile(
    r"\b(?:"
    + _compile(
        r"ze śmiechu|z nudów|z nudy|ze wstydu|z ciekawości|z zazdrości|z wrażenia|z zachwytu|przez przypadek|przypadkiem|niechcący"
    )
    + r")\b"
)
# A game: fiction for violence and death, but where grooming starts, so not for exploitation.
_GAME = re.compile(
    r"\b(?:"
    + _compile(
        r"w grze|w grach|grze|gry komputerow\w*|gram w|grając|grałem|grałam|grali|fortnite\w*|fortnajt\w*|minecraf\w*|majnkraf\w*|roblox\w*|fif\w*|gta|call of duty|among us|brawl stars|xbox\w*|playstation|konsol\w*"
    )
    + r")\b"
)
# Talking *about* the subject: a film, lesson or news item about knives or suicide.
_ABOUT = re.compile(
    r"\b(?:"
    + _compile(
        r"(?:film\w*|serial\w*|książ\w*|bajk\w*|lekcj\w*|apel|apelu|apelach|pogadank\w*|warsztat\w*|szkoleni\w*|kurs|kursu|kursie|kampani\w*|prelekcj\w*|artykuł\w*|reportaż\w*) (?:\w+ ){0,3}o|profilaktyk\w*|w wiadomościach|w telewizji"
    )
    + r")\b"
)
_CHILD_BEHAVIOUR = re.compile(
    r"\b(?:"
    + _compile(r"syn|córka|dziecko|synek|córeczka|syna|córki|dziecka|synka")
    + r")\b.*\b(?:"
    + _compile(
        r"napad\w*|atak\w*|złości\w*|meltdown\w*|zachowani\w*|autyzm\w*|autystyczn\w*|adhd|spektrum|przebodźcow\w*|przestymulow\w*|frustracj\w*|sensoryczn\w*|rozregulow\w*|regulacj\w*|emocj\w*|szał\w*|histeri\w*"
    )
    + r")\b"
)
_RECOVERED = re.compile(
    r"\b(?:"
    + _compile(
        r"\w+ (?:lat|lata|rok|roku|miesięcy|miesiące|tygodni) temu|kiedyś|w przeszłości|(?:jak|kiedy) był\w* (?:młodsz\w*|mał\w*)"
    )
    + r")\b.*\b(?:"
    + _compile(
        r"(?:teraz|już) (?:\w+ ){0,2}(?:dobrze|lepiej|świetnie|super|w porządku)|wyszł\w* z tego|wyszedł z tego|przestał\w*|radzi sobie|doszł\w* do siebie|doszedł do siebie"
    )
    + r")\b"
)
_FIRST_PERSON_RISK = {"suicide", "self_harm"}


def might_match(text: str) -> bool:
    """False when no Polish rule can match anywhere in ``text``: the usual English answer.

    Exact in that direction: a word start in a sentence is a word start in the whole text,
    where the characters after it are the same or run on into the next sentence.
    """
    words = fold(text)
    return bool(words) and bool(_candidates(words))


def findings(sentence: str, whole: str) -> list[Finding]:
    """What the Polish rules find in one sentence of ``whole``; empty when nothing does."""
    words = fold(sentence)
    rules = _candidates(words) if words else []
    if not rules:
        return []
    found: list[Finding] = []
    now = _NOW.search(words) is not None
    for rule in rules:
        match = rule.pattern.search(words)
        if match is None or _let_go(rule, words, sentence, whole):
            continue
        quote = _quote(sentence, match)
        found.append(
            Finding(
                rule.category, rule.weight, rule.immediate, now, f"{rule.category}: {quote!r} (pl)"
            )
        )
    return found


def _let_go(rule: _Rule, words: str, sentence: str, whole: str) -> bool:
    """True when the match is a figure of speech, a game or film, or clearly in the past."""
    if rule.unless is not None and rule.unless.search(words):
        return True
    if _IDIOM.search(words) or _ABOUT.search(words):
        return True
    joking = _JOKING.search(words) or _LAUGHING.search(sentence)
    if rule.category not in _FIRST_PERSON_RISK and joking:
        return True
    if rule.category != "exploitation" and _GAME.search(words):
        return True
    if rule.category == "abuse" and _CHILD_BEHAVIOUR.search(words):
        return True
    return rule.category == "self_harm" and _RECOVERED.search(fold(whole)) is not None
