# (c) functions-framework on the same run image: bench/build/dockerfile/Dockerfile (what a
# user would write instead of `pack build`) with two changes for this bench:
# - pip trusts the host's CA bundle through a file in the build context (ca/host-ca.crt,
#   PIP_CERT in the deps stage only), where HTTPS to PyPI goes through a re-signing proxy;
#   the final image never sees it, as the app is copied from app/ alone
# - its own label, so that this bench's image cleanup and the other benches' never meet
#
#   docker build -f bench/throughput/ff.Dockerfile CONTEXT
#   CONTEXT = app/ (handler.py; its requirements.txt, if any, must name nothing) + ca/host-ca.crt
#
# PINS (run.sh reads them from packages/buildpack/dist/buildpack/wheelhouse/constraints.txt)
# pin flask, werkzeug and gunicorn to the invoker's versions, so (c) differs from (a) in the
# framework, not in the server stack; functions-framework resolves the rest.
ARG BUILD_IMAGE=kn-fn/build:0.1.0
ARG RUN_IMAGE=kn-fn/run:0.1.0

FROM ${BUILD_IMAGE} AS deps
ARG FRAMEWORK=functions-framework==3.10.2
ARG PINS
LABEL io.kn-fn.bench="throughput"
USER root
COPY ca /tmp/ca
RUN python3 -m venv /opt/venv \
 && PIP_CERT=/tmp/ca/host-ca.crt /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check \
      "$FRAMEWORK" $PINS

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
