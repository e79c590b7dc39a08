# claimdesk in a container: slim Python, a non-root user, the database on a volume.
#   docker build -t claimdesk .
#   docker run --rm -v claimdesk-data:/data claimdesk                       # console sink, seeds feed
#   docker run --rm -v claimdesk-data:/data -v $PWD/my.toml:/app/config/claimdesk.toml claimdesk
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    CLAIMDESK_DATABASE=/data/claimdesk.db

WORKDIR /app
RUN useradd --create-home --uid 10001 claimdesk && mkdir -p /data && chown claimdesk /data

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
RUN pip install .
COPY requirements ./requirements
RUN pip install --no-deps --require-hashes -r requirements/pipeline.txt \
 && pip install --no-deps --require-hashes -r requirements/embedding.txt
COPY config ./config
COPY seeds ./seeds

USER claimdesk
VOLUME ["/data"]
CMD ["claimdesk", "run"]
