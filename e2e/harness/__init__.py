"""Helpers for the end-to-end tests: the real pack, the real engine, real clients.

Every helper shells out to the tool a user would run (pack, docker, the conformance tool,
node with the JS SDK) or uses the real library (the Python CloudEvents SDK, boto3); none of
them fakes an answer.
"""
