"""Pages of the matcher layer: the live alert desk, devices and video feeds, RFR, OIFR and retention.

A view parses a form, calls one service or selector, and renders. Every object is fetched through a
selector scoped to the user, so another force's record is simply not there and the answer is 404.
The live page works without JavaScript (every form posts to these views); with it, `live.js` polls the
JSON API and posts decisions there instead.
"""
from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from deployments.files import face_image_response
from deployments.models import Kind, Status
from deployments.selectors import deployment_list, watchlist_category_list
from matching import selectors
from matching.services import adjudication, feeds, live, retention as retention_services, rfr
from matching.images import MAX_UPLOAD_BYTES, PhotoInMemory, image_preview_data_uri
from matching.forms import (
    CandidateMarkForm, CustodyImageDeleteForm, DecisionForm, DeviceForm, EngagementForm, OifrCheckForm,
    RfrSearchForm, VideoFeedForm, show_errors,
)
from matching.models import (
    PRIVATE_PLACES, AlertStatus, CandidateStatus, Decision, DeletionKind, Outcome, VideoFeedStatus,
)
from oversight.permissions import CHANGE, can

ALERTS_SHOWN = 50  # the newest alerts on the page; older undecided ones are always shown as well
CHART_MINUTES = 60
CHART_BAR = 10  # px per minute
CHART_HEIGHT = 100
NO_STORE = "private, no-store"


# --- helpers ---------------------------------------------------------------------------------------
def _lfr_deployment(request, pk: int):
    return get_object_or_404(deployment_list(user=request.user).filter(kind=Kind.LFR), pk=pk)


def _alert(request, pk: int):
    return get_object_or_404(selectors.alert_list(user=request.user), pk=pk)


def _too_large(upload, form, field: str, limit: int) -> bool:
    if upload.size > limit:
        form.add_error(field, f"the file is {upload.size // 2**20} MB; at most {limit // 2**20} MB")
        return True
    return False


def faces_chart(*, deployment, now=None) -> dict:
    """Bars of faces processed per minute over the last hour of data, laid out for a small inline SVG."""
    rows = selectors.faces_per_minute(deployment=deployment)
    now = (now or timezone.now()).replace(second=0, microsecond=0)
    end = rows[-1]["minute"] if rows else None
    if deployment.status == Status.ACTIVE:
        end = max(end, now) if end else now
    chart = {"width": CHART_MINUTES * CHART_BAR, "height": CHART_HEIGHT, "bars": [], "peak": 0, "total": 0,
             "start": "", "end": "", "summary": "No faces processed yet."}
    if end is None:
        return chart
    start = end - timedelta(minutes=CHART_MINUTES - 1)
    shown = [row for row in rows if start <= row["minute"] <= end]
    peak = max((row["faces"] for row in shown), default=0)
    for row in shown:
        slot = int((row["minute"] - start).total_seconds() // 60)
        height = round(CHART_HEIGHT * row["faces"] / peak, 1) if peak else 0
        chart["bars"].append({
            "x": slot * CHART_BAR + 1, "y": round(CHART_HEIGHT - height, 1), "width": CHART_BAR - 2, "height": height,
            "label": f"{timezone.localtime(row['minute']):%H:%M}: {row['faces']} faces, {row['alerts']} alerts",
        })
    total = sum(row["faces"] for row in shown)
    first, last = timezone.localtime(start), timezone.localtime(end)
    chart.update(peak=peak, total=total, start=f"{first:%H:%M}", end=f"{last:%H:%M}",
                 summary=f"From {first:%H:%M} to {last:%H:%M}: {total} faces processed, "
                         f"at most {peak} in one minute.")
    return chart


def _counters(deployment) -> dict:
    counts = selectors.alert_counts(deployment=deployment)
    counts["faces"] = selectors.faces_processed(deployment=deployment)["faces"]
    counts["decided"] = counts["alerts"] - counts["undecided"]
    return counts


def _labels(deployment, user) -> dict:
    """Display names the page's script needs to draw an alert the same way as the server."""
    categories = watchlist_category_list(user=user).filter(force=deployment.force)
    return {
        "categories": {c.code: c.name for c in categories},
        "decisions": dict(Decision.choices),
        "outcomes": dict(Outcome.choices),
        "statuses": dict(AlertStatus.choices),
    }


def _alert_cards(request, deployment, *, may_change: bool, bound: dict) -> list[dict]:
    alerts = (selectors.alert_list(user=request.user).filter(deployment=deployment)
              .select_related("device").order_by("-id"))
    shown = list(alerts[:ALERTS_SHOWN])
    if len(shown) == ALERTS_SHOWN:
        shown += list(alerts.filter(Q(status=AlertStatus.NEW) | Q(pk__in=bound), pk__lt=shown[-1].pk))
    cards = []
    for alert in shown:
        prefix, posted = f"alert-{alert.pk}", bound.get(alert.pk)
        card = {"alert": alert, "form": None, "errors": [], "shortcuts": False}
        expected = {AlertStatus.NEW: DecisionForm, AlertStatus.ADJUDICATED: EngagementForm}.get(alert.status)
        if may_change and expected is not None:
            card["form"] = posted if isinstance(posted, expected) else expected(prefix=prefix)
        if posted is not None and posted is not card["form"]:
            # A step out of order (an engagement before a decision, a second decision): say so on the card.
            card["errors"] = [text for texts in posted.errors.values() for text in texts]
        cards.append(card)
    # Access keys go to one card only, the oldest awaiting a decision, so a key press is never ambiguous.
    waiting = [card for card in cards if card["alert"].status == AlertStatus.NEW and card["form"] is not None]
    if waiting:
        waiting[-1]["shortcuts"] = True
    return cards


def _live(request, deployment, *, bound=None, device_form=None, feed_form=None, new_device=None, status=200):
    user = request.user
    may_change = can(user, CHANGE, deployment.force)
    devices = selectors.device_list(user=user).filter(deployment=deployment).order_by("name")
    cards = _alert_cards(request, deployment, may_change=may_change, bound=bound or {})
    problems = [(pk, text) for pk, form in (bound or {}).items() for texts in form.errors.values() for text in texts]
    context = {
        "deployment": deployment,
        "Status": Status,
        "may_change": may_change,
        "counters": _counters(deployment),
        "chart": faces_chart(deployment=deployment),
        "cards": cards,
        "problems": problems,
        "last_id": max((c["alert"].pk for c in cards), default=0),
        "labels": _labels(deployment, user),
        # Blank forms for the script to copy when it draws an alert; "__id__" becomes the alert's id.
        "decision_template": DecisionForm(prefix="alert-__id__"),
        "decide_url": reverse("alert-decide", args=[0]).replace("/0/", "/__id__/"),
        "engagement_url": reverse("alert-engagement", args=[0]).replace("/0/", "/__id__/"),
        "engagement_template": EngagementForm(prefix="alert-__id__"),
        "devices": devices,
        "device_form": device_form or DeviceForm(),
        "feed_form": feed_form or VideoFeedForm(devices=devices.filter(revoked_at__isnull=True)),
        "feeds": selectors.video_feed_list(user=user).filter(deployment=deployment).select_related("device")
                 .order_by("-id")[:10],
        "new_device": new_device,
    }
    response = render(request, "matching/live.html", context, status=status)
    if new_device is not None:
        response["Cache-Control"] = NO_STORE  # the token must not outlive this one page
    return response


# --- live ------------------------------------------------------------------------------------------
@login_required
def live_list(request):
    deployments = (deployment_list(user=request.user).filter(kind=Kind.LFR)
                   .exclude(status__in=[Status.DRAFT, Status.SUBMITTED, Status.REFUSED])
                   .select_related("force")
                   .annotate(alert_count=Count("alerts", distinct=True),
                             undecided=Count("alerts", filter=Q(alerts__adjudication__isnull=True), distinct=True))
                   .order_by("-starts_at"))
    return render(request, "matching/live_list.html", {"deployments": deployments, "Status": Status})


@login_required
def deployment_live(request, pk: int):
    return _live(request, _lfr_deployment(request, pk))


@login_required
@never_cache
def deployment_live_counters(request, pk: int):
    deployment = _lfr_deployment(request, pk)
    return JsonResponse({"status": deployment.status, "status_label": deployment.get_status_display(),
                         "counters": _counters(deployment), "chart": faces_chart(deployment=deployment)})


@login_required
@require_POST
def alert_decide(request, pk: int):
    alert = _alert(request, pk)
    form = DecisionForm(request.POST, prefix=f"alert-{alert.pk}")
    if form.is_valid():
        try:
            adjudication.alert_adjudicate(actor=request.user, alert=alert, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Alert {alert.pk}: {Decision(form.cleaned_data['decision']).label.lower()} "
                                      "recorded. Record the engagement next.")
            return redirect(reverse("deployment-live", args=[alert.deployment_id]) + f"#alert-{alert.pk}")
    return _live(request, _lfr_deployment(request, alert.deployment_id), bound={alert.pk: form}, status=400)


@login_required
@require_POST
def alert_engagement(request, pk: int):
    alert = _alert(request, pk)
    form = EngagementForm(request.POST, prefix=f"alert-{alert.pk}")
    if form.is_valid():
        try:
            adjudication.engagement_record(actor=request.user, alert=alert, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Alert {alert.pk}: engagement recorded.")
            return redirect(reverse("deployment-live", args=[alert.deployment_id]) + f"#alert-{alert.pk}")
    return _live(request, _lfr_deployment(request, alert.deployment_id), bound={alert.pk: form}, status=400)


def alert_crop(request, pk: int):
    """The face crop of one alert, to people who may see the alert; 404 to everyone else, the public included."""
    alert = selectors.alert_list(user=request.user).filter(pk=pk).first()
    if alert is None or not alert.crop or alert.media_deleted_at is not None:
        raise Http404("No such image")
    try:
        handle = alert.crop.open("rb")
    except FileNotFoundError:
        raise Http404("No such image") from None
    response = FileResponse(handle, content_type="image/jpeg", filename=f"alert-{alert.pk}.jpg")
    response["Cache-Control"] = NO_STORE
    return response


# --- devices and video feeds -----------------------------------------------------------------------
@login_required
@require_POST
def device_register(request, pk: int):
    deployment = _lfr_deployment(request, pk)
    form = DeviceForm(request.POST)
    if form.is_valid():
        try:
            device, token = live.device_create(actor=request.user, deployment=deployment,
                                               name=form.cleaned_data["name"])
        except ValidationError as error:
            show_errors(form, error)
        else:
            return _live(request, deployment, new_device={"device": device, "token": token}, status=201)
    return _live(request, deployment, device_form=form, status=400)


@login_required
@require_POST
def device_revoke(request, pk: int, device_pk: int):
    deployment = _lfr_deployment(request, pk)
    device = get_object_or_404(selectors.device_list(user=request.user).filter(deployment=deployment), pk=device_pk)
    try:
        live.device_revoke(actor=request.user, device=device)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{device.name} is revoked: it can no longer send frames to this deployment.")
    return redirect(reverse("deployment-live", args=[deployment.pk]) + "#devices")


@login_required
@require_POST
def feed_start(request, pk: int):
    deployment = _lfr_deployment(request, pk)
    devices = selectors.device_list(user=request.user).filter(deployment=deployment, revoked_at__isnull=True)
    form = VideoFeedForm(request.POST, request.FILES, devices=devices)
    if form.is_valid() and not _too_large(form.cleaned_data["file"], form, "file", feeds.MAX_VIDEO_BYTES):
        upload = form.cleaned_data["file"]
        try:
            feed = feeds.video_feed_start(actor=request.user, device=form.cleaned_data["device"], name=upload.name,
                                          data=upload.read())
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Video queued as a feed from {feed.device.name}.")
            return redirect("feed-detail", pk=feed.pk)
    return _live(request, deployment, feed_form=form, status=400)


def _feed(request, pk: int):
    return get_object_or_404(selectors.video_feed_list(user=request.user).select_related("deployment", "device"),
                             pk=pk)


def _feed_status(feed) -> dict:
    return {"id": feed.pk, "status": feed.status, "status_label": feed.get_status_display(),
            "finished": feed.status in (VideoFeedStatus.DONE, VideoFeedStatus.FAILED),
            "frames_done": feed.frames_done, "frames_total": feed.frames_total, "percent": feed.percent,
            "faces": feed.faces, "alerts": feed.alerts, "error": feed.error}


@login_required
def feed_detail(request, pk: int):
    feed = _feed(request, pk)
    return render(request, "matching/feed.html", {"feed": feed, "state": _feed_status(feed)})


@login_required
@never_cache
def feed_status(request, pk: int):
    return JsonResponse(_feed_status(_feed(request, pk)))


# --- RFR -------------------------------------------------------------------------------------------
@login_required
def rfr_search(request):
    form = RfrSearchForm(request.POST or None, request.FILES or None,
                         authorisers=selectors.national_authorisers(user=request.user).order_by("-rank", "last_name"))
    if request.method == "POST" and form.is_valid() and not _too_large(form.cleaned_data["probe"], form, "probe",
                                                                         MAX_UPLOAD_BYTES):
        data = dict(form.cleaned_data)
        probe = data.pop("probe").read()
        try:
            search = rfr.rfr_search_run(actor=request.user, probe=probe, **data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            return redirect("rfr-detail", pk=search.pk)
    user = request.user
    return render(request, "matching/rfr_search.html", {
        "form": form,
        "may_search": can(user, CHANGE, user.force),
        "searches": selectors.rfr_search_list(user=user).select_related("requested_by").order_by("-id")[:50],
    }, status=400 if request.method == "POST" else 200)


@login_required
def national_notice_list(request):
    """The owning force's record of other forces' national searches that returned its custody images."""
    notices = selectors.national_search_notice_list(user=request.user).order_by("-created_at", "-id")[:100]
    rows = [{"notice": n, "images": list(selectors.national_search_images(notice=n))} for n in notices]
    return render(request, "matching/national_notices.html", {"rows": rows})


@login_required
def national_notice_detail(request, pk: int):
    notice = get_object_or_404(selectors.national_search_notice_list(user=request.user), pk=pk)
    return render(request, "matching/national_notice.html", {
        "notice": notice, "search": notice.search, "images": selectors.national_search_images(notice=notice)})


def _rfr_detail(request, search, *, bound=None, status=200):
    candidates = selectors.rfr_candidate_list(user=request.user).filter(search=search).select_related("reviewed_by")
    may_mark = request.user.pk == search.requested_by_id
    bound = bound or {}
    rows = [{"candidate": c, "shortcuts": False,
             "form": (bound.get(c.pk) or CandidateMarkForm(prefix=f"candidate-{c.pk}"))
             if may_mark and c.status == CandidateStatus.UNREVIEWED else None}
            for c in candidates]
    # Access keys on the first candidate awaiting review only, so a key press is never ambiguous.
    first = next((row for row in rows if row["form"] is not None), None)
    if first is not None:
        first["shortcuts"] = True
    return render(request, "matching/rfr_detail.html", {"search": search, "rows": rows}, status=status)


def _search(request, pk: int):
    return get_object_or_404(selectors.rfr_search_list(user=request.user)
                             .select_related("requested_by", "face_model", "force", "authorised_by"), pk=pk)


@login_required
def rfr_detail(request, pk: int):
    return _rfr_detail(request, _search(request, pk))


@login_required
def rfr_probe(request, pk: int):
    """The probe of a search, to the investigator who ran it and to auditors (the search's own selector)."""
    search = _search(request, pk)
    if search.probe_deleted_at is not None:
        raise Http404("No such image")
    return face_image_response(search.probe, name=f"probe-{search.pk}")


@login_required
def rfr_candidate_image(request, pk: int, candidate_pk: int):
    candidate = get_object_or_404(selectors.rfr_candidate_list(user=request.user).filter(search_id=pk),
                                  pk=candidate_pk)
    return face_image_response(candidate.custody_image.image, name=f"candidate-{candidate.pk}")


@login_required
@require_POST
def rfr_candidate_mark(request, pk: int, candidate_pk: int):
    search = _search(request, pk)
    candidate = get_object_or_404(selectors.rfr_candidate_list(user=request.user).filter(search=search),
                                  pk=candidate_pk)
    form = CandidateMarkForm(request.POST, prefix=f"candidate-{candidate.pk}")
    if form.is_valid():
        try:
            candidate = rfr.rfr_candidate_mark(actor=request.user, candidate=candidate, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            label = CandidateStatus(candidate.status).label.lower()
            messages.success(request, f"Candidate {candidate.rank} marked {label}.")
            return redirect(reverse("rfr-detail", args=[search.pk]) + f"#candidate-{candidate.pk}")
    return _rfr_detail(request, search, bound={candidate.pk: form}, status=400)


# --- OIFR ------------------------------------------------------------------------------------------
@csrf_exempt  # only so the upload handler can be swapped before the body is read; CSRF is checked below
def oifr_check(request):
    request.upload_handlers = [PhotoInMemory(request)]
    return _oifr_check(request)


@csrf_protect
@login_required
def _oifr_check(request):
    form = OifrCheckForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and PhotoInMemory.too_large(request):
        form.is_valid()  # the photo was dropped unread: say why, instead of "required"
        form.errors["photo"] = form.error_class([f"the photo is too large; at most {MAX_UPLOAD_BYTES // 2**20} MB"])
    elif request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        photo = data.pop("photo").read()
        try:
            check = rfr.oifr_check_run(actor=request.user, photo=photo, **data)
            # The officer compares the face they photographed with the image it matched, in this one response
            # only: the photo goes back as a data: URI, never as a file or a URL, and the page is not cached.
            preview = image_preview_data_uri(photo, field="photo") if check.matched_id else None
        except ValidationError as error:
            show_errors(form, error)
        else:
            response = _oifr_result(request, check, photo_uri=preview)
            response["Cache-Control"] = NO_STORE
            return response
        finally:
            del photo
    user = request.user
    return render(request, "matching/oifr_check.html", {
        "form": form, "may_check": can(user, CHANGE, user.force), "private_places": [p.value for p in PRIVATE_PLACES],
        "checks": selectors.oifr_check_list(user=user).select_related("matched").order_by("-id")[:20],
    }, status=400 if request.method == "POST" else 200)


@login_required
def oifr_candidate_image(request, pk: int):
    """The custody or missing-person image a check matched, to the officer who ran it and to auditors."""
    check = get_object_or_404(selectors.oifr_check_list(user=request.user).select_related("matched"), pk=pk)
    if check.matched is None:
        raise Http404("No such image")
    return face_image_response(check.matched.image, name=f"check-{check.pk}")


def _oifr_result(request, check, *, photo_uri: str | None = None):
    return render(request, "matching/oifr_detail.html", {"check": check, "photo_uri": photo_uri})


@login_required
def oifr_detail(request, pk: int):
    check = get_object_or_404(selectors.oifr_check_list(user=request.user).select_related("matched", "officer"), pk=pk)
    return _oifr_result(request, check)


# --- custody images ---------------------------------------------------------------------------------
IMAGES_SHOWN = 50


@login_required
def custody_image_list(request):
    """A force's own custody images, newest first or found by the person's reference, each with a way to delete."""
    images = selectors.custody_images_deletable(user=request.user).select_related("force")
    reference = (request.GET.get("reference") or "").strip()[:64]
    if reference:
        images = images.filter(subject_reference__iexact=reference)
    return render(request, "matching/custody_images.html", {
        "images": images.order_by("-created_at", "-id")[:IMAGES_SHOWN], "reference": reference,
        "shown": IMAGES_SHOWN, "may_delete": can(request.user, CHANGE, request.user.force)})


def _custody_image(request, pk: int):
    return get_object_or_404(selectors.custody_images_deletable(user=request.user).select_related("force"), pk=pk)


@login_required
def custody_image_photo(request, pk: int):
    image = _custody_image(request, pk)
    return face_image_response(image.image, name=f"custody-image-{image.pk}")


@login_required
def custody_image_delete(request, pk: int):
    """Delete one of the force's own custody images, with the reason, through the service the API uses."""
    image = _custody_image(request, pk)
    form = CustodyImageDeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            retention_services.custody_image_delete(actor=request.user, image=image,
                                                    reason=form.cleaned_data["reason"])
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"The custody image of {image.subject_reference} is deleted: no search of "
                                      f"any force will return it.")
            return redirect("custody-image-list")
    status = 400 if request.method == "POST" else 200
    return render(request, "matching/custody_image_delete.html", {"image": image, "form": form}, status=status)


# --- retention -------------------------------------------------------------------------------------
@login_required
def retention(request):
    report = selectors.deletions_report(user=request.user)
    done = [{"kind": DeletionKind(kind).label, "done": row["done"], "late": row["late"],
             "on_time": row["done"] - row["late"]} for kind, row in report["done"].items()]
    due = [dict(row, kind_label=DeletionKind(row["kind"]).label)
           for row in sorted(report["outstanding"], key=lambda r: r["due_at"])]
    return render(request, "matching/retention.html", {"done": done, "due": due,
                                                       "overdue": sum(1 for row in due if row["overdue"])})
