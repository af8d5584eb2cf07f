# layer: wall-clock deadline / RLIMIT_CPU
# expect: Timeout
# timeout_ms: 2000
def main(x):
    while True:
        pass
