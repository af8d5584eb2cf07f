"""completion/complete for resources and prompts: declared values by
prefix, and an item's own complete(argument, value) run in the sandbox
when it declares none."""
import unittest

from test_items import CITIES, INTERNAL, INVALID, ItemsCase

COMPLETER = ('def main(who: str = "", tone: str = ""):\n'
             '    return "hi " + who\n'
             'def complete(argument, value):\n'
             '    names = ["Alma", "Alva", "Bo"]\n'
             '    return [n for n in names if n.lower().startswith(value.lower())]\n')
READER = ('def read(city):\n'
          '    return "weather in " + city\n'
          'def complete(argument, value):\n'
          '    return [argument + ":" + value + str(i) for i in range(150)]\n')


class ItemCompletionTest(ItemsCase):
    def test_completion(self):
        def values(ref, name, typed, path=None):
            return self.ok("completion/complete", {
                "ref": ref, "argument": {"name": name, "value": typed}},
                path)["completion"]
        c = values({"type": "ref/prompt", "name": "greet"}, "who", "PA")
        self.assertEqual(c, {"values": ["Paris", "park", "party"],
                             "total": 3, "hasMore": False})
        c = values({"type": "ref/prompt", "name": f"{self.name}__greet"},
                   "who", "", "/mcp")
        self.assertEqual(c["values"], CITIES)
        # An argument without values completes to nothing.
        c = values({"type": "ref/prompt", "name": "greet"}, "tone", "")
        self.assertEqual((c["values"], c["total"]), ([], 0))
        c = values({"type": "ref/resource", "uri": self.day}, "day", "T")
        self.assertEqual(c["values"], ["tuesday", "thursday"])
        c = values({"type": "ref/resource", "uri":
                    f"mcpbox://{self.name}/{self.day}"}, "day", "mo", "/mcp")
        self.assertEqual(c["values"], ["monday"])
        for ref, path in (
                ({"type": "ref/prompt", "name": "nosuch"}, None),
                ({"type": "ref/prompt", "name": "greet"}, "/mcp"),
                ({"type": "ref/prompt", "name": self.tool["name"]}, None),
                ({"type": "ref/resource", "uri": "x://nothing/{a}"}, None),
                ({"type": "ref/resource", "uri": self.day}, "/mcp"),
                ({"type": "ref/tool", "name": "greet"}, None)):
            self.err("completion/complete", {"ref": ref, "argument": {
                "name": "who", "value": ""}}, INVALID, path)

    def test_an_items_own_completer(self):
        """Without declared values, the approved code's complete() answers
        (run in the sandbox like any of its code); at most 100 values."""
        self.make("prompt", "hello", {"arguments": [{"name": "who"}]},
                  code=COMPLETER)
        self.make("resource", "weather", {"uri": f"w://{self.u}/{{city}}"},
                  code=READER)

        def complete(ref, name, typed):
            return self.rpc("completion/complete", {
                "ref": ref, "argument": {"name": name, "value": typed}})
        b = complete({"type": "ref/prompt", "name": "hello"}, "who", "al")
        self.assertEqual(b["result"]["completion"],
                         {"values": ["Alma", "Alva"], "total": 2,
                          "hasMore": False}, b)
        b = complete({"type": "ref/resource", "uri": f"w://{self.u}/{{city}}"},
                     "city", "o")
        c = b["result"]["completion"]
        self.assertEqual((len(c["values"]), c["total"], c["hasMore"]),
                         (100, 150, True), b)
        self.assertEqual(c["values"][0], "city:o0")
        # Declared values win over the code: greet's are used, not code's.
        b = complete({"type": "ref/prompt", "name": "greet"}, "who", "lo")
        self.assertEqual(b["result"]["completion"]["values"], ["London"])
        # A completer that returns something else is the item's error.
        self.make("prompt", "badcomp", {"arguments": [{"name": "x"}]},
                  code='def main(x=""):\n    return x\n'
                       'def complete(argument, value):\n    return 5\n')
        b = complete({"type": "ref/prompt", "name": "badcomp"}, "x", "")
        self.assertEqual(b["error"]["code"], INTERNAL, b)
        self.assertIn("list of strings", b["error"]["message"])
        # Without values and without complete(): nothing to offer.
        self.make("prompt", "nocomp", {"arguments": [{"name": "x"}]},
                  code='def main(x=""):\n    return x\n')
        b = complete({"type": "ref/prompt", "name": "nocomp"}, "x", "")
        self.assertEqual(b["result"]["completion"]["values"], [])


if __name__ == "__main__":
    unittest.main()
