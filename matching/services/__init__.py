"""The matcher's services: the only modules that write the matcher's records.

Each takes the acting user (or the device or task acting for one), runs the rulebook's stage for the moment it
is about, writes its records in one transaction and records the audit event beside them. Pages, the device
API, tasks and commands call these; they never save a record themselves (a test reads the source to hold
that).

- `live`: frames from a device: the matching stage, face counts, alerts, receipts.
- `feeds`: recorded video played through the live matcher as a supervised job, with resumes.
- `enrolment`: watchlist images turned into templates for one deployment and face model.
- `adjudication`: an officer's decision on an alert, the engagement that follows, legal holds.
- `rfr`: retrospective searches against custody images and the review of their candidates; operator-initiated
  checks from an officer's phone.
- `retention`: the deletions the retention policy makes due, each recorded as evidence.
- `vendor`: an external (vendor) matcher's side: the signed watchlist package it is given, the faces and alerts
  it reports, and its confirmation that the package was deleted.
- `install`: a force's licensed face model checked, calibrated on a labelled folder and offered to
  authorisations.
- `engine`: registering a face model (an algorithm version's file and checksum) and reading the current one.
"""

MODULES = tuple(f"matching.services.{name}" for name in (
    "adjudication", "engine", "enrolment", "feeds", "install", "live", "retention", "rfr", "vendor"))
