import os

API_KEY = os.environ["KN_FN_TEST_API_KEY"]


def handler(req):
    return "key set"
