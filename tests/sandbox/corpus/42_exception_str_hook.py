# layer: wall-clock deadline / RLIMIT_CPU
# expect: Timeout
# timeout_ms: 2000
class E(Exception):
    def __str__(self):
        while True:
            pass
def main(x):
    raise E()
