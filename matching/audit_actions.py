"""Audit actions of the matcher layer (registered with the ground layer's vocabulary at start-up)."""
from oversight.audit.actions import register

FACE_MODEL_REGISTER = register("face_model.register", "A face model version was registered with its file hash")
ENTRY_ENROL = register("watchlist_entry.enrol", "A watchlist entry's face template was computed")
ENTRY_ENROL_REJECT = register("watchlist_entry.enrol_reject", "A watchlist entry's image failed the quality gate")
DEVICE_CREATE = register("device.create", "A camera or van was given a token for one deployment")
DEVICE_REVOKE = register("device.revoke", "A device token was revoked")
ALERT_RAISE = register("alert.raise", "A face matched a watchlist entry at or above the threshold")
ALERT_ADJUDICATE = register("alert.adjudicate", "An officer decided on an alert")
ENGAGEMENT_RECORD = register("alert.engagement", "The outcome of an engagement after an alert was recorded")
LEGAL_HOLD_PLACE = register("legal_hold.place", "An alert's image and template were placed on legal hold")
LEGAL_HOLD_RELEASE = register("legal_hold.release", "A legal hold was released")
GALLERY_ENROL = register("gallery.enrol", "A custody or missing-person image was added to a force's gallery")
RFR_SEARCH = register("rfr.search", "A retrospective search was run")
RFR_CANDIDATE_MARK = register("rfr.candidate_mark", "An RFR candidate was corroborated or rejected")
OIFR_CHECK = register("oifr.check", "An operator-initiated identity check was run")
VIDEO_FEED_START = register("video_feed.start", "A video file was queued as a camera feed")
VIDEO_FEED_RESUME = register("video_feed.resume",
                             "A stalled video feed whose worker was lost was queued again, to resume after its "
                             "last counted frame")
DELETION = register("retention.delete",
                    "Biometric data, or a complainant's personal data, was deleted under the retention policy")
ALGORITHM_RECALIBRATE = register("algorithm_version.recalibrate", "An algorithm version's calibration was replaced")
VENDOR_PACKAGE_EXPORT = register("vendor_package.export",
                                 "The authorised watchlist was exported, signed, for an external matcher")
VENDOR_PACKAGE_DOWNLOAD = register("vendor_package.download", "An external matcher downloaded its watchlist package")
VENDOR_FACES_COUNT = register("vendor.faces", "An external matcher reported the faces it processed in a minute")
NATIONAL_SEARCH_NOTICE = register("rfr.national_notice",
                                  "Another force's national retrospective search returned this force's custody images")
ALGORITHM_INSTALL = register("algorithm_version.install",
                             "A licensed face model was installed, calibrated and offered to authorisations")
DEPLOYMENT_ALGORITHM_SWITCH = register("deployment.algorithm_switch",
                                       "A deployment's algorithm was changed and its watchlist enrolled again")
