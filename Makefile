# Licentieportaal. `make run` starts the portal with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/licentieportaal
REDIS_DEFAULT ?= redis://127.0.0.1:6379/0
# A key for the targets that check, test or measure, never for serving: without SECRET_KEY the settings
# refuse to start unless DEBUG is on (`make run`); `make serve` needs a real one.
LOCAL_KEY := SECRET_KEY=$${SECRET_KEY:-local-checks-only-not-a-secret-5c1d7e0a9b3f4e2d8a6c}
TEST_ENV := $(LOCAL_KEY) DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} REDIS_URL=$${REDIS_URL:-$(REDIS_DEFAULT)}

.PHONY: run serve test lint format worker beat bench messages openapi clean

$(BIN)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(BIN)/.installed-dev: $(BIN)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

messages: $(BIN)/.installed  ## compile the nl/en gettext catalogues
	$(LOCAL_KEY) $(BIN)/python manage.py compilemessages --ignore=.venv -v 0

run: $(BIN)/.installed messages  ## set up SQLite, load demo data and serve on 127.0.0.1:8000
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py migrate --noinput -v 0
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py seed_demo
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py runserver 127.0.0.1:8000

serve: $(BIN)/.installed messages  ## production: collectstatic, then gunicorn (deploy/gunicorn.conf.py) on the configured database; needs SECRET_KEY
	$(BIN)/python manage.py collectstatic --noinput -v 0
	$(BIN)/gunicorn -c deploy/gunicorn.conf.py portal.wsgi:application

test: $(BIN)/.installed-dev messages lint  ## the whole suite on PostgreSQL and Redis
	$(TEST_ENV) $(BIN)/python manage.py check_services
	$(TEST_ENV) $(BIN)/pytest

lint: $(BIN)/.installed-dev  ## ruff, formatting, import contracts, migrations and Django's checks
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(LOCAL_KEY) $(BIN)/python manage.py makemigrations --check --dry-run -v 0
	$(LOCAL_KEY) $(BIN)/python manage.py check --fail-level WARNING
	$(LOCAL_KEY) DATABASE_URL=sqlite:///:memory: $(BIN)/python manage.py check --fail-level WARNING

format: $(BIN)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

openapi: $(BIN)/.installed  ## regenerate docs/openapi.json, the committed schema of the HTTP API
	$(LOCAL_KEY) $(BIN)/python manage.py export_openapi

worker: $(BIN)/.installed  ## a Celery worker (needs REDIS_URL)
	$(BIN)/celery -A portal worker -l info

beat: $(BIN)/.installed  ## Celery beat: schedules the nightly recount (needs REDIS_URL)
	$(BIN)/celery -A portal beat -l info

bench: $(BIN)/.installed-dev  ## recount, nightly job, import, Excel and HTTP API benchmarks at the default sizes on PostgreSQL
	$(TEST_ENV) $(BIN)/python manage.py check_services
	$(TEST_ENV) $(BIN)/python manage.py migrate --noinput -v 0
	$(TEST_ENV) $(BIN)/python manage.py bench_refresh
	$(TEST_ENV) $(BIN)/python manage.py bench_import
	$(TEST_ENV) $(BIN)/python manage.py bench_analysis
	$(TEST_ENV) $(BIN)/python manage.py bench_api

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
