"""Operations: logging, metrics, request observation, deployment files and the gevent server."""
