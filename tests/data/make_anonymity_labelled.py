"""Writes tests/data/anonymity_labelled.jsonl: invented referral summaries and reasons, each labelled.

    python tests/data/make_anonymity_labelled.py

Every person, date of birth, address and number here is made up (the NHS numbers are generated with a valid
check digit; the postcodes are real-shaped). Each line is {"text", "identifying", "kinds", "form"}:
`identifying` texts carry at least one date of birth, postcode, NHS number or person's name, in the form
named by `form`; clean texts carry what panel text is full of and must stay fileable: incident dates in
every shape, times, ages, agency and hospital names, places, days and months, job titles, subject labels,
references and phone numbers. Seeded, so the file is the same on every run.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).with_name("anonymity_labelled.jsonl")
rnd = random.Random(18)


def nhs_number() -> str:
    while True:
        first = [rnd.randrange(10) for _ in range(9)]
        check = 11 - sum(d * w for d, w in zip(first, range(10, 1, -1), strict=True)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            return "".join(map(str, first)) + str(check)


POSTCODES = ["M6 8QR", "M5 4WT", "M27 6BU", "M30 0LL", "M7 2JA", "SK4 1AB", "SK7 5HN", "OL1 1AA", "WN7 4HF",
             "DY1 4TT", "DY8 1QX", "B63 3DU", "HD1 2TA", "WF13 1HQ", "IP1 2AN", "IP4 5PD", "CB9 8HF", "NR32 1BZ",
             "SW1A 1AA", "EC1A 1BB", "BL4 9QT", "M38 9PL"]
FORENAMES = ["Jane", "Kelly", "Jayden", "Aaliyah", "Kacper", "Mohammed", "Chloe", "Tyler", "Amira", "Liam",
             "Demi", "Oliwia", "Callum", "Fatima", "Reece", "Sophie", "Dawid", "Kayleigh", "Ibrahim", "Shannon"]
SURNAMES = ["Smith", "Patel", "Khan", "Nowak", "Okafor", "Begum", "Jones", "Hughes", "Murphy", "Wright", "Kowalski",
            "Ahmed", "Walker", "Taylor", "Evans"]
# Names the screen's lists do not hold: caught only by how they are written (a title, a relation, an age).
UNLISTED = [("Tiegan", "Lowther"), ("Dariusz", "Wrobel"), ("Kaydence", "Ashworth"), ("Zoltan", "Farkas"),
            ("Marnie", "Heslop"), ("Oluwaseun", "Adeyemi"), ("Brogan", "Stringfellow"), ("Ilinca", "Popescu")]
TITLES = ["Mrs", "Mr", "Ms", "Miss", "Dr", "PC", "DC"]
RELATIONS = ["mother", "father", "stepfather", "partner", "boyfriend", "grandmother", "uncle", "sister", "carer"]
SUBJECTS = ["Young Person C", "Baby A", "Adult D", "Young Person F", "Baby B", "Adult K", "the child",
            "the young person"]
AGENCIES = ["Greater Manchester Police", "Salford Royal", "Children's Social Care", "Adult Social Care",
            "the Health Visiting service", "Salford CAMHS", "Dudley Group NHS Foundation Trust", "West Midlands Police",
            "Suffolk Constabulary", "Ipswich Hospital", "Kirklees Council", "Stockport NHS Foundation Trust",
            "the Royal Manchester Children's Hospital", "North West Ambulance Service", "Cafcass",
            "the Crown Prosecution Service", "National Probation Service", "Early Help", "the MASH",
            "Barnardo's", "the NSPCC", "Calderdale and Huddersfield NHS Foundation Trust", "Pennine Care",
            "Greater Manchester Mental Health", "Alder Hey", "Royal Oldham Hospital", "the Youth Justice Service",
            "Walkden Gateway", "St Mary's Hospital", "Victoria Infirmary", "Mary Seacole House", "Hope Hospital"]
ROLES = ["the school nurse", "the health visitor", "the GP", "the social worker", "the designated safeguarding lead",
         "the midwife", "the ward sister", "the duty sergeant", "the paediatrician", "the Independent Chair",
         "the Business Manager", "the team manager", "the Head of Safeguarding", "the IDVA", "the SENCO"]
PLACES = ["Salford", "Eccles", "Swinton", "Walkden", "Little Hulton", "Moss Side", "Stockport", "Dudley",
          "Halesowen", "Stourbridge", "Huddersfield", "Dewsbury", "Ipswich", "Lowestoft", "Bury St Edmunds"]
EVENTS = ["presented at A&E with a head injury", "was reported missing", "disclosed an assault at school",
          "was found with unexplained bruising", "was admitted to the children's ward", "was excluded from school",
          "was seen at the walk-in centre", "attended the emergency department", "was taken into police protection",
          "was visited at home", "was discharged from hospital", "was seen at the paediatric clinic"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def pick(seq):  # type: ignore[no-untyped-def]
    return rnd.choice(seq)


def ordinal(d: int) -> str:
    return {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd"}.get(d, "th")


def incident_date() -> str:
    d, m, y = rnd.randint(1, 28), rnd.randint(1, 12), pick([2025, 2026])
    shapes = [f"{d:02d}/{m:02d}/{y}", f"{d}/{m}/{y % 100:02d}", f"{y}-{m:02d}-{d:02d}", f"{d}.{m}.{y}",
              f"{d} {MONTHS[m - 1]} {y}", f"{d}{ordinal(d)} {MONTHS[m - 1][:3]} {y}",
              f"{MONTHS[m - 1]} {d}, {y}", f"{pick(DAYS)} {d} {MONTHS[m - 1]} {y}", f"{d}-{m:02d}-{y}"]
    return pick(shapes)


def dob() -> tuple[str, str]:
    """(a date of birth as written, the shape's name)"""
    d, m, y = rnd.randint(1, 28), rnd.randint(1, 12), rnd.randint(1940, 2025)
    shapes = {
        "dd/mm/yyyy": f"{d:02d}/{m:02d}/{y}", "d/m/yy": f"{d}/{m}/{y % 100:02d}", "iso": f"{y}-{m:02d}-{d:02d}",
        "dotted": f"{d:02d}.{m:02d}.{y}", "hyphens": f"{d:02d}-{m:02d}-{y}", "spaced": f"{d:02d} {m:02d} {y}",
        "compact": f"{d:02d}{m:02d}{y}", "written": f"{d} {MONTHS[m - 1]} {y}",
        "ordinal": f"{d}{ordinal(d)} of {MONTHS[m - 1]} {y}",
        "abbrev": f"{d}-{MONTHS[m - 1][:3]}-{y}", "month first": f"{MONTHS[m - 1]} {d}, {y}",
        "slashed iso": f"{y}/{m:02d}/{d:02d}", "spaced slashes": f"{d:02d} / {m:02d} / {y}",
        "full-width": "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in f"{d:02d}/{m:02d}/{y}"),
    }
    shape = pick(list(shapes))
    return shapes[shape], shape


def postcode_variant() -> tuple[str, str]:
    pc = pick(POSTCODES)
    out, inn = pc.split()
    forms = {
        "standard": pc, "lower": pc.lower(), "no space": out + inn, "hyphen": f"{out}-{inn}",
        "two spaces": f"{out}  {inn}", "dot": f"{out}.{inn}", "lower hyphen": f"{out}-{inn}".lower(),
        "spaced hyphen": f"{out} - {inn}", "slash": f"{out}/{inn}", "tab": f"{out}\t{inn}",
        "no-break space": f"{out}\u00a0{inn}", "full-width": "".join(chr(ord(c) + 0xFEE0) for c in out + inn),
        "spaced outward": f"{out[0]} {out[1:]} {inn}" if out[1].isdigit() else f"{out[:2]} {out[2:]} {inn}",
    }
    form = pick(list(forms))
    return forms[form], form


def nhs_variant() -> tuple[str, str]:
    n = nhs_number()
    a, b, c = n[:3], n[3:6], n[6:]
    forms = {
        "3-3-4 spaces": f"{a} {b} {c}", "3-3-4 hyphens": f"{a}-{b}-{c}", "plain": n, "dots": f"{a}.{b}.{c}",
        "digits spaced": " ".join(n), "double spaces": f"{a}  {b}  {c}", "slashes": f"{a}/{b}/{c}",
        "spaced hyphens": f"{a} - {b} - {c}", "en dashes": f"{a}\u2013{b}\u2013{c}",
        "full-width": "".join(chr(ord(x) + 0xFEE0) for x in n), "4-3-3": f"{n[:4]} {n[4:7]} {n[7:]}",
        "mixed": f"{a}-{b} {c}",
    }
    form = pick(list(forms))
    return forms[form], form


def identifying() -> list[dict]:
    rows: list[dict] = []

    def add(text: str, kind: str, form: str) -> None:
        rows.append({"text": text, "identifying": True, "kinds": [kind], "form": form})

    cues = ["DOB {d}", "DOB: {d}", "d.o.b. {d}", "D.O.B {d}", "date of birth {d}", "born {d}", "born on {d}",
            "born on the {d}", "Date of birth: {d}", "dob {d}", "DoB {d}", "b. {d}", "{d} (DOB)",
            "{d} is her date of birth", "aged 9, {d}", "{d} (aged 14)", "9 yrs, {d}", "{d}, 3-year-old",
            "birthday {d}", "born in Salford on {d}", "(DOB {d})"]
    for i in range(75):
        d, shape = dob()
        cue = cues[i % len(cues)].format(d=d)
        if shape == "ordinal" and "the {d}" not in cues[i % len(cues)]:
            cue = cue.replace("on the ", "on ")
        template = pick([
            "{s}, {cue}, {e} on {when}.", "Referral for {s} ({cue}): {e}.", "{s} {e}; {cue}.",
            "{cue}. {s} {e} after a disclosure to {r}.", "Concerns raised by {a}: {s}, {cue}, {e}.",
        ])
        add(template.format(d=d, s=pick(SUBJECTS), cue=cue, e=pick(EVENTS), when=incident_date(), r=pick(ROLES),
                            a=pick(AGENCIES)), "date of birth", f"{shape} / {cues[i % len(cues)][:14]}")
    for _ in range(60):
        pc, form = postcode_variant()
        template = pick([
            "The family moved to {pc} in {m}.", "{s} lives with the mother's partner at {pc}.",
            "Address on the referral: {pc}; {a} to confirm.", "Police attended {pc} on {when} after a 999 call.",
            "{s} was placed with a relative near {pc} by {a}.", "Postcode {pc}, known to {a}.",
        ])
        add(template.format(pc=pc, m=pick(MONTHS), s=pick(SUBJECTS), a=pick(AGENCIES), when=incident_date()),
            "postcode", form)
    for _ in range(60):
        n, form = nhs_variant()
        template = pick([
            "NHS no. {n} per the GP.", "{s} (NHS {n}) {e}.", "Health records for {n} requested from {a}.",
            "NHS number: {n}", "{r} quoted {n} on the referral form.", "Seen at {a}, hospital number {n}.",
        ])
        add(template.format(n=n, s=pick(SUBJECTS), e=pick(EVENTS), a=pick(AGENCIES), r=pick(ROLES)),
            "NHS number", form)
    name_templates = [
        ("{f} {l}, 9, injured at home", "forename surname, age"),
        ("{f} {l} {e} on {when}.", "forename surname at the start"),
        ("Concerns about {f} {l} were raised by {a}.", "forename surname mid-sentence"),
        ("{s}'s mother, {f}, did not attend the appointment.", "forename alone"),
        ("{t} {l} told {r} that {s} had not been fed.", "title surname"),
        ("Mr and Mrs {l} declined the offer of Early Help.", "couple"),
        ("The {l} family have been known to {a} since {y}.", "family surname"),
        ("{s} and {f} {l} {e}.", "forename surname after a subject"),
        ("{l.upper()}, {f}: {e}.", "records style"),
        ("{f} {l.upper()} {e}.", "capitals surname"),
        ("{s}'s {rel} {uf} {ul} has a history of violence.", "unlisted name after a relation"),
        ("{t} {ul} from {a} made the referral.", "title unlisted surname"),
        ("{uf} {ul}, 14, {e}.", "unlisted name before an age"),
        ("{f} {i}. {l} was present at the visit.", "middle initial"),
        ("{i}. {l} ({rel}) refused access on {when}.", "initial surname"),
        ("{uf} {ul} (DOB withheld) {e}.", "unlisted name before DOB cue"),
        ("{s} lives with {uf} {ul}-{l}.", "double-barrelled"),
        ("{f}'s {rel} called {a} on {when}.", "forename possessive"),
    ]
    for i in range(90):
        template, form = name_templates[i % len(name_templates)]
        uf, ul = pick(UNLISTED)
        f, surname = pick(FORENAMES), pick(SURNAMES)
        text = template.replace("{l.upper()}", surname.upper()).format(
            f=f, l=surname, uf=uf, ul=ul, t=pick(TITLES), s=pick(SUBJECTS), e=pick(EVENTS), a=pick(AGENCIES),
            r=pick(ROLES), rel=pick(RELATIONS), when=incident_date(), y=rnd.randint(2015, 2025),
            i=pick("ABCDEJKMRS"))
        add(text, "possible name", form)
    return rows


def clean() -> list[dict]:
    rows: list[dict] = []
    templates = [
        "Police attended on {when} after a call from a neighbour; {s} {e}.",
        "{s}, aged {age}, {e} on {when}. {a} made the referral on {when2}.",
        "{s} {e} on {when} at {time}; {r} informed {a} the same day.",
        "Referral received from {a} on {when}. {s} is {age} and lives in {p}.",
        "Strategy discussion held {day} {when} at {time} with {a} and {a2}.",
        "{s} (aged {age}) was known to {a}; the last contact was on {when}.",
        "Chronology: {when} {e}; {when2} seen by {r}; {when3} case closed by {a}.",
        "{s}, a {age}-year-old, {e} on {when} and again in {month} {y}.",
        "Section 47 enquiry started {when}; initial child protection conference on {when2} at {time}.",
        "{a} and {a2} attended the Rapid Review on {day} {when}; quorum met.",
        "MARAC on {when} heard that {s} had been exposed to domestic abuse; Clare's Law disclosure made.",
        "The baby was born at {weeks} weeks and was discharged from {a} on {when}.",
        "{s} turned {age} in {month}; {r} noticed weight loss on {when}.",
        "Duty line 0161 {d3} {d4} was called at {time} on {when}; call back from {a}.",
        "Crime reference {crime} recorded by {a} on {when}.",
        "Working Together 2023 and the Children Act 1989 s.17 were considered; the panel met on {when}.",
        "Operation Encompass notification from {a} on {when} at {time}.",
        "{r} from {a} raised concerns in {month} {y}; {s} moved to {p} on {when}.",
        "{s}'s birth parents were informed on {when} by {a}.",
        "Meeting moved from {day} {when} to {day2} {when2} at {time}; SAL-2026-0{n2} and DUD-2026-0{n2} listed.",
        "{s} was seen at {a} in {p} on {when}; x-ray showed a fracture around 10 to 14 days old.",
        "Agencies to return chronologies within 5 working days of {when}; 3 of 7 returned by {when2}.",
        "{s}, {age}, was placed in foster care on {when}; the placement in {p} ended on {when2}.",
        "Independent Chair of the SSCP and {r} agreed on {when} that the case meets the CSPR criteria.",
        "Baby born prematurely; seen by {r} on {when} and by {a} on {when2}.",
        "{s} (Year {yr}) was excluded on {when}; Head of Safeguarding at {a} informed.",
        "Call logged {time} {when}, ref {log}; {a} attended at {time2}.",
        "Dudley Group NHS Foundation Trust and West Midlands Police shared records on {when}.",
        "Suffolk Constabulary, Ipswich Hospital and Norfolk and Suffolk NHS FT attended on {when}.",
        "{s} lived with her mother and stepfather in {p} until {month} {y}; GP registered since {y2}.",
        "Rapid Review held {when}, {time}; Greater Manchester Police, Salford Royal and CSC present.",
        "{s} was last seen on {when} at {time} near the M60 junction 13.",
        "Records from {when} to {when2} reviewed; {age} contacts with {a} in that period.",
        "Adult D, {age2}, lived alone in {p}; the care home raised concerns on {when}.",
    ]
    for i in range(180):
        template = templates[i % len(templates)]
        text = template.format(
            when=incident_date(), when2=incident_date(), when3=incident_date(), s=pick(SUBJECTS), e=pick(EVENTS),
            a=pick(AGENCIES), a2=pick(AGENCIES), r=pick(ROLES), p=pick(PLACES), age=rnd.randint(1, 17),
            age2=rnd.randint(60, 97), time=pick(["10:30", "9am", "14:00", "4.15pm", "16:45", "08:10", "noon"]),
            time2=pick(["11:05", "3pm", "23:40"]), day=pick(DAYS), day2=pick(DAYS), month=pick(MONTHS),
            y=rnd.randint(2019, 2026), y2=rnd.randint(2010, 2020), weeks=rnd.randint(26, 36),
            d3=rnd.randint(200, 999), d4=rnd.randint(1000, 9999), n2=rnd.randint(10, 99),
            crime=f"{rnd.randint(1, 99):02d}/{rnd.randint(100000, 999999)}/{rnd.randint(24, 26)}",
            yr=rnd.randint(1, 11), log=f"{rnd.randint(100, 2999)} of {incident_date()}",
        )
        rows.append({"text": text, "identifying": False, "kinds": [], "form": f"clean {i % len(templates)}"})
    return rows


def main() -> None:
    rows = identifying() + clean()
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} rows ({sum(r['identifying'] for r in rows)} identifying) written to {OUT}")


if __name__ == "__main__":
    main()
