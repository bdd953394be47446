"""Why a recommendation is shown, in words for the shopper."""

from recommendations.selectors.candidates import Candidate
from recommendations.vocabulary import COMPLEMENT_SOURCES, Source


def percent(value) -> int:
    return round(float(value) * 100)


def reason_for(candidate: Candidate, *, anchor_name: str | None = None) -> str:
    """"Staff pick — …", "Bought together by 31% of customers who bought X", "Often bought
    with Kitchen", "Popular in Kitchen", or an upgrade's pitch."""
    who = f"bought {anchor_name}" if anchor_name else "bought this"
    if candidate.source == Source.CURATED:
        return f"Staff pick — {candidate.pitch}" if candidate.pitch else "Staff pick"
    if candidate.source == Source.COPURCHASE and candidate.partner is not None:
        return f"Bought together by {percent(candidate.partner.confidence)}% of customers who {who}"
    if candidate.source == Source.CATEGORY:
        return f"Often bought with {candidate.category_name}"
    if candidate.source == Source.BESTSELLER:
        return f"Popular in {candidate.category_name}"
    if candidate.source in (Source.UPGRADE, Source.LADDER):
        return candidate.pitch
    return ""


def reason_for_history(candidate: Candidate, *, anchor_name: str | None, bought: bool) -> str:
    """"Goes with your Classic 2-Slice Toaster" (bought), "Goes with the Everyday Kettle you
    viewed"; a fallback keeps its own reason ("Popular in Kitchen")."""
    if candidate.source not in COMPLEMENT_SOURCES:
        return reason_for(candidate)
    if not anchor_name:
        return "Goes with something you bought" if bought else "Goes with something you looked at"
    return f"Goes with your {anchor_name}" if bought else f"Goes with the {anchor_name} you viewed"
