def greeting():
    return "from pkg.sub.mod"
