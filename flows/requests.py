"""The business manager's information request form (`request REF` typed with no agency), the same on every platform:
which agencies get a request, and the date the information is due, where the procedure sets no time for agency
returns or the business manager wants another. Pure: no database, no clock. What its answers do is the typed
command's own service call (`bot.commands.requests.send`, through `bot.commands.forms.submit`)."""

from __future__ import annotations

from flows.intake import Choice, Field, FormSpec
from flows.preset import EVENTS, Clock, Preset

REQUEST_FORM = "request"
# What the form keeps to be known again as it was shown (`FormSpec.kept`): the agencies it offers, in order, and the
# referral's type (which return clock applies, and what the agencies are asked for).
KEPT_AGENCIES, KEPT_TYPE = "agencies", "type"


def request_form(preset: Preset, reference: str, subject: str, *, offered: tuple[str, ...], referral_type: str = "",
                 return_clock: Clock | None = None, ask_due: bool = True) -> FormSpec:
    """The form that sends a referral's information requests. `offered` are the agencies to choose from (those with a
    channel or a contact, in the preset's order); several may be chosen. The due date is optional, as in the typed
    command: the service reads a blank one (or refuses it). `return_clock` is the preset's clock for an agency's
    return where it applies to this referral: the form then says a blank due date is that clock's; without it, the
    working day before the referral's monthly panel where the preset has one; otherwise that a date is needed.
    `ask_due=False` is the form as Slack's modal asked it before every platform had it: the agencies only."""
    labels = {a.id: a.label for a in preset.agencies}
    fields = [Field(
        "agencies", "Agencies", "Which agencies should get an information request? Write their numbers or names, "
        "separated by commas.", "choices", choices=tuple(Choice(a, labels.get(a, a)) for a in offered),
        hint="Only the agencies with a channel or a contact are listed; name any other in the typed command.",
        short="Sent to")]
    if return_clock is not None:
        counted = "" if return_clock.starts == "request_sent" else f" after {EVENTS.get(return_clock.starts, '')}"
        words = f"the procedure's {return_clock.describe()}{counted}"  # Dudley's SARs: from the referral's receipt
        due = f"With no due date, each is due within {words}."
    elif preset.monthly_panel is not None:
        words = "the working day before the referral's monthly panel"
        due = f"With no due date, each is due by the close of {words}."
    else:  # the service then times a blank one by the referral's scheduled meeting, or refuses it (Stockport 8)
        words = "the working day before the referral's scheduled meeting"
        due = ("The procedure sets no time for agency returns: give the date the information is due, or leave it "
               "blank where the referral's meeting is scheduled, and it is due by the close of the working day "
               "before the meeting.")
    if ask_due:  # optional: a blank one is the service's to read (the clock, the panel), or to refuse
        fields.append(Field(
            "due", "Due date", "By what date is the information due? Write it like 2027-01-08 or 08/01/2027" +
            (f", or skip this for {words}." if words else "."), "date", required=False,
            hint=(f"Leave blank for {words}." if words else due) + " A date is due at the close of that day, UK time.",
            skip="Skip" if words else "", short="Due", blank=words))
    template = preset.request_template_for(referral_type)
    about = f"**{reference} · {subject}**" if subject else f"**{reference}**"
    intro = f"{about}: send an information request to each agency you choose. Each is asked for {template}, told " \
            "when it is due, and can press Mark as returned."
    kept = ((KEPT_AGENCIES, ",".join(offered)), (KEPT_TYPE, referral_type)) if ask_due else ()
    return FormSpec(REQUEST_FORM, "Information requests", (f"{intro} {due}" if ask_due else intro,), "Send requests",
                    tuple(fields), reference, subject, what="requests", nothing="nothing was sent",
                    cancelled="Cancelled; no requests were sent.", kept=kept)
