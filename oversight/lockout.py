"""Sign-in lockout after repeated wrong passwords (django-axes), on the site's and the admin's sign-in pages."""
from __future__ import annotations

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """Counts and refuses sign-ins that come with a request (every sign-in page passes one).

    A sign-in without a request (the test client's `login`, a management command) has no address to count and
    nobody guessing behind it, so it is left to the next backend instead of failing.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out person sees (429), in plain words: how long to wait and whom to ask."""
    from django.conf import settings
    from django.shortcuts import render

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "oversight/locked_out.html", {"cooloff_minutes": minutes}, status=429)
