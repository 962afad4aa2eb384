# Observatory's one image: every role is `observatory <command>` (see compose.yaml).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain domain
COPY commands commands
COPY projections projections
COPY read_api read_api
COPY write_api write_api
COPY workers workers
COPY ml ml
COPY migrations migrations
COPY infra infra
# /var/lib/observatory is OBSERVATORY_DATA_DIR in compose and Kubernetes: a volume shared by
# every role (signing key, master key, audit anchors), created here so it is ours.
RUN pip install --no-cache-dir . && useradd --system --uid 10001 observatory \
    && install -d -o observatory -g observatory -m 0700 /var/lib/observatory
USER observatory
EXPOSE 8470 9464
CMD ["observatory", "--help"]
