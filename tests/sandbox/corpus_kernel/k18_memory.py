# layer: RLIMIT_AS
# expect: MemoryLimit
# skip_asan: ASan builds run without RLIMIT_AS
def main(x):
    return len(bytearray(10 ** 9))
