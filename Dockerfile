# Dialboard server image: docker build -t dialboard . && docker run -p 8000:8000 dialboard
# Pinned by version, so a rebuild gets the same Python and Debian release.
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Dependencies first, in their own layer: read from pyproject.toml alone, so a change to the
# code reuses this layer and reinstalls nothing but Dialboard itself.
COPY pyproject.toml /tmp/dialboard-src/pyproject.toml
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('/tmp/dialboard-src/pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Then the package (non-editable: the wheel carries static/ and templates/); drop the sources.
COPY . /tmp/dialboard-src
RUN pip install --no-deps /tmp/dialboard-src \
    && rm -rf /tmp/dialboard-src

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin dialboard
USER dialboard
WORKDIR /home/dialboard

EXPOSE 8000

# Follows the server: `--port` on its command line, else DIALBOARD_PORT, else 8000.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["python", "-m", "dialboard.healthcheck"]

CMD ["dialboard", "--host", "0.0.0.0"]
