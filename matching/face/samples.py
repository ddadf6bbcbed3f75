"""Real sample photos for tests and the demo, fetched from the package registry at set-up.

They come from the `face_recognition` 1.3.0 source distribution (`tests/test_images/`), so the
project never stores photos of people itself. What the files show (checked by eye):

    obama.jpg               Barack Obama, smiling, arms crossed, flag and red curtains behind
    obama2.jpg              Barack Obama, speaking at a lectern with a microphone, US flag behind
    obama3.jpg              Barack Obama, standing, arms crossed, room with a chandelier
    32bit.png               the same photo as obama2.jpg, as an RGBA PNG
    obama_partial_face.jpg  a narrow crop of obama.jpg's photo, face at the left edge
    obama_partial_face2.jpg a narrow crop of obama.jpg's photo, face at the right edge, cut off
    biden.jpg               Joe Biden, standing, arms crossed

Distinct photos of one man: obama.jpg, obama2.jpg, obama3.jpg. The other man: biden.jpg.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from matching.face.paths import MODELS_DIR

SAMPLES_DIR = MODELS_DIR / "samples"
DISTRIBUTION = "face_recognition==1.3.0"
FILES = (
    "32bit.png",
    "biden.jpg",
    "obama.jpg",
    "obama2.jpg",
    "obama3.jpg",
    "obama_partial_face.jpg",
    "obama_partial_face2.jpg",
)
SAME_PERSON = ("obama.jpg", "obama2.jpg", "obama3.jpg")
OTHER_PERSON = "biden.jpg"


class SamplesUnavailable(RuntimeError):
    pass


def sample_photos_dir(target: Path = SAMPLES_DIR) -> Path:
    """Return the folder holding FILES, downloading the sdist once if any is missing."""
    if all((target / name).is_file() for name in FILES):
        return target
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
            DISTRIBUTION, "-d", tmp,
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True)
        archives = list(Path(tmp).glob("face_recognition-*.tar.gz"))
        if result.returncode != 0 or not archives:
            raise SamplesUnavailable(f"could not download {DISTRIBUTION}: {result.stderr.strip()[-500:]}")
        _extract_test_images(archives[0], target)
    missing = [name for name in FILES if not (target / name).is_file()]
    if missing:
        raise SamplesUnavailable(f"{DISTRIBUTION} did not contain {missing}")
    return target


def _extract_test_images(archive: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            parts = Path(member.name).parts
            # Only regular files directly in tests/test_images/, written under their bare name
            # (never a path taken from the archive).
            if member.isfile() and parts[1:-1] == ("tests", "test_images") and parts[-1] in FILES:
                source = tar.extractfile(member)
                (target / parts[-1]).write_bytes(source.read())


# Group photos (3-5 people each, 22 faces in all) from the npm package @vladmandic/face-api's demo folder:
# the crowd that walks past the demo's camera. Fetched from the npm registry at set-up, like the photos above.
CROWD_PACKAGE = "@vladmandic/face-api@1.7.15"
CROWD_FILES = tuple(f"sample{i}.jpg" for i in range(1, 7))
CROWD_DIR = MODELS_DIR / "crowd"


def crowd_photos_dir(target: Path = CROWD_DIR) -> Path:
    """Return the folder holding CROWD_FILES, packing the npm package once if any is missing."""
    if all((target / name).is_file() for name in CROWD_FILES):
        return target
    with tempfile.TemporaryDirectory() as tmp:
        try:
            result = subprocess.run(["npm", "pack", CROWD_PACKAGE, "--silent"], cwd=tmp, capture_output=True,
                                    text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SamplesUnavailable(f"could not run npm to fetch {CROWD_PACKAGE}: {exc}") from None
        archives = list(Path(tmp).glob("*.tgz"))
        if result.returncode != 0 or not archives:
            raise SamplesUnavailable(f"could not fetch {CROWD_PACKAGE}: {result.stderr.strip()[-500:]}")
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archives[0]) as tar:
            for member in tar.getmembers():
                parts = Path(member.name).parts
                if member.isfile() and parts[1:-1] == ("demo",) and parts[-1] in CROWD_FILES:
                    (target / parts[-1]).write_bytes(tar.extractfile(member).read())
    missing = [name for name in CROWD_FILES if not (target / name).is_file()]
    if missing:
        raise SamplesUnavailable(f"{CROWD_PACKAGE} did not contain {missing}")
    return target
