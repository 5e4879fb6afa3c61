"""WSGI applications: a Flask app (with its own routes, 404 and error handling) and a raw one."""

import time

from flask import Flask, request

app = Flask(__name__)


@app.route("/hello", methods=["GET", "POST"])
def hello():
    return f"hello from the app, {len(request.get_data())} bytes"


@app.route("/health/ready", methods=["GET", "POST"])
def own_health():
    return "the app's own health route"


@app.route("/fails")
def fails():
    raise ValueError("the app's bug")


def raw(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/raise":
        raise KeyError("raw bug")
    if path == "/slow":
        time.sleep(3)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"raw ", environ["wsgi.input"].read()]
