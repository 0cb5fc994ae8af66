FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# WeasyPrint (report PDFs) needs Pango.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY config config
COPY networks networks
COPY groups groups
COPY objectives objectives
COPY referrals referrals
COPY hub hub
COPY exports exports
RUN pip install --no-cache-dir .
COPY . .
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput
RUN useradd --create-home grove && mkdir -p /app/media && chown grove /app/media
USER grove
EXPOSE 8000
# Timeout, workers and recycling are set deliberately in config/gunicorn.py.
CMD ["gunicorn", "config.wsgi", "--config", "config/gunicorn.py"]
