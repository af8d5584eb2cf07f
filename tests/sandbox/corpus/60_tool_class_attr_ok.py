# layer: none (tools may still change attributes of their own classes)
# expect: ok
# match: "result": 3
class Counter:
    n = 0
def main(x):
    for _ in range(3):
        Counter.n += 1
    return Counter.n
