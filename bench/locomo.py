"""Context quality on LoCoMo: ``python bench/locomo.py PATH [--budgets 1000,2000,4000]``.

Same as ``atocore bench locomo PATH``; the code is in atocore/bench/locomo.py.
"""

from atocore.bench.locomo import main

if __name__ == "__main__":
    main()
