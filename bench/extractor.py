"""Extractor precision/recall on tests/fixtures/extractor-labelled.json.

``python bench/extractor.py --baseline e236129``; the code is in
atocore/bench/extractor.py.
"""

from atocore.bench.extractor import main

if __name__ == "__main__":
    main()
