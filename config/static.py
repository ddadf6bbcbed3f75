"""Static files: hashed names (cached for a year by browsers) and compressed copies, made by collectstatic."""
import os
import re

from whitenoise.storage import CompressedManifestStaticFilesStorage

HASHED = re.compile(r"\.[0-9a-f]{12}\.[^/.]+$")


class StaticStorage(CompressedManifestStaticFilesStorage):
    # A file added since the last collectstatic is linked by its plain name instead of failing the page;
    # collectstatic (`make setup`, `manage.py serve`) gives it its hashed name.
    manifest_strict = False

    def compress_files(self, paths):
        # WhiteNoise compresses every file on every run (a minute here: brotli on the API docs' bundles).
        # A hashed name is its content, so its compressed copies, once made, are current.
        yield from super().compress_files([path for path in paths if not self._compressed(path)])

    def _compressed(self, path: str) -> bool:
        full = self.path(path)
        copies = [full + suffix for suffix in (".gz", ".br") if os.path.exists(full + suffix)]
        if not copies:
            return False
        if HASHED.search(path):
            return True
        # A plain name is copied again when its source changed; its copies carry the time of the file they
        # were made from.
        return min(os.path.getmtime(copy) for copy in copies) >= os.path.getmtime(full) - 0.001
