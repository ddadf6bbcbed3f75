"""Where generated model files and sample photos are cached (git-ignored, rebuilt on demand)."""

from pathlib import Path

# The project root is the folder that holds the `matching` package.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
MODELS_DIR = PROJECT_ROOT / ".models"
