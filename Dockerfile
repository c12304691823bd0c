# One image for the Hugging Face Space and for self-hosting (compose, Kubernetes):
# `python app.py` on $PORT (7860), configured by environment variables only.
FROM python:3.11-slim-bookworm

# Single-threaded BLAS/OpenMP: a request is microseconds of maths, threads only add contention
# on small CPUs. Every cache and temp file goes under /tmp, the one writable place when the
# root filesystem is read-only (Kubernetes); Spaces and compose give it too. /home/user/spool
# is where compose mounts the outage spool's volume (owned by uid 1000, so the volume is).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OMP_NUM_THREADS=1 \
    OPENBLAS_NUM_THREADS=1 \
    MKL_NUM_THREADS=1 \
    GRADIO_ANALYTICS_ENABLED=False \
    LOG_FORMAT=json \
    GRADIO_TEMP_DIR=/tmp/gradio \
    HF_HOME=/tmp/huggingface \
    PORT=7860 \
    HOME=/home/user \
    PATH=/home/user/.local/bin:$PATH

# Spaces runs containers as uid 1000.
RUN useradd --create-home --uid 1000 user
USER 1000
WORKDIR /home/user/app

# Runtime requirements only, from the lock: every package pinned and checked by its hash.
COPY --chown=1000:1000 requirements.txt .
RUN pip install --no-cache-dir --user --require-hashes -r requirements.txt \
    && mkdir -p /home/user/spool /home/user/model_store

COPY --chown=1000:1000 app.py ./
COPY --chown=1000:1000 src ./src
COPY --chown=1000:1000 database ./database
COPY --chown=1000:1000 models ./models
COPY --chown=1000:1000 data ./data

EXPOSE 7860
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ['PORT']}/health/live\", timeout=4)"]
CMD ["python", "app.py"]
