# Signet's production image: `docker build -t signet .`, then
#   docker run -p 8080:8080 signet                                   (the bundled demo)
#   docker run -p 8080:8080 -v $PWD/signet.toml:/etc/signet/signet.toml:ro \
#     -e SIGNET_CONFIG=/etc/signet/signet.toml -e MEDIA_KEY=... signet
# Configure with a TOML file (SIGNET_CONFIG) and/or SIGNET_* variables (see README).
ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# The runtime venv gets no pip: installers and build tools stay in this stage.
RUN python -m venv --without-pip /opt/signet
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
COPY transforms ./transforms
COPY sources ./sources
RUN pip --python /opt/signet/bin/python install .

FROM python:${PYTHON_VERSION}-slim
# A fixed numeric uid, so Kubernetes' runAsNonRoot can check it without a passwd lookup.
RUN groupadd --system --gid 10001 signet \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin signet
COPY --from=build /opt/signet /opt/signet
ENV PATH=/opt/signet/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SIGNET_DEMO_DIR=/tmp/signet-demo
USER 10001:10001
WORKDIR /tmp
EXPOSE 8080
# slim has no curl; the interpreter is there anyway.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2).status != 200)"]
# One worker process per CPU the container may use (its cgroup quota, not the host's count).
CMD ["signet", "serve", "--host", "0.0.0.0", "--port", "8080", "--workers", "auto"]
