"""Vector search at scale: ``python bench/vector_search.py --sizes 10000,100000``.

Same as ``atocore bench vectors``; the code is in atocore/bench/vector_search.py.
"""

from atocore.bench.vector_search import main

if __name__ == "__main__":
    main()
