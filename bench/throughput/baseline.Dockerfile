# (b) the baseline as an image: bench/invoker/baseline.py (a hand-written minimal Flask app
# served with the invoker's own gunicorn options) on the same run image as the app images.
#
#   docker build -f bench/throughput/baseline.Dockerfile CONTEXT
#   CONTEXT = baseline.py + wheelhouse/ (a copy of packages/buildpack/dist/buildpack/wheelhouse)
#
# The venv holds exactly what the buildpack installs for the invoker (kn-fn-invoker and its
# pins from the wheelhouse's constraints.txt, offline), so (a) and (b) differ only in the app:
# baseline.py imports gunicorn_options and serve from kn_fn_invoker. kn-fn/run has python3 but
# no venv module, so the venv is made in the build image (same Debian 12 python3.11 at the
# same path) and copied across, as bench/build/dockerfile/Dockerfile does.
ARG BUILD_IMAGE=kn-fn/build:0.1.0
ARG RUN_IMAGE=kn-fn/run:0.1.0

FROM ${BUILD_IMAGE} AS deps
# Marks this bench's images of both stages (bench/throughput/run.sh removes replaced ones).
LABEL io.kn-fn.bench="throughput"
USER root
COPY wheelhouse /tmp/wheelhouse
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check --no-index \
      --find-links /tmp/wheelhouse -c /tmp/wheelhouse/constraints.txt kn-fn-invoker

FROM ${RUN_IMAGE}
LABEL io.kn-fn.bench="throughput"
COPY --from=deps /opt/venv /opt/venv
COPY baseline.py /workspace/baseline.py
WORKDIR /workspace
ENV PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    VIRTUAL_ENV=/opt/venv
EXPOSE 8080
# WORKERS and THREADS come from the environment (the invoker's Settings); the case is the
# first argument: `docker run IMAGE cloudevent --host 0.0.0.0 --port 8080`.
ENTRYPOINT ["python", "/workspace/baseline.py"]
CMD ["http", "--host", "0.0.0.0", "--port", "8080"]
