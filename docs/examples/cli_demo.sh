# The bundled answer, streamed live from a local server (no network, no key).
chatsse demo --pace 0
