# layer: bounded print (OutputLimit survives a bare except)
# expect: OutputLimit
def main(x):
    for i in range(100000):
        try:
            print("z" * 1000)
        except BaseException:
            pass
    return "swallowed"
