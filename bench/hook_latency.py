"""Hook latency (warm server vs cold), server RSS, watch idle CPU.

``python bench/hook_latency.py --chunks 100000``; the code is in
atocore/bench/hooks.py.
"""

from atocore.bench.hooks import main

if __name__ == "__main__":
    main()
