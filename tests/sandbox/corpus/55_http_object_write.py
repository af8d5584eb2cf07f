# layer: injected objects refuse writes
# expect: ToolError
# match: read-only
def main(x):
    http.request = lambda *a, **k: None
    return 1
