"""Cold CLI latency: ``python bench/cli_latency.py --runs 10``.

Same as ``atocore bench cli``; the code is in atocore/bench/cli_latency.py.
"""

from atocore.bench.cli_latency import main

if __name__ == "__main__":
    main()
