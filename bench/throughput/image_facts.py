"""What an image serves with, printed as one JSON line; run inside the image by run.sh:

    docker run --rm -i -e WORKERS -e THREADS --entrypoint PYTHON IMAGE - < image_facts.py

python: its version; versions: the server stack's distributions; invoker_digest: a digest of
the kn_fn_invoker package's .py files, so run.sh can tell whether (a) and (d) carry the same
invoker build (the builder's copy and the wheelhouse in packages/buildpack/dist may differ);
granian_options: the invoker's granian options for WORKERS/THREADS of the environment, when
the invoker is installed; gunicorn_options: baseline.py's, when the image serves it on
gunicorn (the working directory holds baseline.py and gunicorn is installed). Standard library
only, but for what those two imports need: it runs on whatever python the image has.
"""

import hashlib
import importlib.metadata as metadata
import importlib.util
import json
import pathlib
import platform

DISTRIBUTIONS = ("kn-fn-invoker", "functions-framework", "flask", "werkzeug", "granian", "gunicorn", "cloudevents")
GRANIAN_KEYS = ("workers", "blocking_threads", "runtime_threads")
GUNICORN_KEYS = ("worker_class", "workers", "threads", "keepalive", "timeout", "graceful_timeout", "preload_app")


def installed(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def invoker_facts():
    spec = importlib.util.find_spec("kn_fn_invoker")
    if spec is None:
        return {}
    package = pathlib.Path(spec.origin).parent
    digest = hashlib.sha256()
    for path in sorted(package.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    from kn_fn_invoker._server import granian_options
    from kn_fn_invoker._settings import from_environment

    options = granian_options(from_environment())
    return {
        "invoker_digest": digest.hexdigest()[:12],
        "granian_options": ", ".join(f"{key}={options[key]}" for key in GRANIAN_KEYS) + f", http={options['http'].name}",
    }


def baseline_facts():
    # `python -` puts the working directory (the image's /workspace) first on sys.path.
    if installed("gunicorn") is None or importlib.util.find_spec("baseline") is None:
        return {}
    from baseline import gunicorn_options

    options = gunicorn_options("0.0.0.0", 8080)
    return {"gunicorn_options": ", ".join(f"{key}={options[key]}" for key in GUNICORN_KEYS)}


facts = {"python": platform.python_version(), "versions": {name: v for name in DISTRIBUTIONS if (v := installed(name))}}
facts.update(invoker_facts())
facts.update(baseline_facts())
print(json.dumps(facts))
