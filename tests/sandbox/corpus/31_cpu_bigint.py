# layer: wall-clock deadline / RLIMIT_CPU
# expect: Timeout
# timeout_ms: 2000
def main(x):
    return len(str(7 ** 10 ** 8))
