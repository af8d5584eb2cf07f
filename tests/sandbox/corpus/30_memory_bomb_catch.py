# layer: RLIMIT_AS (MemoryError caught, child lives)
# expect: ok
# match: still alive
# skip_asan: ASan builds run without RLIMIT_AS
def main(x):
    try:
        b = bytearray(2 ** 40)
    except MemoryError:
        return "MemoryError caught, still alive"
