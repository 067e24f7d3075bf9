FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml ./
COPY ccass_portal ccass_portal
COPY accounts accounts
COPY dms dms
COPY terminal terminal
COPY eservices eservices
RUN pip install --no-cache-dir .
COPY . .
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput
# The overnight reports' folder (SPEC T2) exists before its volume is mounted, owned by the
# user that writes the files.
RUN mkdir -p /app/var/reports && useradd --system portal && chown -R portal /app
USER portal
EXPOSE 8000
CMD ["gunicorn", "ccass_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
