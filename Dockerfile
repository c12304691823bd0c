# One image for Hugging Face Spaces and for self-hosting: `python app.py` on $PORT (7860).
FROM python:3.11-slim

# Single-threaded BLAS/OpenMP: one request is a few microseconds of maths, threads only add
# contention on small CPUs.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    OMP_NUM_THREADS=1 \
    OPENBLAS_NUM_THREADS=1 \
    MKL_NUM_THREADS=1 \
    GRADIO_ANALYTICS_ENABLED=False \
    PORT=7860 \
    HOME=/home/user \
    PATH=/home/user/.local/bin:$PATH

# Spaces runs containers as uid 1000.
RUN useradd --create-home --uid 1000 user
USER user
WORKDIR /home/user/app

COPY --chown=user requirements.txt .
RUN pip install --no-cache-dir --user -r requirements.txt

COPY --chown=user app.py ./
COPY --chown=user src ./src
COPY --chown=user database ./database
COPY --chown=user models ./models
COPY --chown=user data ./data

EXPOSE 7860
CMD ["python", "app.py"]
