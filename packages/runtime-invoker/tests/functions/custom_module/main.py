def DoEvent(data, attributes):
    return {"handled": data}


def helper():
    return None
