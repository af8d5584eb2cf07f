# layer: RLIMIT_AS
# expect: MemoryLimit
# skip_asan: ASan builds run without RLIMIT_AS
def main(x):
    keep = []
    while True:
        keep.append("x" * (10 ** 7))
