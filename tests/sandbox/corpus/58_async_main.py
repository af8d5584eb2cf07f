# layer: none (async def main is supported; the result is plain data)
# expect: ok
# match: "result": 42
async def helper():
    return 41
async def main(x):
    return await helper() + 1
