# (b) the reference as an image: bench/invoker/baseline.py (a hand-written minimal Flask app on
# gunicorn's gthread worker, with the options the invoker gave gunicorn before it moved to
# granian) on the same run image as the app images.
#
#   docker build -f bench/throughput/baseline.Dockerfile --build-arg PINS=... CONTEXT
#   CONTEXT = baseline.py + wheels/ (run.sh downloads them on the host: the build is offline)
#
# PINS (run.sh): Flask and Werkzeug at the invoker's versions (the buildpack's wheelhouse) and
# gunicorn at the version the invoker last ran on, so (b) differs from the others in server and
# app, not in Flask. baseline.py is standalone: no invoker in this image. kn-fn/run has python3
# but no venv module, so the venv is made in the build image (same Debian 12 python3.11 at the
# same path) and copied across, as bench/build/dockerfile/Dockerfile does.
ARG BUILD_IMAGE=kn-fn/build:0.1.0
ARG RUN_IMAGE=kn-fn/run:0.1.0

FROM ${BUILD_IMAGE} AS deps
ARG PINS
# Marks this bench's images of both stages (bench/throughput/run.sh removes replaced ones).
LABEL io.kn-fn.bench="throughput"
USER root
COPY wheels /tmp/wheels
RUN : "${PINS:?run.sh passes PINS: flask==X werkzeug==Y gunicorn==Z}" \
 && python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check --no-index \
      --find-links /tmp/wheels $PINS

FROM ${RUN_IMAGE}
LABEL io.kn-fn.bench="throughput"
COPY --from=deps /opt/venv /opt/venv
COPY baseline.py /workspace/baseline.py
WORKDIR /workspace
ENV PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    VIRTUAL_ENV=/opt/venv
EXPOSE 8080
# WORKERS and THREADS come from the environment; the case is the first argument:
# `docker run IMAGE cloudevent --host 0.0.0.0 --port 8080`.
ENTRYPOINT ["python", "/workspace/baseline.py"]
CMD ["http", "--host", "0.0.0.0", "--port", "8080"]
