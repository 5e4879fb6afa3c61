def handler(req)
    return "missing colon"
