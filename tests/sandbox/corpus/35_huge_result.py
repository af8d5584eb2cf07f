# layer: result cap (1 MiB)
# expect: OutputLimit
def main(x):
    return "z" * (8 * 1024 * 1024)
