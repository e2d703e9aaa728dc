"""The ceiling: a bare WSGI app returning a fixed JSON body, under the same gunicorn."""

BODY = b'{"id":"00000000-0000-4000-8000-000000000000","text":"fixed"}'
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]


def app(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
