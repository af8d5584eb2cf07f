# layer: seccomp (openat EACCES: threading not importable)
# expect: ToolError
import threading
def main(x):
    t = threading.Thread(target=lambda: None); t.start(); t.join()
    return "thread ran"
