"""Anonymised subjects and a guard against identifying details in free text.

Suffolk's practice review guidance (section 3, anonymity) names the subjects of a review by category and
letter: Baby (under 2), Young Person (3 to 17), Adult (18 and over). Read literally that leaves a
two-year-old in no category. We close the gap by counting a 2-year-old as a Young Person, so the
categories are Baby 0-1, Young Person 2-17, Adult 18+. A referral is then shown in a channel by its
reference and a label such as "Young Person C", never by name, date of birth or address.

A free-text field (summary, referring agency, reasons...) must never carry the identifying details below; what is typed
is first normalised (NFKC, so full-width digits and letters and no-break spaces count; any script's digits;
every kind of dash) and matched with separators and spacing allowed:

* a **date of birth**: a full calendar date (12/03/2014, 12/3/14, 12.03.2014, 12 03 2014, 12032014,
  2014-03-12, 12 March 2014, 12th of Mar 2014, March 12, 2014...) that *reads as* a date of birth: "born",
  "DOB", "d.o.b.", "date of birth" or "birthday" close to it in the same clause, or an age right beside it
  ("aged 9, 12/03/2014", "Jane, 9, 12/03/2014"). Any other date stays: the incident date ("police attended
  on 01/12/2026") matters to the panel.
* a **UK postcode** in the standard outward + inward shape (M5 4WT, SW1A 1AA, DN55 1PT), any case, with
  nothing, spaces, a hyphen, dot, slash or underscore between the two halves ("M6-5AB", "m6  5ab"); in
  capitals also with spaces inside a half ("SW 1A 1AA").
* an **NHS number**: ten digits in whole groups as people type them (943 476 5919, 943.476.5919,
  9434765919, 9 4 3 4 7 6 5 9 1 9, 94 34 76 59 19) whose modulus-11 check digit is valid. The check digit
  is what separates an NHS number from any other ten digits.
* a **possible name** (:data:`POSSIBLE_NAME`): a capitalised forename, a forename and surname, a title and
  surname ("Mrs Patel"), an initial and surname, a surname with "family", or two capitalised words after
  "mother", "partner", "called"... or before an age. Agencies, places, days, months, job titles and the
  subject labels are not names (word lists in :mod:`flows.name_words`). Unlike the other kinds it may be a
  false alarm, so it is reported separately and callers choose whether to screen it.

:func:`screen` lists every finding with its kind and place. :func:`check_free_text` raises
:class:`IdentifyingDetail` with a message fit to show the person who typed it, so they can remove the
detail and try again; with ``screen_names=True`` a possible name raises :class:`PossibleName`, whose message
asks for a role instead ("the daughter"). Nothing is saved when either is raised.

The package, by concern: `subjects` (categories and labels), `findings` (what is found, the refusals, and
normalising), one module per kind (`dates`, `postcodes`, `nhs`, `names`) and `screen`, which runs them all.
"""

from flows.anonymity.findings import (
    DATE_OF_BIRTH,
    HARD_KINDS,
    NHS_NUMBER,
    POSSIBLE_NAME,
    POSTCODE,
    Finding,
    IdentifyingDetail,
    Kind,
    PossibleName,
)
from flows.anonymity.nhs import nhs_check_digit_ok
from flows.anonymity.screen import check_free_text, find_identifying_detail, screen, unquote_details
from flows.anonymity.subjects import CATEGORY_LABELS, SubjectCategory, category_for_age, parse_category, subject_label

__all__ = [
    "CATEGORY_LABELS",
    "DATE_OF_BIRTH",
    "HARD_KINDS",
    "NHS_NUMBER",
    "POSSIBLE_NAME",
    "POSTCODE",
    "Finding",
    "IdentifyingDetail",
    "Kind",
    "PossibleName",
    "SubjectCategory",
    "category_for_age",
    "check_free_text",
    "find_identifying_detail",
    "nhs_check_digit_ok",
    "parse_category",
    "screen",
    "unquote_details",
    "subject_label",
]
