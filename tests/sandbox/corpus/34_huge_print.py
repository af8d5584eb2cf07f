# layer: bounded print (64 KiB)
# expect: OutputLimit
def main(x):
    while True:
        print("y" * 10000)
