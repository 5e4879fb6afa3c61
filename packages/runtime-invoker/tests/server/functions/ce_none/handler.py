"""CloudEvent function that accepts every event and sends no reply."""


def handler(event):
    return None
