# (d) the bare app on the invoker's own server, as an image: bench/invoker/granian_baseline.py
# (baseline.py's minimal Flask app served by kn_fn_invoker._server.serve) on the same run image
# as the app images.
#
#   docker build -f bench/throughput/granian.Dockerfile CONTEXT
#   CONTEXT = baseline.py + granian_baseline.py + wheelhouse/ (a copy of
#             packages/buildpack/dist/buildpack/wheelhouse)
#
# The venv holds exactly what the buildpack installs for the invoker (kn-fn-invoker and its
# pinned dependencies, granian among them), offline from the wheelhouse, which holds one
# version of each: (a) and (d) differ only in the app. run.sh's server (a'') runs this venv's
# invoker too. kn-fn/run has python3 but no venv module, so the venv is made in the build image
# (same Debian 12 python3.11 at the same path) and copied across.
ARG BUILD_IMAGE=kn-fn/build:0.1.0
ARG RUN_IMAGE=kn-fn/run:0.1.0

FROM ${BUILD_IMAGE} AS deps
# Marks this bench's images of both stages (bench/throughput/run.sh removes replaced ones).
LABEL io.kn-fn.bench="throughput"
USER root
COPY wheelhouse /tmp/wheelhouse
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check --no-index \
      --find-links /tmp/wheelhouse kn-fn-invoker

FROM ${RUN_IMAGE}
LABEL io.kn-fn.bench="throughput"
COPY --from=deps /opt/venv /opt/venv
COPY baseline.py granian_baseline.py /workspace/
WORKDIR /workspace
ENV PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    VIRTUAL_ENV=/opt/venv
EXPOSE 8080
# WORKERS and THREADS come from the environment (the invoker's Settings); the case is the
# first argument: `docker run IMAGE cloudevent --host 0.0.0.0 --port 8080`.
ENTRYPOINT ["python", "/workspace/granian_baseline.py"]
CMD ["http", "--host", "0.0.0.0", "--port", "8080"]
