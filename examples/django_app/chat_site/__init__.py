"""A minimal Django project that streams a model's answer to the browser, event by event.

The same backend as ``examples/flask_app``, in Django: ``GET /`` serves the
page (``examples/web_page/index.html``), ``GET /chat?prompt=...`` re-streams
the upstream answer as SSE frames with a ``StreamingHttpResponse`` over
:func:`chatsse.sse_frames` (see :mod:`chat_site.views`). No database, no
installed apps.

Configuration comes from the environment (:mod:`chat_site.settings`):
``UPSTREAM_URL`` (an OpenAI-compatible chat completions URL, required),
``OPENAI_API_KEY`` (optional), ``MODEL``, and ``DJANGO_SECRET_KEY``,
``DJANGO_DEBUG=1``, ``DJANGO_ALLOWED_HOSTS`` (comma-separated). Run it, from
the repository's root, as deployed under gunicorn with threads (each answer
being streamed holds a thread for as long as it lasts)::

    UPSTREAM_URL=https://api.openai.com/v1/chat/completions OPENAI_API_KEY=sk-... \\
        gunicorn --worker-class gthread --threads 8 --chdir examples/django_app \\
        --bind 127.0.0.1:8000 chat_site.wsgi

or with Django's development server: ``python examples/django_app/manage.py
runserver 127.0.0.1:8000`` (same variables). Without a model at hand,
``chatsse serve chatsse/data/demo.sse --port 8765 --delay 0.05`` replays the
bundled answer at ``UPSTREAM_URL=http://127.0.0.1:8765/v1/chat/completions``.
"""
