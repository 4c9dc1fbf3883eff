from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from dialoq.accounts import scoping
from dialoq.cases.models import CaseStatus


@login_required
def case_list(request):
    """List the cases the user may see, filtered by status."""
    cases = scoping.visible_cases(request.user).select_related(
        "service_type", "provider", "funder", "beneficiary"
    )
    status = request.GET.get("status", "")
    if status in CaseStatus.values:
        cases = cases.filter(status=status)
    else:
        status = ""
    page = Paginator(cases.order_by("-referred_on", "pk"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "cases/case_list.html",
        {"page": page, "status": status, "statuses": CaseStatus.choices},
    )


@login_required
def case_detail(request, pk):
    """Show one case the user may see."""
    case = scoping.get_case_or_404(request.user, pk)
    help_plans = case.help_plans.prefetch_related("goals")
    reviews = case.reviews.all()
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "help_plans": help_plans,
            "reviews": reviews,
            "can_change": scoping.can_change_case(request.user, case),
        },
    )
