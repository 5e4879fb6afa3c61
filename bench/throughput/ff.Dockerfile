# (c) functions-framework on the same run image: bench/build/dockerfile/Dockerfile (what a
# user would write instead of `pack build`) with two changes for this bench:
# - pip installs offline from wheels/ in the build context, which run.sh downloads on the host
#   (the docker builds have no network)
# - its own label, so that this bench's image cleanup and the other benches' never meet
#
#   docker build -f bench/throughput/ff.Dockerfile --build-arg PINS=... CONTEXT
#   CONTEXT = app/ (handler.py; its requirements.txt, if any, must name nothing) + wheels/
#
# PINS (run.sh) pin Flask and Werkzeug to the invoker's versions (the buildpack's wheelhouse)
# and gunicorn to the version (b) runs, so (c) differs from (b) in the framework, not in the
# server stack; wheels/ holds the rest of what functions-framework needs.
ARG BUILD_IMAGE=kn-fn/build:0.1.0
ARG RUN_IMAGE=kn-fn/run:0.1.0

FROM ${BUILD_IMAGE} AS deps
ARG FRAMEWORK=functions-framework==3.10.2
ARG PINS
LABEL io.kn-fn.bench="throughput"
USER root
COPY wheels /tmp/wheels
RUN : "${PINS:?run.sh passes PINS: flask==X werkzeug==Y gunicorn==Z}" \
 && python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check --no-index \
      --find-links /tmp/wheels "$FRAMEWORK" $PINS

FROM ${RUN_IMAGE}
LABEL io.kn-fn.bench="throughput"
COPY --from=deps /opt/venv /opt/venv
WORKDIR /workspace
COPY app /workspace
ENV PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    VIRTUAL_ENV=/opt/venv
EXPOSE 8080
# WORKERS and THREADS from the environment, as functions-framework's gunicorn settings read
# them (its THREADS default would be 4 x CPUs).
CMD ["functions-framework", "--target", "handler", "--source", "handler.py", "--host", "0.0.0.0", "--port", "8080"]
