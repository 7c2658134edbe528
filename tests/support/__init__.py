"""Helpers the tests share: apps and live servers, HTTP errors, socket clients, browsers,
MongoDB and operations tooling. Fixtures stay in conftest.py."""
