"""The matcher's API: device ingest, alerts and adjudication, RFR, OIFR, gallery, enrolment, retention."""
from __future__ import annotations

import base64
import binascii

import django_filters

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.text import Truncator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from deployments.selectors import deployment_list
from oversight.api import JSONParser, WholeNumberFilter
from matching import selectors
from matching.services import adjudication, enrolment, live, retention, rfr, vendor
from matching.face.errors import ImageTooLarge
from matching.images import MAX_UPLOAD_BYTES, PhotoInMemory, image_bytes
from matching.models import Alert, CustodyImage, OifrCheck, RfrCandidate, RfrSearch


JUSTIFICATION_SUMMARY_CHARS = 200  # as on the alert card (templates/matching/_alert.html)


# --- serializers -----------------------------------------------------------------------------------
class AlertSerializer(serializers.ModelSerializer):
    subject_reference = serializers.CharField(source="entry.subject_reference")
    category = serializers.CharField(source="entry.category.code")
    decision = serializers.CharField(source="adjudication.decision", default=None)
    note = serializers.CharField(source="adjudication.note", default=None)
    outcome = serializers.CharField(source="engagement.outcome", default=None)
    crop_url = serializers.SerializerMethodField()
    entry_image_url = serializers.SerializerMethodField()
    justification_summary = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = ["id", "deployment", "entry", "subject_reference", "category", "similarity", "threshold",
                  "captured_at", "created_at", "status", "decision", "note", "outcome", "crop_url",
                  "entry_image_url", "justification_summary"]

    def get_crop_url(self, obj) -> str | None:
        return f"/alerts/{obj.pk}/crop/" if obj.crop and obj.media_deleted_at is None else None

    def get_entry_image_url(self, obj) -> str | None:
        """The watchlist photo beside the camera's crop, so the officer compares two faces (served only to
        people who may read the entry)."""
        return reverse("watchlist-entry-image", args=[obj.entry_id]) if obj.entry.image else None

    def get_justification_summary(self, obj) -> str:
        return Truncator(obj.entry.justification).chars(JUSTIFICATION_SUMMARY_CHARS)


class AdjudicateInput(serializers.Serializer):
    decision = serializers.CharField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class EngagementInput(serializers.Serializer):
    outcome = serializers.CharField()
    duration_minutes = serializers.IntegerField(min_value=0, max_value=1440)
    arrest_reason = serializers.CharField(required=False, allow_blank=True, default="",
                                          help_text="For an arrest: wanted_by_court, suspected_offence or "
                                                    "breach_of_conditions. By default, the watchlist category's.")


class HoldInput(serializers.Serializer):
    reason = serializers.CharField()
    reference = serializers.CharField()


class RfrCandidateSerializer(serializers.ModelSerializer):
    subject_reference = serializers.CharField(source="custody_image.subject_reference")
    owning_force = serializers.CharField(source="custody_image.force.code")

    class Meta:
        model = RfrCandidate
        fields = ["id", "rank", "custody_image", "owning_force", "subject_reference", "similarity", "status", "note",
                  "reviewed_at"]


class RfrSearchSerializer(serializers.ModelSerializer):
    candidates = RfrCandidateSerializer(many=True, read_only=True)

    class Meta:
        model = RfrSearch
        fields = ["id", "force", "deployment", "requested_by", "crime_reference", "probe_source",
                  "candidate_list_length", "threshold", "scope", "national_purpose", "authorised_by", "created_at",
                  "probe_deleted_at", "candidates"]


class RfrSearchInput(serializers.Serializer):
    probe = serializers.FileField()
    crime_reference = serializers.CharField(max_length=RfrSearch._meta.get_field("crime_reference").max_length)
    probe_source = serializers.CharField()
    candidate_list_length = serializers.IntegerField(required=False, default=10)
    deployment = serializers.IntegerField(required=False, allow_null=True, default=None)
    keep_probe = serializers.BooleanField(required=False, default=True)
    threshold = serializers.FloatField(required=False, allow_null=True, default=None, min_value=0, max_value=1,
                                       help_text="Similarity a candidate must reach; never below the floor for the "
                                                 "algorithm. Leave it out for the force's policy threshold.")
    scope = serializers.CharField(required=False, default="local",
                                  help_text="'local' for the force's own custody images, 'national' for every force's.")
    national_purpose = serializers.CharField(required=False, default="", allow_blank=True)
    authorised_by = serializers.IntegerField(required=False, allow_null=True, default=None,
                                             help_text="The officer of your force who authorised a national search; "
                                                       "yourself when left out.")


class MarkInput(serializers.Serializer):
    status = serializers.CharField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class OifrCheckSerializer(serializers.ModelSerializer):
    matched_subject_reference = serializers.CharField(source="matched.subject_reference", default=None)
    matched_kind = serializers.CharField(source="matched.kind", default=None)

    class Meta:
        model = OifrCheck
        fields = ["id", "reason", "subject_category", "place_type", "harm_declaration", "threshold", "faces_found",
                  "matched", "matched_subject_reference", "matched_kind", "similarity", "created_at"]


class OifrInput(serializers.Serializer):
    photo = serializers.FileField()
    reason = serializers.CharField()
    subject_category = serializers.CharField()
    place_type = serializers.CharField()
    harm_declaration = serializers.CharField(required=False, allow_blank=True, default="")


class GallerySerializer(serializers.ModelSerializer):
    class Meta:
        model = CustodyImage
        fields = ["id", "force", "kind", "subject_reference", "source_system", "taken_on", "unconvicted",
                  "deletion_granted", "created_at", "deleted_at"]


class GalleryDeleteInput(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the image is deleted, e.g. the person's application was granted.")


class GalleryInput(serializers.Serializer):
    image = serializers.FileField()
    subject_reference = serializers.CharField(max_length=64)
    kind = serializers.CharField(required=False, default="custody")
    source_system = serializers.CharField(required=False, default="PND")
    taken_on = serializers.DateField(required=False, allow_null=True, default=None)
    unconvicted = serializers.BooleanField(required=False, default=False)


class DeviceInput(serializers.Serializer):
    name = serializers.CharField(max_length=120)


def _read(upload, field: str) -> bytes:
    return image_bytes(upload, field=field)


# --- alerts ----------------------------------------------------------------------------------------
class AlertFilter(django_filters.FilterSet):
    deployment = WholeNumberFilter(field_name="deployment", help_text="Alerts of this deployment only")
    after = WholeNumberFilter(field_name="id", lookup_expr="gt", help_text="Alerts newer than this alert id")

    class Meta:
        model = Alert
        fields = ["deployment", "after"]


class AlertViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AlertSerializer
    filterset_class = AlertFilter

    def get_queryset(self):
        return selectors.alert_list(user=self.request.user).order_by("-id")

    @extend_schema(request=AdjudicateInput, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def adjudicate(self, request, pk=None):
        data = AdjudicateInput(data=request.data)
        data.is_valid(raise_exception=True)
        adjudication.alert_adjudicate(actor=request.user, alert=self.get_object(), **data.validated_data)
        return Response(AlertSerializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(request=EngagementInput, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def engagement(self, request, pk=None):
        data = EngagementInput(data=request.data)
        data.is_valid(raise_exception=True)
        adjudication.engagement_record(actor=request.user, alert=self.get_object(), **data.validated_data)
        return Response(AlertSerializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(request=HoldInput, responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        data = HoldInput(data=request.data)
        data.is_valid(raise_exception=True)
        hold = adjudication.legal_hold_place(actor=request.user, alert=self.get_object(), **data.validated_data)
        return Response({"hold": hold.pk, "reference": hold.reference}, status=status.HTTP_201_CREATED)


# --- devices and live ingest -----------------------------------------------------------------------
def _deployment_for(user, pk):
    deployment = deployment_list(user=user).filter(pk=pk).first()
    if deployment is None:
        raise Http404("No such deployment")
    return deployment


class DeviceView(APIView):
    @extend_schema(request=DeviceInput, responses=OpenApiTypes.OBJECT)
    def post(self, request, deployment_id: int):
        """Register a camera or van for one deployment; the token is shown only in this answer."""
        data = DeviceInput(data=request.data)
        data.is_valid(raise_exception=True)
        device, token = live.device_create(actor=request.user, deployment=_deployment_for(request.user, deployment_id),
                                           name=data.validated_data["name"])
        return Response({"device": device.pk, "name": device.name, "token": token}, status=status.HTTP_201_CREATED)


class DeviceRevokeInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class DeviceRevokeView(APIView):
    @extend_schema(request=DeviceRevokeInput, responses=OpenApiTypes.OBJECT)
    def post(self, request, device_id: int):
        """Revoke a camera's or van's token (lost, stolen or retired): its next frame gets 401."""
        data = DeviceRevokeInput(data=request.data)
        data.is_valid(raise_exception=True)
        device = get_object_or_404(selectors.device_list(user=request.user), pk=device_id)
        device = live.device_revoke(actor=request.user, device=device, reason=data.validated_data["reason"])
        return Response({"device": device.pk, "name": device.name, "revoked_at": device.revoked_at})


class EnrolView(APIView):
    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def post(self, request, deployment_id: int):
        """Compute the template of every usable watchlist entry; refusals are listed with their reasons."""
        report = enrolment.watchlist_enrol(actor=request.user,
                                           deployment=_deployment_for(request.user, deployment_id))
        return Response({"enrolled": len(report.enrolled), "rejected": report.rejected})


class DeviceAuthenticated(APIView):
    """Devices authenticate with `Authorization: Device <token>`; a token reaches one deployment only."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_authenticate_header(self, request):
        return 'Device realm="api"'  # a missing or wrong token is a 401 that says how to authenticate

    def device(self, request, deployment_id: int):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme != "Device" or not token:
            raise NotAuthenticated("send the device token as 'Authorization: Device <token>'")
        device = live.device_for_token(token.strip())
        if device is None:
            raise AuthenticationFailed("this device token is unknown or revoked")
        if device.deployment_id != deployment_id:
            raise AuthenticationFailed(f"this device token belongs to another deployment, not {deployment_id}")
        return device

    def answer(self, results):
        body = {"results": [r.__dict__ for r in results],
                "processed": sum(r.status == "processed" for r in results),
                "rejected": sum(r.status == "rejected" for r in results)}
        if body["processed"] == 0:
            first = next(r.error for r in results if r.error)
            body["detail"] = first["message"]
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(body)

    def handle_exception(self, exc):
        if isinstance(exc, live.MatchingRefused):
            return Response(exc.as_dict(), status=status.HTTP_409_CONFLICT)
        return super().handle_exception(exc)


class FramesView(DeviceAuthenticated):
    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "frame": {"type": "array", "items": {"type": "string", "format": "binary"}},
        "frame_id": {"type": "array", "items": {"type": "string", "maxLength": 100}}}}},
        responses=OpenApiTypes.OBJECT)
    def post(self, request, deployment_id: int):
        """Send one or more JPEG/PNG frames (field `frame`, repeated). Bad frames are reported, good ones matched.

        With the device's own id of each frame (field `frame_id`, repeated, in the same order), a request sent
        again after a lost answer is answered with the first result and not counted twice."""
        device = self.device(request, deployment_id)
        uploads = request.FILES.getlist("frame")
        if not uploads:
            raise DjangoValidationError({"frame": "send at least one image in the field 'frame'"})
        frame_ids = request.data.getlist("frame_id") if hasattr(request.data, "getlist") else None
        # Each frame is read only when its turn comes, and let go after it: one frame in memory at a time.
        frames = [_frame_reader(upload, i) for i, upload in enumerate(uploads)]
        return self.answer(live.frames_ingest(device=device, frames=frames, frame_ids=frame_ids))


class TemplatesView(DeviceAuthenticated):
    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    def post(self, request, deployment_id: int):
        """Send templates computed on the device: {"templates": [[128 numbers], ...], "crops": [base64 JPEG|null],
        "frame_ids": [the device's id of each template]}; `crops` and `frame_ids` are optional."""
        device = self.device(request, deployment_id)
        body = request.data
        if not isinstance(body, dict):
            raise DjangoValidationError({"templates": 'send a JSON object such as {"templates": [[128 numbers]]}, '
                                                      "not a list, a text or a number"})
        templates = body.get("templates")
        if not isinstance(templates, list) or not templates:
            raise DjangoValidationError({"templates": "send a non-empty list of templates (lists of 128 numbers)"})
        frame_ids = body.get("frame_ids")
        if frame_ids is not None and not isinstance(frame_ids, list):
            raise DjangoValidationError({"frame_ids": "send a list of ids, one per template, or leave it out"})
        return self.answer(live.templates_ingest(device=device, templates=templates, crops=_crops(body.get("crops")),
                                                 frame_ids=frame_ids))


def _frame_reader(upload, index: int):
    def read() -> bytes:
        if upload.size > MAX_UPLOAD_BYTES:
            raise ImageTooLarge(f"frame {index} is {upload.size / 2**20:.1f} MB; at most "
                                f"{MAX_UPLOAD_BYTES // 2**20} MB")
        upload.seek(0)
        return upload.read()
    return read


def _crops(crops) -> list[bytes | None]:
    """Base64 crops, one per template or null; each passes the image gate with its template."""
    if crops is None:
        return []
    if not isinstance(crops, list):
        raise DjangoValidationError({"crops": "send a list with one base64 JPEG or null per template, or leave it out"})
    decoded = []
    for i, crop in enumerate(crops):
        if crop is None or crop == "":
            decoded.append(None)
            continue
        if not isinstance(crop, str):
            raise DjangoValidationError({"crops": f"crop {i + 1} must be a base64 JPEG or PNG, or null"})
        if len(crop) > MAX_UPLOAD_BYTES * 4 // 3 + 4:
            raise DjangoValidationError({"crops": f"crop {i + 1} is over {MAX_UPLOAD_BYTES // 2**20} MB"})
        try:
            decoded.append(base64.b64decode(crop, validate=True))
        except (binascii.Error, ValueError):
            raise DjangoValidationError({"crops": f"crop {i + 1} is not valid base64"}) from None
    return decoded


# --- RFR, OIFR, gallery ----------------------------------------------------------------------------
def _authoriser_for(user, person_id: int | None):
    """The authorising officer of a national search: a person of the searcher's own force, or nobody."""
    if person_id is None:
        return None
    found = selectors.national_authorisers(user=user).filter(pk=person_id).first()
    if found is None:
        raise DjangoValidationError({"authorised_by": "no officer of your force has that number"})
    return found


class RfrSearchViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = RfrSearchSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        return selectors.rfr_search_list(user=self.request.user).prefetch_related("candidates__custody_image__force")

    @extend_schema(request=RfrSearchInput, responses={201: RfrSearchSerializer})
    def create(self, request):
        data = RfrSearchInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        probe = _read(values.pop("probe"), "probe")
        deployment_id = values.pop("deployment")
        deployment = _deployment_for(request.user, deployment_id) if deployment_id else None
        values["authorised_by"] = _authoriser_for(request.user, values.pop("authorised_by"))
        search = rfr.rfr_search_run(actor=request.user, probe=probe, deployment=deployment, **values)
        return Response(RfrSearchSerializer(self.get_queryset().get(pk=search.pk)).data,
                        status=status.HTTP_201_CREATED)


class RfrCandidateViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RfrCandidateSerializer

    def get_queryset(self):
        return selectors.rfr_candidate_list(user=self.request.user)

    @extend_schema(request=MarkInput, responses=RfrCandidateSerializer)
    @action(detail=True, methods=["post"])
    def mark(self, request, pk=None):
        data = MarkInput(data=request.data)
        data.is_valid(raise_exception=True)
        candidate = rfr.rfr_candidate_mark(actor=request.user, candidate=self.get_object(), **data.validated_data)
        return Response(RfrCandidateSerializer(candidate).data)


class OifrCheckViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = OifrCheckSerializer
    parser_classes = [MultiPartParser, FormParser]

    def initialize_request(self, request, *args, **kwargs):
        # Before anything reads the body: the photo is held in memory only, never in a temporary file (rule 18).
        request.upload_handlers = [PhotoInMemory(request)]
        return super().initialize_request(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.oifr_check_list(user=self.request.user).select_related("matched")

    @extend_schema(request=OifrInput, responses={201: OifrCheckSerializer})
    def create(self, request):
        if PhotoInMemory.too_large(request):
            raise DjangoValidationError({"photo": f"the photo is too large; at most {MAX_UPLOAD_BYTES // 2**20} MB"})
        data = OifrInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        photo = _read(values.pop("photo"), "photo")
        check = rfr.oifr_check_run(actor=request.user, photo=photo, **values)
        return Response(OifrCheckSerializer(self.get_queryset().get(pk=check.pk)).data,
                        status=status.HTTP_201_CREATED)


class GalleryViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = GallerySerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        return selectors.gallery_list(user=self.request.user).order_by("-id")

    @extend_schema(request=GalleryInput, responses={201: GallerySerializer})
    def create(self, request):
        data = GalleryInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        image = _read(values.pop("image"), "image")
        created = enrolment.gallery_enrol(actor=request.user, force=request.user.force, data=image, **values)
        return Response(GallerySerializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=GalleryDeleteInput, responses=GallerySerializer)
    @action(detail=True, methods=["post"], url_path="delete", parser_classes=[JSONParser, FormParser])
    def delete_image(self, request, pk=None):
        """The owning force deletes one of its images: from then on no search of any force returns it."""
        data = GalleryDeleteInput(data=request.data)
        data.is_valid(raise_exception=True)
        image = retention.custody_image_delete(actor=request.user, image=self.get_object(),
                                               reason=data.validated_data["reason"])
        return Response(GallerySerializer(image).data)


class DeletionsView(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        """Deletions done (on time or late) and deletions due but not yet done."""
        return Response(selectors.deletions_report(user=request.user))


# --- external (vendor) matchers ---------------------------------------------------------------------
class VendorPackageSerializer(serializers.Serializer):
    package = serializers.IntegerField(source="pk")
    deployment = serializers.IntegerField(source="deployment_id")
    digest = serializers.CharField()
    signature = serializers.CharField()
    public_key = serializers.CharField()
    entries = serializers.SerializerMethodField()
    size = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    deletion_confirmed_at = serializers.DateTimeField()

    def get_entries(self, obj) -> int:
        return len(obj.entries)


KEY_FIELD = dict(max_length=90, help_text="The vendor system's own id of this report: sent again after a lost "
                                          "answer, it is answered with the first result and not counted twice.")


class VendorFacesInput(serializers.Serializer):
    key = serializers.CharField(**KEY_FIELD)
    minute = serializers.DateTimeField(help_text="The minute the faces passed the cameras.")
    faces = serializers.IntegerField(min_value=0, max_value=vendor.MAX_FACES_PER_MINUTE)
    algorithm = serializers.CharField(max_length=60, help_text="The code of the algorithm version that processed them.")


class VendorAlertInput(serializers.Serializer):
    key = serializers.CharField(**KEY_FIELD)
    entry_reference = serializers.CharField(max_length=64, help_text="The subject reference in the package.")
    score = serializers.FloatField(min_value=0, max_value=1)
    captured_at = serializers.DateTimeField()
    package_digest = serializers.RegexField(r"^[0-9a-f]{64}$", help_text="SHA-256 of the package matched against.")
    algorithm = serializers.CharField(max_length=60)
    latitude = serializers.FloatField(min_value=-90, max_value=90)
    longitude = serializers.FloatField(min_value=-180, max_value=180)
    crop = serializers.CharField(required=False, allow_blank=True, default="",
                                 help_text="The camera's crop of the face, base64 JPEG or PNG.")


class VendorDeletionInput(serializers.Serializer):
    package_digest = serializers.RegexField(r"^[0-9a-f]{64}$")
    deleted_at = serializers.DateTimeField()
    statement = serializers.CharField(max_length=2000)


def _body(request, example: str) -> dict:
    if not isinstance(request.data, dict):
        raise DjangoValidationError({"body": f"send a JSON object such as {example}"})
    return request.data


class VendorPackageExportView(APIView):
    @extend_schema(request=None, responses={201: VendorPackageSerializer})
    def post(self, request, deployment_id: int):
        """Export the authorised watchlist, signed, for the deployment's external (vendor) matcher."""
        package = vendor.package_export(actor=request.user, deployment=_deployment_for(request.user, deployment_id))
        return Response(VendorPackageSerializer(package).data, status=status.HTTP_201_CREATED)


class VendorPackageView(DeviceAuthenticated):
    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
    def get(self, request, deployment_id: int):
        """The signed watchlist package (a ZIP). Headers: `X-Package-Digest` (SHA-256 of the body, hex),
        `X-Package-Signature` (Ed25519 over "frgov watchlist package v1\\n" + the digest, hex) and
        `X-Package-Public-Key` (to compare with the key the vendor pinned; never to trust on its own)."""
        device = self.device(request, deployment_id)
        package, data = vendor.package_bytes(device=device)
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="watchlist-{package.digest[:12]}.zip"'
        response["X-Package-Digest"] = package.digest
        response["X-Package-Signature"] = package.signature
        response["X-Package-Public-Key"] = package.public_key
        response["Cache-Control"] = "no-store"
        return response


class VendorFacesView(DeviceAuthenticated):
    @extend_schema(request=VendorFacesInput, responses=OpenApiTypes.OBJECT)
    def post(self, request, deployment_id: int):
        """Faces the vendor's system processed in one minute: {"key", "minute", "faces", "algorithm"}."""
        device = self.device(request, deployment_id)
        data = VendorFacesInput(data=_body(request, '{"key": "m-0901", "minute": "…", "faces": 120, '
                                                    '"algorithm": "nec-neoface-v4"}'))
        data.is_valid(raise_exception=True)
        received = vendor.vendor_faces_count(device=device, **data.validated_data)
        return Response({"status": received.status, "faces": received.faces})


class VendorAlertView(DeviceAuthenticated):
    @extend_schema(request=VendorAlertInput, responses=OpenApiTypes.OBJECT)
    def post(self, request, deployment_id: int):
        """One alert of the vendor's system. Refused with the rule it breaks (409), or stored as an alert for an
        officer to decide on (201; 200 with the first alert if this device sent the same key before)."""
        device = self.device(request, deployment_id)
        data = VendorAlertInput(data=_body(request, '{"key": "a-17", "entry_reference": "…", "score": 0.71, …}'))
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        crop = _crops([values.pop("crop") or None])[0]
        position = (values.pop("latitude"), values.pop("longitude"))
        received = vendor.vendor_alert_receive(device=device, crop=crop, position=position, **values)
        return Response({"status": received.status, "alerts": received.alerts},
                        status=status.HTTP_201_CREATED if received.status == "accepted" else status.HTTP_200_OK)


class VendorDeletionView(DeviceAuthenticated):
    @extend_schema(request=VendorDeletionInput, responses=OpenApiTypes.OBJECT)
    def post(self, request, deployment_id: int):
        """After the deployment: the vendor's system confirms it deleted its copy of the package."""
        device = self.device(request, deployment_id)
        data = VendorDeletionInput(data=_body(request, '{"package_digest": "…", "deleted_at": "…", '
                                                       '"statement": "…"}'))
        data.is_valid(raise_exception=True)
        package = vendor.package_deletion_confirm(device=device, **data.validated_data)
        return Response({"package_digest": package.digest, "deletion_confirmed_at": package.deletion_confirmed_at})
