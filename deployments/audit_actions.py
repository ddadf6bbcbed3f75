"""Audit actions of the governance layer (registered with the ground layer's vocabulary at start-up)."""
from oversight.audit.actions import register

ALGORITHM_VERSION_CREATE = register("algorithm_version.create", "An algorithm version was registered")
WATCHLIST_CATEGORY_CREATE = register("watchlist_category.create", "A watchlist category was added to a closed list")
# Written by the data migration for forces that existed before this layer.
WATCHLIST_CATEGORIES_SEED = register("watchlist_category.seed", "A force's closed list of categories was seeded")
POLICY_DOCUMENT_ADD = register("policy_document.add", "A version of a policy document was filed")
DEPLOYMENT_CREATE = register("deployment.create", "A deployment was drafted")
DEPLOYMENT_UPDATE = register("deployment.update", "A draft deployment was changed")
DEPLOYMENT_TRANSITION = register("deployment.transition", "A deployment moved from one state to another")
DEPLOYMENT_EXTEND = register("deployment.extend", "A deployment's window was extended by a new authorisation")
ASSET_CREATE = register("asset.create", "An asset was added to a force's or the national pool")
ASSET_ALLOCATE = register("asset.allocate", "A national-pool van was allocated to one or more forces")
ASSET_BOOK = register("asset.book", "An asset was booked for a deployment")
ASSET_RELEASE = register("asset.release", "An asset booking was released")
ASSESSMENT_SAVE = register("assessment.save", "A proportionality assessment was written or changed")
CONSULTATION_RECORD = register("consultation.record", "A consultation with the community about a deployment was "
                                                      "recorded")
AUTHORISATION_DECIDE = register("authorisation.decide", "An approver authorised or refused a deployment")
AUTHORISATION_URGENT_REVIEW = register("authorisation.urgent_review",
                                       "An urgent authorisation was confirmed, refused or lapsed")
WATCHLIST_CREATE = register("watchlist.create", "A watchlist was built for a deployment")
WATCHLIST_REBUILD = register("watchlist.rebuild", "A watchlist was re-extracted from its source systems")
WATCHLIST_REVIEW = register("watchlist.review", "A watchlist was reviewed after its last change")
WATCHLIST_ENTRY_ADD = register("watchlist_entry.add", "A person was added to a watchlist")
WATCHLIST_ENTRY_REMOVE = register("watchlist_entry.remove", "A person was removed from a watchlist")
WATCHLIST_ENTRY_SECOND_APPROVE = register("watchlist_entry.second_approve",
                                          "A second approver approved an under-18 entry")
WATCHLIST_ENTRY_DELETION_STATUS = register("watchlist_entry.deletion_status",
                                           "The deletion application status of an entry's image changed")
POST_DEPLOYMENT_REVIEW = register("deployment.post_review", "A post-deployment review was recorded")
ALGORITHM_VERSION_EXTERNAL = register("algorithm_version.external",
                                      "An algorithm version was recorded as running in a vendor's system, with the "
                                      "figures of its independent test")
