"""Warm by default: the installed prompt hook, first prompt after boot, warm, and baseline.

``python bench/warm_hook.py --chunks 10000``; the code is in
atocore/bench/warm_hook.py.
"""

from atocore.bench.warm_hook import main

if __name__ == "__main__":
    main()
