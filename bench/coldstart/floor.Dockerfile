# The cold-start floor: the run image plus a venv holding Flask (the version the kn-fn
# invoker ships, with its pinned dependencies), whose command only imports flask and exits.
# Bytecode is compiled with --invalidation-mode unchecked-hash, as the kn-fn buildpack does,
# so the floor pays no compile or source stat at import: the fastest Flask-capable start.
ARG BUILD_IMAGE=kn-fn-bench/build:0.1.0
ARG RUN_IMAGE=kn-fn-bench/run:0.1.0

FROM ${BUILD_IMAGE} AS deps
LABEL io.kn-fn.bench="dockerfile"
USER root
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check \
      flask==3.1.3 werkzeug==3.1.9 click==8.5.1 blinker==1.9.0 itsdangerous==2.2.0 jinja2==3.1.6 markupsafe==3.0.4 \
 && /opt/venv/bin/python -m compileall -q -f --invalidation-mode unchecked-hash /opt/venv/lib

FROM ${RUN_IMAGE}
LABEL io.kn-fn.bench="dockerfile"
COPY --from=deps /opt/venv /opt/venv
CMD ["/opt/venv/bin/python", "-c", "import flask"]
