# Dialboard server image: docker build -t dialboard . && docker run -p 8000:8000 dialboard
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Build and install the package (non-editable: the wheel carries static/ and templates/),
# then drop the sources.
COPY . /tmp/dialboard-src
RUN pip install /tmp/dialboard-src \
    && rm -rf /tmp/dialboard-src

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin dialboard
USER dialboard
WORKDIR /home/dialboard

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('DIALBOARD_PORT', '8000'); sys.exit(0 if urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4).status == 200 else 1)"]

CMD ["dialboard", "--host", "0.0.0.0"]
