"""The minimum strength of a staff password, checked without any download at run time.

A password of :data:`MIN_LENGTH` characters or more is refused when

- it uses fewer than :data:`MIN_DISTINCT` different characters (``aaaaaaaaaa``,
  ``ababababab``, ``1111122222``);
- it is a run of the alphabet, the digits or a keyboard row, either way (``1234567890``,
  ``abcdefghij``, ``qwertyuiop``, ``0987654321``);
- it is, or its letters between leading and trailing digits and symbols are, a word of
  :data:`BLOCKED` — the most common passwords of public breach lists, default and
  administrative passwords and the words of this service — also read with the usual
  substitutions (``P@ssw0rd2026!`` is ``password``, ``Legalize2026`` is ``legalize``).

The list is small and shipped here on purpose; an administrator who wants a breach corpus
checks it at enrolment with other tools. Long passphrases of ordinary words pass.
"""

from __future__ import annotations

import re

MIN_DISTINCT = 5
SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890123456789",
    "qwertyuiopasdfghjklzxcvbnm",
    "qwertzuiopasdfghjklyxcvbnm",
    "azertyuiopqsdfghjklmwxcvbn",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    "1q2w3e4r5t6y7u8i9o0p",
    "q1w2e3r4t5y6u7i8o9p0",
)
_LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s",
                       "5": "s", "7": "t", "9": "g", "8": "b", "+": "t", "|": "l"})  # fmt: skip
_ENDS = re.compile(r"^[^a-z]+|[^a-z]+$")

_WORDS = """
    123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon 123123 baseball
    abc123 football monkey letmein 696969 shadow master 666666 qwertyuiop 123321 mustang
    1234567890 michael 654321 superman 1qaz2wsx 7777777 121212 000000 qazwsx 123qwe killer
    trustno1 jordan jennifer zxcvbnm asdfgh hunter buster soccer harley batman andrew tigger
    sunshine iloveyou charlie robert thomas hockey ranger daniel starwars klaster 112233 george
    computer michelle jessica pepper 1111 zxcvbn 555555 11111111 131313 freedom 777777 pass
    maggie 159753 aaaaaa ginger princess joshua cheese amanda summer love ashley nicole chelsea
    biteme matthew access yankees 987654321 dallas austin thunder taylor matrix william corvette
    hello martin heather secret merlin diamond 1234qwer gfhjkm hammer silver 222222 88888888
    anthony justin test bailey q1w2e3r4t5 patrick internet scooter orange 11111 golfer cookie
    richard samantha bigdog guitar jackson whatever mickey chicken sparky snoopy maverick phoenix
    camaro peanut morgan welcome falcon cowboy ferrari samsung andrea smokey steelers joseph
    mercedes dakota arsenal eagles melissa boomer booboo spider nascar monster tigers yellow
    xxxxxx 123123123 gateway marina diablo bulldog qwer1234 compaq purple hardcore banana junior
    hannah 123654 porsche lakers iceman money cowboys 987654 london tennis 999999 ncc1701 coffee
    scooby 0000 miller boston q1w2e3r4 brandon yamaha chester mother forever johnny
    edward 333333 oliver redsox player nikita knight fender barney midnight please brandy
    chicago badboy slayer rangers charles angel flower bigdaddy rabbit wizard jasper enter
    rachel chris steven winner adidas victoria natasha 1q2w3e4r jasmine winter prince
    marine ghbdtn fishing cocacola casper james 232323 raiders 888888 marlboro gandalf asdfasdf
    crystal 87654321 12344321 golden 8675309 abcdef sophie alexander babygirl monkey1
    qwerty123 qwerty1 password1 password12 password123 passw0rd p@ssw0rd p@ssword admin admin123
    administrator root toor login changeme changeit default guest letmein1 welcome1 welcome123
    iloveyou1 abc12345 abcd1234 1q2w3e 1q2w3e4r5t 1qaz2wsx3edc zaq12wsx zaq1zaq1 qazwsxedc
    asdfghjkl asdf1234 trustno1 starwars1 superman1 football1 baseball1 letmein123 master123
    azerty azerty123 qwertz 123abc aa123456 a123456 123456a 123456789a abcdefg abcdefgh
    usuario contrasena passwort motdepasse wachtwoord lozinka haslo parola senha salasana
    legalize legalisation legalization apostille consulate consular embassy ministry
    immigration passport visa border officer customs government srilanka lanka ceylon colombo
    kandy galle jaffna matara negombo deutschland germany berlin
"""
BLOCKED = frozenset(_WORDS.split())
"""Lower-case. Entries shorter than the minimum length still catch ``Monkey2024!!``."""


def weakness(password: str) -> str | None:
    """Why ``password`` is too weak, or None (the length is checked by the caller)."""
    if len(set(password)) < MIN_DISTINCT:
        return f"a password needs at least {MIN_DISTINCT} different characters"
    lower = password.lower()
    compact = lower.replace(" ", "")
    if any(compact in seq or compact in seq[::-1] for seq in SEQUENCES):
        return "a run of the keyboard or the alphabet is not a password"
    core = _ENDS.sub("", lower)
    candidates = {lower, compact, core, lower.translate(_LEET), core.translate(_LEET)}
    candidates.add(_ENDS.sub("", lower.translate(_LEET)))
    if candidates & BLOCKED:
        return "this password is on the list of common passwords"
    return None
