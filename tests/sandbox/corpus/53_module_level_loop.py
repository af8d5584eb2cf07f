# layer: wall-clock deadline (module-level code runs under the same limits)
# expect: Timeout
# timeout_ms: 1500
while True:
    pass
def main(x):
    return 1
