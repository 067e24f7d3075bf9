"""The demo catalogue of terminal functions (SPEC T1), bound to the demo business user groups.

The documents name no terminal functions and give the business user groups as codes only
(Information Package Appendix A: "11" ... "WG"). The functions below are the ones a CCASS or
CCMS participant would expect by name (several are the rows of "Transaction limit (HKD)": SI,
ISI, ATI, Cash Prepayment); their bindings to group codes are illustrative. HKEX staff maintain
the real catalogue in the admin.

Issue 11: the names and descriptions are stored in English (the database keeps what HKEX staff
type); the pages translate them when shown, so the demo functions read in Chinese too. A name
HKEX staff type that the catalogue does not know is shown as typed.
"""

# gettext_noop: the English text is stored; makemessages extracts it for the pages (as "_").
from django.utils.translation import gettext_noop as _

from .models import MenuGroup

#: (code, name, menu group, what the function is, business user group codes)
DEMO_FUNCTIONS = [
    # CCASS (HKSCC)
    ("STK-BAL", _("Stock Balance Enquiry"), MenuGroup.ENQUIRY,
     _("Shows the balances of each stock in the participant's CCASS stock accounts."),
     ["11", "12", "13", "A"]),
    ("STK-MOVE", _("Stock Movement Enquiry"), MenuGroup.ENQUIRY,
     _("Lists the movements in the participant's stock accounts over a range of dates."),
     ["11", "14", "A"]),
    ("MONEY-LEDGER", _("Money Ledger Enquiry"), MenuGroup.ENQUIRY,
     _("Shows the participant's money ledger: amounts due to and from CCASS by value date."),
     ["15", "16", "C"]),
    ("SETTLE-POS", _("Settlement Position Enquiry"), MenuGroup.ENQUIRY,
     _("Shows the stock and money positions due for settlement, by CNS and isolated trades."),
     ["17", "18", "C"]),
    ("SI-MAINT", _("Settlement Instruction (SI) Maintenance"), MenuGroup.SETTLEMENT,
     _("Input, amend, cancel and match settlement instructions with other participants."),
     ["19", "20", "ST"]),
    ("ISI-MAINT", _("Investor Settlement Instruction (ISI) Maintenance"), MenuGroup.SETTLEMENT,
     _("Input and cancel settlement instructions with investor participants' accounts."),
     ["21", "ST"]),
    ("ATI-MAINT", _("Account Transfer Instruction (ATI) Maintenance"), MenuGroup.SETTLEMENT,
     _("Transfer stock between the participant's own stock accounts."),
     ["22", "ST"]),
    ("CASH-PREPAY", _("Cash Prepayment"), MenuGroup.SETTLEMENT,
     _("Prepay money due for a settlement position so that CCASS releases the stock on it."),
     ["23", "SM"]),
    ("DEPOSIT", _("Deposit of Physical Certificates"), MenuGroup.DEPOSITORY,
     _("Record share certificates lodged with CCASS for credit to a stock account."),
     ["D", "DV"]),
    ("WITHDRAWAL", _("Withdrawal Instruction"), MenuGroup.DEPOSITORY,
     _("Ask for share certificates to be withdrawn from a stock account."),
     ["D", "DX"]),
    ("CA-ELECTION", _("Corporate Action Election"), MenuGroup.NOMINEE,
     _("Give election instructions for entitlements such as scrip dividends and rights."),
     ["N", "NU"]),
    ("VOTING", _("Voting Instruction"), MenuGroup.NOMINEE,
     _("Give voting instructions for general meetings of the issuers of held stock."),
     ["N", "NV"]),
    # CCMS (HKCC, SEOCH)
    ("POS-ENQ", _("Position Enquiry"), MenuGroup.ENQUIRY,
     _("Shows open positions by contract and account."), ["CLEARING", "OPTCLR"]),
    ("TRADE-ENQ", _("Trade Enquiry"), MenuGroup.ENQUIRY,
     _("Lists the day's trades registered for clearing."), ["CLEARING", "OPTCLR"]),
    ("POS-TRANSFER", _("Position Transfer"), MenuGroup.CLEARING,
     _("Transfer open positions between the participant's accounts."), ["CLEARING"]),
    ("EXERCISE", _("Exercise Instruction"), MenuGroup.CLEARING,
     _("Exercise long stock option positions before expiry."), ["OPTCLR"]),
    ("COLLAT-DEP", _("Collateral Deposit and Withdrawal"), MenuGroup.COLLATERAL,
     _("Deposit or withdraw cash and non-cash collateral against margin."), ["COLLAT"]),
    ("COLLAT-ENQ", _("Collateral Enquiry"), MenuGroup.COLLATERAL,
     _("Shows the collateral held and its value after haircut."), ["COLLAT"]),
]


def seed_demo_functions(model) -> list[str]:
    """Create the missing functions of :data:`DEMO_FUNCTIONS`; existing ones stay as HKEX staff
    left them (a second run changes nothing). Returns the codes created."""
    from accounts.models import BusinessUserGroup

    created = []
    for code, name, menu_group, description, group_codes in DEMO_FUNCTIONS:
        function, new = model.objects.get_or_create(
            code=code,
            defaults={"name": name, "menu_group": menu_group, "description": description},
        )
        if new:
            function.user_groups.set(BusinessUserGroup.objects.filter(code__in=group_codes))
            created.append(f"function {code}")
    return created
