"""moto's server, one request at a time.

DynamoDB applies conditional writes to an item atomically; moto's threaded server does not (two
concurrent PutItem calls can both pass their condition). Tests of concurrency control (the
lifecycle's conditional writes and outbox) run against this launcher so that a race they detect
is ours, not the emulator's. Usage: python3 moto-serialized.py HOST PORT
"""
import sys

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

host, port = sys.argv[1], int(sys.argv[2])
run_simple(host, port, DomainDispatcherApplication(create_backend_app), threaded=False)
